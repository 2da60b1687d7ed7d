/**
 * One Node.js client's run of the share-consume benchmark, in a process of its own (as Kafka's
 * perf tool gets a JVM of its own): started by bench/share-consume.ts, never by hand.
 *
 *   node dist/bench/share-consume-client.js '<RunConfig as JSON>'
 *
 * Consumes and accepts `records` records of `topic` in share group `groupId`, then prints one
 * JSON line (a {@link RunResult}) on stdout. The clock starts just before the client joins the
 * group (kshare: `subscribe()` then the first `poll()`; kafkats: `runEach()`, which joins
 * first), as ShareConsumerPerformance starts its clock just before `subscribe()` and `poll()`.
 * It stops when the broker has confirmed the last acknowledgement:
 * - kshare, implicit mode (each `poll()` accepts the previous batch; the acks ride on the next
 *   ShareFetch): the final `commitSync()` resolved with no error.
 * - @kafkats/client `runEach()`: the handler awaits `message.ack()` — the same ACCEPT enqueue
 *   its handler-success auto-ack does, in the same place, but its promise tells when the
 *   broker confirmed it; the clock stops when the last one resolved.
 * Every delivery is counted per (partition, offset), so duplicates and gaps show.
 */
import diagnostics_channel from 'node:diagnostics_channel'
import { KafkaClient } from '@kafkats/client'
import { ShareConsumer, TRACE_CHANNELS, type RequestTrace } from '../index.js'
import { acquiredIn, type ShareAnswer } from '../test/chaos/worker-log.js'

/** What the orchestrator asks for. */
export interface RunConfig {
  tool: 'kshare' | 'kafkats' | 'java'
  bootstrap: string
  topic: string
  groupId: string
  /** Records in the topic, all to be consumed. */
  records: number
  /** Records per partition (for the duplicate/gap check). */
  perPartition: number[]
  maxPollRecords: number
  fetchMaxBytes: number
  fetchMaxWaitMs: number
  /** kafkats `runEach` concurrency (handlers in flight). */
  kafkatsConcurrency: number
  /** Give up when no record arrived for this long, ms. */
  idleTimeoutMs: number
  /**
   * kshare only, for several processes sharing the group (bench/share-scale.ts): stop, without
   * error, once records came and then none for this long (the others took the rest).
   */
  drainIdleMs?: number
  /** kshare only: trace its share requests and report {@link FetchStats} per leader. */
  fetchStats?: boolean
}

/**
 * How one leader's share session was used during a kshare run (from the first record on): where
 * the time goes, the broker's round trip or the client's turnaround.
 */
export interface FetchStats {
  nodeId: number
  /** ShareFetch and ShareAcknowledge requests. */
  requests: number
  /** Records acquired per request, mean. */
  recordsPerRequest: number
  /** Request round trip (send to decoded answer), ms. */
  rttP50: number
  rttP90: number
  /** From an answer to the next request to that leader, ms: the client's turnaround. */
  gapP50: number
  gapP90: number
  /** Request time summed over the run, % of the run: ~100 means a request was always out. */
  busyPercent: number
}

/** What a run reports (one JSON line). */
export interface RunResult {
  tool: string
  /** Deliveries counted (duplicates included). */
  delivered: number
  /** Distinct (partition, offset) delivered. */
  unique: number
  /** Offsets whose acceptance the broker confirmed. */
  accepted: number
  /** Key + value bytes delivered. */
  bytes: number
  /** Clock start → first record handed to the application, ms. */
  firstRecordMs: number
  /** Clock start → last record handed to the application, ms (what Java's fetch.time.ms measures). */
  lastRecordMs: number
  /** Clock start → last acknowledgement confirmed, ms (the benchmark's figure). */
  ms: number
  /** Why the run failed, or null. */
  error: string | null
  /** Epoch ms of the clock start (to line up several processes). */
  startEpochMs?: number
  /** User + system CPU seconds of the whole client process (set by the benchmark, which sees it exit). */
  cpuSeconds?: number | null
  /** With `fetchStats`: per leader. */
  fetchStats?: FetchStats[]
}

const SHARE_APIS = new Set(['ShareFetch', 'ShareAcknowledge'])

/** Records the share requests of this process; `stats(from, to)` summarizes them per leader. */
function traceShareRequests (): { stats: (from: number, to: number) => FetchStats[], stop: () => void } {
  const events: Array<{ node: number, start: number, end: number, acquired: number }> = []
  const onEnd = (message: unknown): void => {
    const trace = message as RequestTrace
    if (!SHARE_APIS.has(trace.api)) return
    const end = performance.now()
    events.push({ node: trace.broker.nodeId, start: end - (trace.durationMs ?? 0), end, acquired: acquiredIn(trace.response as ShareAnswer) })
  }
  diagnostics_channel.subscribe(TRACE_CHANNELS.end, onEnd)
  const pct = (xs: number[], q: number): number => Math.round(([...xs].sort((a, b) => a - b)[Math.floor(xs.length * q)] ?? 0) * 10) / 10
  const stats = (from: number, to: number): FetchStats[] => [...new Set(events.map(e => e.node))].sort().map(nodeId => {
    const mine = events.filter(e => e.node === nodeId && e.end >= from).sort((a, b) => a.start - b.start)
    const gaps = mine.slice(1).map((e, i) => Math.max(0, e.start - mine[i]!.end))
    const rtts = mine.map(e => e.end - e.start)
    return {
      nodeId,
      requests: mine.length,
      recordsPerRequest: Math.round(mine.reduce((a, e) => a + e.acquired, 0) / Math.max(1, mine.length)),
      rttP50: pct(rtts, 0.5),
      rttP90: pct(rtts, 0.9),
      gapP50: pct(gaps, 0.5),
      gapP90: pct(gaps, 0.9),
      busyPercent: Math.round(100 * rtts.reduce((a, b) => a + b, 0) / Math.max(1, to - from))
    }
  })
  return { stats, stop: () => diagnostics_channel.unsubscribe(TRACE_CHANNELS.end, onEnd) }
}

class Tally {
  delivered = 0
  unique = 0
  bytes = 0
  firstRecordMs = -1
  lastRecordMs = -1
  private readonly seen: Uint8Array[]

  constructor (perPartition: number[], private readonly start: number) {
    this.seen = perPartition.map(n => new Uint8Array(n))
  }

  record (partition: number, offset: bigint, key: Buffer | null, value: Buffer | null): void {
    const now = performance.now() - this.start
    if (this.firstRecordMs < 0) this.firstRecordMs = now
    this.lastRecordMs = now
    this.delivered++
    this.bytes += (key?.length ?? 0) + (value?.length ?? 0)
    const seen = this.seen[partition]
    const i = Number(offset)
    if (seen !== undefined && i < seen.length && seen[i] === 0) {
      seen[i] = 1
      this.unique++
    }
  }
}

async function runKshare (cfg: RunConfig): Promise<RunResult> {
  const consumer = new ShareConsumer({
    bootstrapServers: cfg.bootstrap,
    groupId: cfg.groupId,
    clientId: 'bench-kshare',
    acknowledgementMode: 'implicit',
    maxPollRecords: cfg.maxPollRecords,
    fetchMaxBytes: cfg.fetchMaxBytes,
    fetchMaxWaitMs: cfg.fetchMaxWaitMs
  })
  let accepted = 0
  const ackErrors: string[] = []
  consumer.onAcknowledgementCommit(results => {
    for (const r of results) {
      if (r.error === null) accepted += r.offsets.length
      else ackErrors.push(`${r.topic}-${r.partition}: ${r.error.message}`)
    }
  })
  const tracer = cfg.fetchStats === true ? traceShareRequests() : undefined
  const startEpochMs = Date.now()
  const start = performance.now()
  const tally = new Tally(cfg.perPartition, start)
  let error: string | null = null
  let ms = -1
  try {
    consumer.subscribe([cfg.topic])
    let idleSince = performance.now()
    while (tally.delivered < cfg.records) {
      const batch = await consumer.poll(1000)
      if (batch.length === 0) {
        if (cfg.drainIdleMs !== undefined && tally.delivered > 0 && performance.now() - idleSince > cfg.drainIdleMs) break
        if (performance.now() - idleSince > cfg.idleTimeoutMs) throw new Error(`no record for ${cfg.idleTimeoutMs} ms after ${tally.delivered}`)
        continue
      }
      idleSince = performance.now()
      for (const r of batch) tally.record(r.partition, r.offset, r.key, r.value)
    }
    const results = await consumer.commitSync()
    ms = performance.now() - start
    for (const r of results) if (r.error !== null) ackErrors.push(`${r.topic}-${r.partition}: ${r.error.message}`)
  } catch (err) {
    error = err instanceof Error ? err.message : String(err)
  } finally {
    await consumer.close()
  }
  if (error === null && ackErrors.length > 0) error = `acknowledgements failed: ${ackErrors.slice(0, 3).join('; ')}`
  tracer?.stop()
  const fetchStats = tracer?.stats(start + tally.firstRecordMs, start + ms)
  return { tool: 'kshare', ...counts(tally), accepted, ms, error, startEpochMs, ...(fetchStats !== undefined ? { fetchStats } : {}) }
}

async function runKafkats (cfg: RunConfig): Promise<RunResult> {
  const client = new KafkaClient({ brokers: cfg.bootstrap.split(','), clientId: 'bench-kafkats' })
  const consumer = client.shareConsumer({
    groupId: cfg.groupId,
    maxRecords: cfg.maxPollRecords,
    batchSize: cfg.maxPollRecords,
    maxBytes: cfg.fetchMaxBytes,
    maxWaitMs: cfg.fetchMaxWaitMs,
    minBytes: 1
  })
  const start = performance.now()
  const tally = new Tally(cfg.perPartition, start)
  let accepted = 0
  let ms = -1
  let error: string | null = null
  // kafkats needs the bootstrap connection and metadata before anything else; the others do this
  // lazily inside their clock, so it is inside this one too.
  await client.connect()
  let finish!: () => void
  const allAccepted = new Promise<void>(resolve => { finish = resolve })
  const running = consumer.runEach(cfg.topic, async (message) => {
    tally.record(message.partition, message.offset, message.key, message.value)
    await message.ack()
    if (++accepted === cfg.records) finish()
  }, { concurrency: cfg.kafkatsConcurrency })
  running.catch(() => {})
  let idle: NodeJS.Timeout | undefined
  const stalled = new Promise<never>((_resolve, reject) => {
    let last = -1
    idle = setInterval(() => {
      const progress = tally.delivered + accepted
      if (progress === last) reject(new Error(`no progress for ${cfg.idleTimeoutMs} ms: ${tally.delivered} delivered, ${accepted} accepted`))
      last = progress
    }, cfg.idleTimeoutMs)
  })
  try {
    await Promise.race([allAccepted, stalled, running.then(() => { throw new Error('runEach ended early') })])
    ms = performance.now() - start
  } catch (err) {
    error = err instanceof Error ? err.message : String(err)
  } finally {
    clearInterval(idle)
    await consumer.stop()
    await running.catch(err => { error ??= err instanceof Error ? err.message : String(err) })
    await client.disconnect()
  }
  return { tool: 'kafkats', ...counts(tally), accepted, ms, error }
}

function counts (t: Tally): Pick<RunResult, 'delivered' | 'unique' | 'bytes' | 'firstRecordMs' | 'lastRecordMs'> {
  return { delivered: t.delivered, unique: t.unique, bytes: t.bytes, firstRecordMs: t.firstRecordMs, lastRecordMs: t.lastRecordMs }
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as RunConfig
const result = cfg.tool === 'kshare' ? await runKshare(cfg) : await runKafkats(cfg)
process.stdout.write(JSON.stringify(result) + '\n')
process.exit(0)
