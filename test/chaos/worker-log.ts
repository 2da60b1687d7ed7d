import diagnostics_channel from 'node:diagnostics_channel'
import { closeSync, openSync, writeSync } from 'node:fs'
import { TRACE_CHANNELS, type ConnectionTrace, type RequestTrace } from '../../client/tracing.js'
import type { ChaosEvent } from './count.js'

/** How the runner configures a worker process (env `CHAOS_WORKER`, JSON). */
export interface WorkerConfig {
  /** Worker name in the log. */
  name: string
  bootstrap: string
  topic: string
  groupId: string
  /** JSON-lines file the worker appends its events to. */
  logFile: string
  acquireMode: 'batch_optimized' | 'record_limit'
  acknowledgementMode: 'implicit' | 'explicit'
  /** Records per second this worker processes at most (paces the run so faults land mid-consume). */
  recordsPerSec: number
  maxPollRecords: number
  /** Log every share request (api, broker, duration, error codes) too. */
  trace: boolean
}

/** The worker's config from its environment. */
export function workerConfig (): WorkerConfig {
  const raw = process.env.CHAOS_WORKER
  if (raw === undefined) throw new Error('CHAOS_WORKER is not set: this script is started by the chaos runner')
  // The runner is gone (crashed, killed): a worker must not outlive it.
  process.on('disconnect', () => process.exit(1))
  return JSON.parse(raw) as WorkerConfig
}

/**
 * Appends events to the worker's log with a synchronous write each time, so what a worker
 * logged before a SIGKILL is on disk (the kernel has it) even though the process dies at once.
 */
export class EventLog {
  private readonly fd: number

  constructor (file: string) {
    this.fd = openSync(file, 'a')
  }

  /** Writes events (one line each) in one system call. */
  write (events: readonly ChaosEvent[]): void {
    if (events.length === 0) return
    writeSync(this.fd, events.map(e => JSON.stringify(e)).join('\n') + '\n')
  }

  close (): void {
    closeSync(this.fd)
  }
}

/**
 * A class name for an error: `Outer(Inner)` when it wraps a cause; a generic
 * `BrokerResponseError` gets Kafka's error name (`BrokerResponseError:INVALID_RECORD_STATE`).
 */
export function errorClass (err: unknown): string {
  if (!(err instanceof Error)) return typeof err
  const name = (e: Error): string => {
    const code = (e as { errorName?: unknown }).errorName
    return e.name === 'BrokerResponseError' && typeof code === 'string' ? `${e.name}:${code}` : e.name
  }
  const cause = (err as { cause?: unknown }).cause
  return cause instanceof Error ? `${name(err)}(${name(cause)})` : name(err)
}

/** The sequence number a record carries (its value is the decimal seq). */
export function seqOfValue (value: Buffer | null): number {
  const n = value === null ? NaN : Number(value.toString())
  return Number.isInteger(n) ? n : -1
}

/** Waits `ms`. */
export function sleep (ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}

interface SharePartitionAnswer { errorCode: number, acquiredRecords?: Array<{ firstOffset: bigint, lastOffset: bigint }> }
/** The part of a ShareFetch or ShareAcknowledge answer that tracing reads. */
export interface ShareAnswer { errorCode?: number, responses?: Array<{ partitions: SharePartitionAnswer[] }> }

/** Records a share answer acquired (0 for a ShareAcknowledge). */
export function acquiredIn (answer: ShareAnswer | undefined): number {
  let acquired = 0
  for (const t of answer?.responses ?? []) for (const p of t.partitions) for (const a of p.acquiredRecords ?? []) acquired += Number(a.lastOffset - a.firstOffset) + 1
  return acquired
}

/** Logs every request of this process as it ends, and every connection event (as api `connection:<event>`). */
export function traceRequests (name: string, log: EventLog): void {
  const onEnd = (m: unknown): void => {
    const r = m as RequestTrace
    const res = r.response as ShareAnswer | undefined
    const parts = res?.responses?.flatMap(t => t.partitions) ?? []
    const codes = [res?.errorCode ?? 0, ...parts.map(p => p.errorCode)].filter(c => c !== 0)
    log.write([{
      k: 'req', t: Date.now(), w: name, api: r.api, node: r.broker.nodeId, ms: Math.round(r.durationMs ?? 0),
      err: r.error !== undefined ? errorClass(r.error) : codes.length > 0 ? codes.join(',') : null,
      ...(r.api === 'ShareFetch' ? { acquired: acquiredIn(res) } : {})
    }])
  }
  diagnostics_channel.subscribe(TRACE_CHANNELS.end, onEnd)
  diagnostics_channel.subscribe(TRACE_CHANNELS.error, onEnd)
  diagnostics_channel.subscribe(TRACE_CHANNELS.connection, m => {
    const c = m as ConnectionTrace
    log.write([{ k: 'req', t: Date.now(), w: name, api: `connection:${c.event}:${c.purpose}`, node: c.broker.nodeId, ms: 0, err: c.error !== undefined ? errorClass(c.error) : null }])
  })
}
