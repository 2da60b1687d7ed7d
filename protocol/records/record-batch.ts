import { COMPRESSION_CODECS, type CompressionCodec } from './compression.js'
import { crc32c } from './crc32c.js'
import { CompressionError, CorruptRecordError, RecordBatchError, UnsupportedRecordFormatError, type RecordContext } from './errors.js'

/**
 * Record batch v2 (magic 2) layout, the only format Kafka 4 brokers store:
 *
 * RecordBatch => baseOffset:int64 batchLength:int32 partitionLeaderEpoch:int32 magic:int8 crc:uint32
 *   attributes:int16 lastOffsetDelta:int32 baseTimestamp:int64 maxTimestamp:int64 producerId:int64
 *   producerEpoch:int16 baseSequence:int32 recordCount:int32 records...
 * Record => length:varint attributes:int8 timestampDelta:varlong offsetDelta:varint
 *   keyLength:varint key valueLength:varint value headerCount:varint [headerKeyLength:varint
 *   headerKey headerValueLength:varint headerValue]
 *
 * `batchLength` counts the bytes after itself; the CRC32C covers attributes to the end, so
 * baseOffset, batchLength and partitionLeaderEpoch can be rewritten by the broker without
 * recomputing it. Attributes: bits 0-2 compression, bit 3 timestamp type (1 = LogAppendTime),
 * bit 4 transactional, bit 5 control, bit 6 delete horizon (baseTimestamp is then the
 * horizon set by the log cleaner; record timestamps still add up from it).
 */
export const BATCH = {
  BASE_OFFSET: 0,
  LENGTH: 8,
  PARTITION_LEADER_EPOCH: 12,
  MAGIC: 16,
  CRC: 17,
  ATTRIBUTES: 21,
  LAST_OFFSET_DELTA: 23,
  BASE_TIMESTAMP: 27,
  MAX_TIMESTAMP: 35,
  PRODUCER_ID: 43,
  PRODUCER_EPOCH: 51,
  BASE_SEQUENCE: 53,
  RECORD_COUNT: 57,
  /** Bytes before the records. */
  HEADER_SIZE: 61,
  /** baseOffset + batchLength: bytes not counted by batchLength. */
  LOG_OVERHEAD: 12
} as const

/** Attribute bits. */
export const ATTRIBUTE = {
  COMPRESSION_MASK: 0x07,
  LOG_APPEND_TIME: 0x08,
  TRANSACTIONAL: 0x10,
  CONTROL: 0x20,
  DELETE_HORIZON: 0x40
} as const

/** Control record types (the int16 after the version in a control record's key). */
export const ControlRecordType = { ABORT: 0, COMMIT: 1 } as const

// The smallest legacy message (magic 0) is 14 bytes: anything shorter cannot be a batch at all.
const MIN_LEGACY_SIZE = 14

/** One record header. Header keys are strings (UTF-8); values are bytes or null. */
export interface RecordHeader {
  /** Header key. */
  key: string
  /** Header value (a view into the fetched bytes), or null. */
  value: Buffer | null
}

/** A decoded record. `key`, `value` and header values are views into the fetched bytes. */
export interface KafkaRecord {
  /** Absolute offset in the partition. */
  offset: bigint
  /** Milliseconds since the epoch: create time, or the batch's log append time. */
  timestamp: number
  /** Record key, or null. */
  key: Buffer | null
  /** Record value, or null (a tombstone). */
  value: Buffer | null
  /** Headers in wire order (keys may repeat). Read-only: records without headers share one frozen array. */
  headers: readonly RecordHeader[]
}

/** The fields of a batch header, with the attribute bits spelled out. */
export interface RecordBatchHeader {
  /** Offset of the first record. */
  baseOffset: bigint
  /** Bytes after the length field. */
  batchLength: number
  /** Leader epoch when the batch was appended (-1 when unknown). */
  partitionLeaderEpoch: number
  /** Always 2: other formats are refused. */
  magic: number
  /** CRC32C stored in the batch (of attributes to the end). */
  crc: number
  /** Raw attribute bits. */
  attributes: number
  /** Codec of the records section. */
  compression: CompressionCodec
  /** Whether record timestamps are the producer's (CreateTime) or the broker's (LogAppendTime). */
  timestampType: 'CreateTime' | 'LogAppendTime'
  /** Part of a transaction. */
  transactional: boolean
  /** Holds control records (transaction markers), never returned to applications. */
  control: boolean
  /** baseTimestamp holds the log cleaner's delete horizon. */
  hasDeleteHorizon: boolean
  /** Offset of the last record minus baseOffset (records may be missing after compaction). */
  lastOffsetDelta: number
  /** Timestamp the record deltas add to (ms). */
  baseTimestamp: number
  /** Largest record timestamp (ms); the timestamp of every record under LogAppendTime. */
  maxTimestamp: number
  /** Idempotent/transactional producer id, or -1. */
  producerId: bigint
  /** Producer epoch, or -1. */
  producerEpoch: number
  /** Sequence of the first record for idempotence, or -1. */
  baseSequence: number
  /** Number of records in the batch. */
  recordCount: number
}

/** A decoded batch with its records. */
export interface RecordBatch extends RecordBatchHeader {
  /** Records in offset order (control records for a control batch). */
  records: KafkaRecord[]
  /** For a control batch, the type of its control record (see `ControlRecordType`); null otherwise (and for an empty batch). */
  controlType: number | null
}

/** Reads an int64 that holds a millisecond timestamp as a number (exact below 2^53). */
function readTimestamp (data: Buffer, pos: number): number {
  return data.readInt32BE(pos) * 4294967296 + data.readUInt32BE(pos + 4)
}

/**
 * Where the batch starting at `pos` ends, or -1 when `data[pos, end)` holds only part of it
 * (a broker cuts a response at its byte limit, leaving a partial batch at the end). Throws
 * when the length field is impossible, since nothing after it can then be found.
 */
export function batchEnd (data: Buffer, pos: number, end: number, context?: RecordContext): number {
  if (end - pos < BATCH.LOG_OVERHEAD) return -1
  const length = data.readInt32BE(pos + BATCH.LENGTH)
  if (length < MIN_LEGACY_SIZE) {
    throw new RecordBatchError(`batch length ${length} is smaller than any record batch`, pos + BATCH.LENGTH, context,
      data.readBigInt64BE(pos))
  }
  const last = pos + BATCH.LOG_OVERHEAD + length
  return last > end ? -1 : last
}

/**
 * Reads the header of the complete batch `data[pos, last)` (see `batchEnd`). Throws
 * `UnsupportedRecordFormatError` for magic 0/1 message sets, `RecordBatchError` for a length
 * too short for a v2 header, `CorruptRecordError` for a CRC mismatch (checked when `verifyCrc`,
 * before the attributes are trusted), `CompressionError` for an unknown codec id.
 */
export function readBatchHeader (data: Buffer, pos: number, last: number, verifyCrc: boolean, context?: RecordContext): RecordBatchHeader {
  const baseOffset = data.readBigInt64BE(pos)
  const magic = data.readInt8(pos + BATCH.MAGIC)
  if (magic !== 2) throw new UnsupportedRecordFormatError(magic, pos + BATCH.MAGIC, context, baseOffset)
  if (last - pos < BATCH.HEADER_SIZE) {
    throw new RecordBatchError(`batch of ${last - pos} bytes is shorter than the v2 header`, pos + BATCH.LENGTH, context, baseOffset)
  }
  const crc = data.readUInt32BE(pos + BATCH.CRC)
  if (verifyCrc) verifyBatchCrc(data, pos, last, crc, baseOffset, context)
  const attributes = data.readInt16BE(pos + BATCH.ATTRIBUTES)
  const compression = COMPRESSION_CODECS[attributes & ATTRIBUTE.COMPRESSION_MASK]
  if (compression === undefined) {
    throw new CompressionError(`codec ${attributes & ATTRIBUTE.COMPRESSION_MASK}`, 'unknown compression codec id',
      pos + BATCH.ATTRIBUTES, context, baseOffset)
  }
  const recordCount = data.readInt32BE(pos + BATCH.RECORD_COUNT)
  if (recordCount < 0) throw new RecordBatchError(`negative record count ${recordCount}`, pos + BATCH.RECORD_COUNT, context, baseOffset)
  return {
    baseOffset,
    batchLength: last - pos - BATCH.LOG_OVERHEAD,
    partitionLeaderEpoch: data.readInt32BE(pos + BATCH.PARTITION_LEADER_EPOCH),
    magic,
    crc,
    attributes,
    compression,
    timestampType: (attributes & ATTRIBUTE.LOG_APPEND_TIME) !== 0 ? 'LogAppendTime' : 'CreateTime',
    transactional: (attributes & ATTRIBUTE.TRANSACTIONAL) !== 0,
    control: (attributes & ATTRIBUTE.CONTROL) !== 0,
    hasDeleteHorizon: (attributes & ATTRIBUTE.DELETE_HORIZON) !== 0,
    lastOffsetDelta: data.readInt32BE(pos + BATCH.LAST_OFFSET_DELTA),
    baseTimestamp: readTimestamp(data, pos + BATCH.BASE_TIMESTAMP),
    maxTimestamp: readTimestamp(data, pos + BATCH.MAX_TIMESTAMP),
    producerId: data.readBigInt64BE(pos + BATCH.PRODUCER_ID),
    producerEpoch: data.readInt16BE(pos + BATCH.PRODUCER_EPOCH),
    baseSequence: data.readInt32BE(pos + BATCH.BASE_SEQUENCE),
    recordCount
  }
}

/** Throws `CorruptRecordError` when the CRC32C of `data[pos + 21, last)` differs from `stored`. */
export function verifyBatchCrc (data: Buffer, pos: number, last: number, stored: number, baseOffset: bigint, context?: RecordContext): void {
  const computed = crc32c(data, pos + BATCH.ATTRIBUTES, last)
  if (computed !== stored) throw new CorruptRecordError(stored, computed, pos + BATCH.CRC, context, baseOffset)
}
