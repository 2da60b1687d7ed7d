/**
 * `app.monitor`: named events with timings, the same events on `node:diagnostics_channel`
 * (channel `kshare:framework:<event>`), and live counters. Handlers run synchronously where
 * the event happens; a handler that throws is logged, never allowed to break processing.
 */
import diagnostics from 'node:diagnostics_channel'
import type { PartitionLag } from './client-ports.js'
import type { Logger } from './logger.js'

/** Identifies one record in events. */
export interface RecordEvent {
  /** Share group id. */
  groupId: string
  /** Topic name. */
  topic: string
  /** Partition. */
  partition: number
  /** Offset. */
  offset: bigint
  /** The record's delivery attempt (1 = first). */
  deliveryAttempt: number
  /** Time since the broker handed the record to us (its lock has been ticking that long, less renewals), ms. */
  heldMs: number
}

/** Why a record was released. */
export type ReleaseReason = 'explicit' | 'backoff' | 'dlq_failed' | 'shutdown'

/** Why a record was rejected. */
export type RejectReason = 'explicit' | 'deserialization' | 'attempts_exhausted'

/** Where a reported error came from. */
export type ErrorSource =
  | 'consumer.consume' | 'consumer.hook' | 'deserialization' | 'jobs_builder' | 'acknowledgement' | 'lock'
  | 'dlq' | 'listener.poll' | 'group.config' | 'shutdown' | 'statistics' | 'swarm'

/** Every event the monitor emits, with its payload. */
export interface FrameworkEvents {
  /** The App started: group configs applied, listeners polling. */
  'app.started': { groups: string[], topics: number, durationMs: number }
  /** The App stopped (after the shutdown sequence). */
  'app.stopped': { durationMs: number }
  /** A share group's broker configuration was read (and the routes' group configs applied). */
  'group.configured': { groupId: string, applied: Record<string, string>, renew: boolean, lockDurationMs: number | undefined, deliveryCountLimit: number | undefined, brokerDeadLetterQueue: boolean }
  /** A poll returned (possibly nothing). */
  'listener.polled': { groupId: string, topic: string, count: number, maxRecords: number, durationMs: number }
  /** A job's `consume` is about to run (emitted only when someone listens). */
  'consumer.started': { groupId: string, topic: string, records: ReadonlyArray<{ partition: number, offset: bigint, timestamp: number, deliveryAttempt: number }> }
  /** A job's `consume` finished. `error` is what it threw, if it threw. */
  'consumer.consumed': { groupId: string, topic: string, count: number, durationMs: number, error?: unknown }
  /** A record was accepted. */
  'consumer.accepted': RecordEvent
  /** A record was released back to the group. */
  'consumer.released': RecordEvent & { reason: ReleaseReason }
  /** A record is held for a backoff, to be released after it. */
  'consumer.paused': RecordEvent & { backoffMs: number }
  /** A record was rejected (after its DLQ write, when the topic has a DLQ). */
  'consumer.rejected': RecordEvent & { reason: RejectReason, error: Error | undefined }
  /** A record was written to its dead letter topic. */
  'dlq.dispatched': RecordEvent & { dlqTopic: string, dlqPartition: number, dlqOffset: bigint, durationMs: number, error: Error }
  /** Locks were renewed (one event per renewal round). */
  'lock.renewed': { groupId: string, topic: string, count: number }
  /** We lost a record's lock; another consumer may get it. */
  'lock.expired': RecordEvent & { error: Error }
  /** Something failed; `source` says where. */
  'error.occurred': { source: ErrorSource, error: unknown, groupId?: string, topic?: string, partition?: number, offset?: bigint }
  /** Swarm primary: a worker process was forked (`worker` numbers the slot, 1..processes). */
  'swarm.worker_started': { worker: number, pid: number }
  /** Swarm primary: a worker process exited; `restartInMs` is absent when the swarm is stopping. */
  'swarm.worker_exited': { worker: number, pid: number, code: number | null, signal: string | null, restartInMs?: number }
  /** Swarm primary: a worker slot keeps dying (`exits` times within `windowMs`); it is still restarted, with backoff. */
  'swarm.crash_loop': { worker: number, exits: number, windowMs: number }
  /** Periodic snapshot of the counters (and lag, when the admin client can tell). */
  'statistics.emitted': { counters: Counters, lag: PartitionLag[] | undefined }
}

/** Names of the monitor's events. */
export type FrameworkEventName = keyof FrameworkEvents

/** Live counters (totals since start, and gauges of what is held right now). */
export interface Counters {
  /** Records handed out by polls (total). */
  recordsPolled: number
  /** Records handed out and not yet decided: waiting for a worker or in `consume` (gauge). */
  recordsInFlight: number
  /** Records whose lock we hold: in flight, paused or being dead-lettered (gauge). */
  locksHeld: number
  /** Records held for a backoff (gauge). */
  paused: number
  /** Jobs running (gauge). */
  jobsRunning: number
  /** Records accepted (total). */
  accepted: number
  /** Records released (total). */
  released: number
  /** Records rejected (total). */
  rejected: number
  /** Records written to a dead letter topic (total). */
  deadLettered: number
  /** Lock renewals sent, per record (total). */
  renewed: number
  /** Partitions whose acknowledgements the broker refused (total). */
  ackErrors: number
  /** Records whose lock we lost (total). */
  lockExpiries: number
  /** Jobs whose `consume` threw (total). */
  consumeErrors: number
  /** Sum of the groups' lag at the last statistics round; `null` before one or when unknown. */
  lag: number | null
}

type Handler<E extends FrameworkEventName> = (payload: FrameworkEvents[E]) => void

/** The App's monitor: subscribe with `on`. */
export class Monitor {
  /** Live counters; read them any time (they are updated in place). */
  readonly counters: Counters = {
    recordsPolled: 0, recordsInFlight: 0, locksHeld: 0, paused: 0, jobsRunning: 0, accepted: 0, released: 0, rejected: 0,
    deadLettered: 0, renewed: 0, ackErrors: 0, lockExpiries: 0, consumeErrors: 0, lag: null
  }

  readonly #handlers = new Map<FrameworkEventName, Set<Handler<never>>>()
  readonly #channels = new Map<FrameworkEventName, diagnostics.Channel>()

  /** @param logger where handler failures are logged */
  constructor (private readonly logger: Logger) {}

  /** Calls `handler` on every `event`; returns a function that unsubscribes it. */
  on<E extends FrameworkEventName> (event: E, handler: Handler<E>): () => void {
    let set = this.#handlers.get(event)
    if (set === undefined) this.#handlers.set(event, set = new Set())
    set.add(handler as Handler<never>)
    return () => this.off(event, handler)
  }

  /** Unsubscribes a handler. */
  off<E extends FrameworkEventName> (event: E, handler: Handler<E>): void {
    this.#handlers.get(event)?.delete(handler as Handler<never>)
  }

  /** True when someone listens to `event` (handler or diagnostics channel subscriber); lets hot paths skip building payloads. */
  wants (event: FrameworkEventName): boolean {
    return (this.#handlers.get(event)?.size ?? 0) > 0 || this.#channel(event).hasSubscribers
  }

  /** Emits an event to the handlers and the diagnostics channel (framework-internal). */
  emit<E extends FrameworkEventName> (event: E, payload: FrameworkEvents[E]): void {
    const set = this.#handlers.get(event)
    if (set !== undefined) {
      for (const handler of set) {
        try {
          (handler as Handler<E>)(payload)
        } catch (err) {
          this.logger.error(`a monitor handler for ${event} threw`, { error: err })
        }
      }
    }
    const channel = this.#channel(event)
    if (channel.hasSubscribers) channel.publish(payload)
  }

  #channel (event: FrameworkEventName): diagnostics.Channel {
    let channel = this.#channels.get(event)
    if (channel === undefined) this.#channels.set(event, channel = diagnostics.channel(`kshare:framework:${event}`))
    return channel
  }
}
