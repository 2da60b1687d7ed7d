import { systemTimers, type Timers } from '../../client/finished-within.js'
import type { ProducerPort, ShareConsumerPort, ShareRecordLike } from '../client-ports.js'
import type { Logger } from '../logger.js'
import type { Monitor } from '../monitor.js'
import type { ShareTopic } from '../routing/share-topic.js'

/** Time and timers, injectable so the lock and backoff logic can be tested without waiting. */
export interface Clock extends Timers {
  /** Epoch ms (lock deadlines are epoch ms). */
  now (): number
}

/** The real clock. */
export const systemClock: Clock = { ...systemTimers, now: () => Date.now() }

/**
 * Where a share group writes dead letters: `client` (we produce to the topic's DLQ, then
 * reject), `broker` (the group has the broker's own DLQ, KIP-1191: we only reject, so nothing is
 * written twice), or `none` (the topic has no DLQ).
 */
export type DeadLetterMode = 'client' | 'broker' | 'none'

/** Everything one topic's processing needs at run time (framework-internal). */
export interface TopicRuntime {
  /** The route. */
  topic: ShareTopic
  /** The topic's share consumer. */
  consumer: ShareConsumerPort
  /** The consumer's `maxPollRecords` (the most one poll brings). */
  maxPollRecords: number
  /** The App's monitor. */
  monitor: Monitor
  /** The App's logger. */
  logger: Logger
  /** Time. */
  clock: Clock
  /** Whether locks may be renewed (App setting and group config both allow it). */
  renew: boolean
  /** Renew a lock when this fraction of it has run (e.g. 0.7). */
  autoRenewAt: number
  /** The group's lock duration, ms (the consumer's latest value once known). */
  lockDurationMs (): number
  /** See {@link DeadLetterMode}. */
  deadLetter: DeadLetterMode
  /** The producer for the DLQ (created on first use). */
  producer (): ProducerPort
  /** Spans per job, when OpenTelemetry tracing is on. */
  tracer?: JobSpans
}

/** What became of a job's `consume`. */
export interface JobOutcome {
  /** `consume` threw. */
  failed: boolean
  /** What it threw. */
  error: unknown
}

/** Runs jobs inside spans (`ops/tracing.ts`). */
export interface JobSpans {
  /** Runs `run` (the job of `records`) inside its span. */
  job (rt: TopicRuntime, records: readonly ShareRecordLike[], run: () => Promise<JobOutcome>): Promise<JobOutcome>
}
