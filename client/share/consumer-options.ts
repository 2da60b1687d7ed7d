import type { ClusterOptions } from '../cluster.js'
import { positiveInt } from '../connection-options.js'
import { ConfigurationError } from '../errors.js'
import { SILENT_LOGGER, type Logger } from './logger.js'
import type { FetchLimits } from './share-session.js'

/** `implicit`: the next poll/commit accepts the previous batch (Java's default). `explicit`: the application acknowledges each record. */
export type AcknowledgementMode = 'implicit' | 'explicit'
/** `batch_optimized` (default): fetch whole log batches, prefetch. `record_limit`: at most `maxPollRecords` acquired at a time, no prefetch (KIP-1206). */
export type AcquireMode = 'batch_optimized' | 'record_limit'

/**
 * Options of a `ShareConsumer`: the connection options every kshare client takes
 * (`bootstrapServers`, `clientId`, `tls`, `sasl`, timeouts, backoffs), and the consumer's own.
 * Heartbeat interval and session timeout are the group's (broker configs), not options.
 */
export interface ShareConsumerOptions extends ClusterOptions {
  /** Share group id. */
  groupId: string
  /** Default `'implicit'`, as Java. */
  acknowledgementMode?: AcknowledgementMode
  /** Default `'batch_optimized'`. `record_limit` needs Kafka 4.2+. */
  acquireMode?: AcquireMode
  /** Most records one poll returns; also ShareFetch MaxRecords and BatchSize. Default 500. */
  maxPollRecords?: number
  /**
   * ShareFetch MaxWaitMs: how long the broker may hold a fetch for a waiting poll. Fetches that
   * do not wait at the broker (prefetches; `record_limit` with partitions on several leaders)
   * are paced by it after an empty answer. Default 500.
   */
  fetchMaxWaitMs?: number
  /** ShareFetch MinBytes. Default 1. */
  fetchMinBytes?: number
  /** ShareFetch MaxBytes. Default 52 428 800 (50 MiB). */
  fetchMaxBytes?: number
  /** Time allowed for each request (a fetch gets fetchMaxWaitMs on top); also commitSync's and close's default. Default 30 000. */
  requestTimeoutMs?: number
  /** Where the consumer tells what happens (`console` works). Default: silent. */
  logger?: Logger
}

/** Options with defaults applied and values checked. */
export interface ResolvedConsumerOptions {
  /** Group id. */
  groupId: string
  /** Implicit acknowledgement mode. */
  implicit: boolean
  /** `record_limit` acquire mode. */
  recordLimit: boolean
  /** Most records per poll. */
  maxPollRecords: number
  /** Request timeout. */
  requestTimeoutMs: number
  /** ShareFetch limits. */
  limits: FetchLimits
  /** Logger. */
  logger: Logger
}

/** Applies defaults (Java's) and checks values; throws {@link ConfigurationError} naming the option. */
export function resolveConsumerOptions (options: ShareConsumerOptions): ResolvedConsumerOptions {
  if (typeof options?.groupId !== 'string' || options.groupId === '') throw new ConfigurationError('groupId is required', 'groupId')
  const mode = options.acknowledgementMode ?? 'implicit'
  if (mode !== 'implicit' && mode !== 'explicit') throw new ConfigurationError(`acknowledgementMode must be 'implicit' or 'explicit', got ${String(mode)}`, 'acknowledgementMode')
  const acquire = options.acquireMode ?? 'batch_optimized'
  if (acquire !== 'batch_optimized' && acquire !== 'record_limit') throw new ConfigurationError(`acquireMode must be 'batch_optimized' or 'record_limit', got ${String(acquire)}`, 'acquireMode')
  const maxPollRecords = positiveInt(options.maxPollRecords ?? 500, 'maxPollRecords')
  return {
    groupId: options.groupId,
    implicit: mode === 'implicit',
    recordLimit: acquire === 'record_limit',
    maxPollRecords,
    requestTimeoutMs: positiveInt(options.requestTimeoutMs ?? 30_000, 'requestTimeoutMs'),
    limits: {
      maxWaitMs: nonNegativeInt(options.fetchMaxWaitMs ?? 500, 'fetchMaxWaitMs'),
      minBytes: nonNegativeInt(options.fetchMinBytes ?? 1, 'fetchMinBytes'),
      maxBytes: positiveInt(options.fetchMaxBytes ?? 52_428_800, 'fetchMaxBytes'),
      maxRecords: maxPollRecords,
      batchSize: maxPollRecords,
      shareAcquireMode: acquire === 'record_limit' ? 1 : 0
    },
    logger: options.logger ?? SILENT_LOGGER
  }
}

function nonNegativeInt (value: number, option: string): number {
  return value === 0 ? 0 : positiveInt(value, option)
}
