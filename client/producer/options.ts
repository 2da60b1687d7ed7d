import { canCompress, type CompressionCodec } from '../../protocol/records/index.js'
import type { ClusterOptions } from '../cluster.js'
import { positiveInt } from '../connection-options.js'
import { ConfigurationError } from '../errors.js'

/**
 * Options of a `Producer`. Connection options (`bootstrapServers`, `clientId`, `tls`, `sasl`,
 * `connectTimeoutMs`, `requestTimeoutMs`, reconnect backoff, `metadataMaxAgeMs`) are those of
 * every kshare client; the rest mirror the Java producer's settings of the same meaning.
 */
export interface ProducerOptions extends Omit<ClusterOptions, 'maxInFlightRequests'> {
  /**
   * Acknowledgements the leader waits for before answering: `-1` (all in-sync replicas) or
   * `1` (the leader only). Default -1. (`0`, no answer at all, is not offered.)
   */
  acks?: -1 | 1
  /** How long a partition's batch waits for more records before it is sent, ms. Default 5 (Java 4.0+). */
  lingerMs?: number
  /**
   * Bytes of records (uncompressed, approximate) at which a batch is ready to send without
   * waiting for `lingerMs`; a record larger than this gets a batch of its own. Default 16 384,
   * as Java's `batch.size`. A ready batch that cannot be sent yet keeps taking records up to
   * `maxBatchSize`.
   */
  batchSize?: number
  /**
   * Bytes a batch may grow to while it waits to be sent (KIP-782's `batch.max.size`): when
   * records arrive faster than requests can carry them (5 in flight per broker), batches grow
   * instead of queueing, so each round trip carries more. Under light load batches stay near
   * `batchSize`: share-group consumers then acquire and receive small batches (the broker
   * sends whole batches, even in `record_limit` mode). At least `batchSize`, at most
   * `maxRequestSize`. Default max(262 144, `batchSize`); bench:produce measured 11k records/s
   * with batches capped at 16 KiB and 79k with 256 KiB (acks=all, 3 replicas). Batches hold
   * records, not preallocated buffers, so a larger bound costs no idle memory.
   */
  maxBatchSize?: number
  /**
   * Codec for record batches. Default `'none'`. `'gzip'` and `'snappy'` work everywhere;
   * `'zstd'` needs Node 22.15+ (zlib zstd); `'lz4'` cannot be encoded yet (no pure-JS encoder)
   * — both are refused at construction with a `ConfigurationError` where unavailable.
   */
  compression?: CompressionCodec
  /**
   * Idempotent writes: the broker drops duplicates that retries would otherwise create and
   * keeps each partition in order. Needs `acks: -1` and `maxInFlight` ≤ 5. Default true.
   */
  idempotent?: boolean
  /** Produce requests in flight per broker. Default 5 (at most 5 with idempotence, as the broker keeps state for the last 5 batches). */
  maxInFlight?: number
  /**
   * Time from `send()` until a record is acknowledged or failed, retries included, ms. Must be
   * at least `lingerMs + requestTimeoutMs`. Default 120 000.
   */
  deliveryTimeoutMs?: number
  /**
   * Bytes of records buffered and not yet acknowledged, across all partitions. When full,
   * `send()` waits up to `maxBlockMs` for space, then rejects with `BufferFullError`.
   * Default 33 554 432 (32 MiB, Java's `buffer.memory`).
   */
  maxBufferedBytes?: number
  /** How long `send()` waits for buffer space or for metadata (a topic not created yet, a partition just added), ms. Default 60 000. */
  maxBlockMs?: number
  /** Largest Produce request, bytes (batches to one broker are split across requests beyond it). Default 1 048 576. */
  maxRequestSize?: number
  /** Attempts after the first for a batch that failed retriably; `deliveryTimeoutMs` bounds them too. Default `Infinity`. */
  retries?: number
  /** First delay before retrying a batch, ms; doubles per attempt with jitter. Default 100. */
  retryBackoffMs?: number
  /** Largest retry delay, ms. Default 1000. */
  retryBackoffMaxMs?: number
}

/** {@link ProducerOptions} with defaults applied (producer-specific part). */
export interface ResolvedProducerOptions {
  acks: -1 | 1
  lingerMs: number
  batchSize: number
  maxBatchSize: number
  compression: CompressionCodec
  idempotent: boolean
  maxInFlight: number
  requestTimeoutMs: number
  deliveryTimeoutMs: number
  maxBufferedBytes: number
  maxBlockMs: number
  maxRequestSize: number
  retries: number
  retryBackoffMs: number
  retryBackoffMaxMs: number
}

function nonNegativeInt (value: number, option: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 2 ** 31 - 1) {
    throw new ConfigurationError(`${option} must be an integer between 0 and ${2 ** 31 - 1}, got ${String(value)}`, option)
  }
  return value
}

/** Applies defaults and checks combinations; throws {@link ConfigurationError}. */
export function resolveProducerOptions (o: ProducerOptions): ResolvedProducerOptions {
  const acks = o.acks ?? -1
  if (acks !== -1 && acks !== 1) {
    throw new ConfigurationError(`acks must be -1 (all in-sync replicas) or 1 (leader only), got ${String(acks)}`, 'acks')
  }
  const compression = o.compression ?? 'none'
  if (!['none', 'gzip', 'snappy', 'lz4', 'zstd'].includes(compression)) {
    throw new ConfigurationError(`compression must be none, gzip, snappy, lz4 or zstd, got ${String(compression)}`, 'compression')
  }
  if (!canCompress(compression)) {
    throw new ConfigurationError(compression === 'zstd'
      ? `compression zstd needs Node 22.15+ (zstd in node:zlib) to encode; this is Node ${process.version}: upgrade Node, or use gzip or snappy`
      : `compression ${compression} cannot be encoded by kshare yet; use gzip or snappy`, 'compression')
  }
  // As Java: idempotence is on by default, but an explicit acks=1 turns the default off
  // instead of failing; an explicit idempotent: true with acks=1 is a mistake.
  if (o.idempotent === true && acks !== -1) {
    throw new ConfigurationError('idempotent: true needs acks: -1; drop acks or set idempotent: false', 'idempotent')
  }
  const idempotent = o.idempotent ?? acks === -1
  const maxInFlight = positiveInt(o.maxInFlight ?? 5, 'maxInFlight')
  if (idempotent && maxInFlight > 5) {
    throw new ConfigurationError(`maxInFlight must be at most 5 with idempotence (the broker de-duplicates the last 5 batches), got ${maxInFlight}`, 'maxInFlight')
  }
  const lingerMs = nonNegativeInt(o.lingerMs ?? 5, 'lingerMs')
  const requestTimeoutMs = positiveInt(o.requestTimeoutMs ?? 30_000, 'requestTimeoutMs')
  const deliveryTimeoutMs = positiveInt(o.deliveryTimeoutMs ?? 120_000, 'deliveryTimeoutMs')
  if (deliveryTimeoutMs < lingerMs + requestTimeoutMs) {
    throw new ConfigurationError(`deliveryTimeoutMs (${deliveryTimeoutMs}) must be at least lingerMs + requestTimeoutMs (${lingerMs + requestTimeoutMs})`, 'deliveryTimeoutMs')
  }
  const retries = o.retries ?? Infinity
  if (retries !== Infinity) nonNegativeInt(retries, 'retries')
  const retryBackoffMs = positiveInt(o.retryBackoffMs ?? 100, 'retryBackoffMs')
  const retryBackoffMaxMs = positiveInt(o.retryBackoffMaxMs ?? 1000, 'retryBackoffMaxMs')
  if (retryBackoffMaxMs < retryBackoffMs) {
    throw new ConfigurationError(`retryBackoffMaxMs (${retryBackoffMaxMs}) must not be below retryBackoffMs (${retryBackoffMs})`, 'retryBackoffMaxMs')
  }
  const batchSize = positiveInt(o.batchSize ?? 16_384, 'batchSize')
  const maxRequestSize = positiveInt(o.maxRequestSize ?? 1024 * 1024, 'maxRequestSize')
  const maxBatchSize = positiveInt(o.maxBatchSize ?? Math.min(maxRequestSize, Math.max(262_144, batchSize)), 'maxBatchSize')
  if (maxBatchSize < batchSize || maxBatchSize > maxRequestSize) {
    throw new ConfigurationError(`maxBatchSize (${maxBatchSize}) must be between batchSize (${batchSize}) and maxRequestSize (${maxRequestSize})`, 'maxBatchSize')
  }
  return {
    acks,
    lingerMs,
    batchSize,
    maxBatchSize,
    compression,
    idempotent,
    maxInFlight,
    requestTimeoutMs,
    deliveryTimeoutMs,
    maxBufferedBytes: positiveInt(o.maxBufferedBytes ?? 32 * 1024 * 1024, 'maxBufferedBytes'),
    maxBlockMs: nonNegativeInt(o.maxBlockMs ?? 60_000, 'maxBlockMs'),
    maxRequestSize,
    retries,
    retryBackoffMs,
    retryBackoffMaxMs
  }
}
