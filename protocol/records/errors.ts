import { KafkaProtocolError } from '../protocol-error.js'

/** What the caller knows about where record bytes came from; used in error messages. */
export interface RecordContext {
  /** Topic name. */
  topic?: string
  /** Partition index. */
  partition?: number
}

function describeLocation (context: RecordContext | undefined, batchOffset: bigint | undefined): string {
  const parts: string[] = []
  if (batchOffset !== undefined) parts.push(`record batch at offset ${batchOffset}`)
  if (context?.topic !== undefined) parts.push(`of ${context.topic}-${context.partition ?? '?'}`)
  else if (context?.partition !== undefined) parts.push(`of partition ${context.partition}`)
  return parts.length === 0 ? '' : ` (${parts.join(' ')})`
}

/**
 * Record batch bytes that cannot be decoded: a bad length, a record running past its batch,
 * an unknown codec. Extends `KafkaProtocolError` (so `offset` is the byte offset in the buffer
 * given to the decoder) and names the topic, partition and batch offset when known.
 */
export class RecordBatchError extends KafkaProtocolError {
  override readonly name: string = 'RecordBatchError'
  /** Topic, when the caller passed it. */
  readonly topic: string | undefined
  /** Partition, when the caller passed it. */
  readonly partition: number | undefined
  /** Base offset of the batch being decoded, when its header was readable. */
  readonly batchOffset: bigint | undefined

  /**
   * @param problem what is wrong
   * @param byteOffset where in the decoder's input buffer
   * @param context topic/partition from the caller
   * @param batchOffset base offset of the batch, when known
   */
  constructor (problem: string, byteOffset: number, context?: RecordContext, batchOffset?: bigint) {
    super(problem + describeLocation(context, batchOffset), byteOffset)
    this.topic = context?.topic
    this.partition = context?.partition
    this.batchOffset = batchOffset
  }
}

/** A record batch whose CRC32C does not match its bytes (Kafka's CORRUPT_MESSAGE). */
export class CorruptRecordError extends RecordBatchError {
  override readonly name: string = 'CorruptRecordError'

  /**
   * @param storedCrc CRC written in the batch header
   * @param computedCrc CRC of the bytes received
   */
  constructor (readonly storedCrc: number, readonly computedCrc: number, byteOffset: number, context: RecordContext | undefined, batchOffset: bigint) {
    super(`CRC mismatch: stored 0x${storedCrc.toString(16).padStart(8, '0')}, computed 0x${computedCrc.toString(16).padStart(8, '0')}`,
      byteOffset, context, batchOffset)
  }
}

/** A message set of magic 0 or 1 (pre-0.11 formats), or any magic other than 2. */
export class UnsupportedRecordFormatError extends RecordBatchError {
  override readonly name: string = 'UnsupportedRecordFormatError'

  /** @param magic the magic byte found */
  constructor (readonly magic: number, byteOffset: number, context: RecordContext | undefined, batchOffset: bigint) {
    super(`record format magic ${magic} is not supported (only record batches v2, magic 2)`, byteOffset, context, batchOffset)
  }
}

/** Compressed records that cannot be decompressed, or a codec that is not available. */
export class CompressionError extends RecordBatchError {
  override readonly name: string = 'CompressionError'

  /**
   * @param codec codec name (`gzip`, `snappy`, `lz4`, `zstd`) or the unknown id
   * @param cause the codec's own error, if any
   */
  constructor (readonly codec: string, problem: string, byteOffset: number, context?: RecordContext, batchOffset?: bigint, cause?: unknown) {
    super(`${codec}: ${problem}`, byteOffset, context, batchOffset)
    if (cause !== undefined) this.cause = cause
  }
}

/** Decompressed records would exceed the configured limit (a guard against zip bombs). */
export class DecompressionLimitError extends CompressionError {
  override readonly name: string = 'DecompressionLimitError'

  /** @param limit the limit in bytes */
  constructor (codec: string, readonly limit: number, byteOffset: number, context?: RecordContext, batchOffset?: bigint) {
    super(codec, `decompressed records exceed the limit of ${limit} bytes`, byteOffset, context, batchOffset)
  }
}
