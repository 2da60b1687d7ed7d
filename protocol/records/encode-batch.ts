import { sizeOfVarint, sizeOfVarlong, Writer } from '../writer.js'
import { compress, COMPRESSION_CODECS, type CompressionCodec } from './compression.js'
import { crc32c } from './crc32c.js'
import { ATTRIBUTE, BATCH } from './record-batch.js'

/** A record to encode. Strings are written as UTF-8. */
export interface RecordInput {
  /** Key, or null/absent. */
  key?: Buffer | string | null
  /** Value, or null (a tombstone). */
  value: Buffer | string | null
  /** Headers in order. */
  headers?: ReadonlyArray<{ key: string, value: Buffer | string | null }>
  /** Create time in ms (default: the batch's base timestamp). */
  timestamp?: number
  /** Offset delta (default: the record's index; larger values leave holes, as compaction does). */
  offsetDelta?: number
}

/** Batch-level fields of `encodeRecordBatch`. */
export interface EncodeBatchOptions {
  /** Offset of the first record (producers send 0; the broker assigns offsets). */
  baseOffset?: bigint
  /** Default -1 (unknown), what producers send. */
  partitionLeaderEpoch?: number
  /** Records codec (default `none`). */
  compression?: CompressionCodec
  /** Default `CreateTime`; `LogAppendTime` is what a broker writes for topics configured so. */
  timestampType?: 'CreateTime' | 'LogAppendTime'
  /** Part of a transaction (the idempotent/transactional producer). */
  transactional?: boolean
  /** A control batch (transaction markers; written by brokers). */
  control?: boolean
  /** Producer id for idempotence (default -1: none). */
  producerId?: bigint
  /** Producer epoch (default -1). */
  producerEpoch?: number
  /** Sequence of the first record (default -1). */
  baseSequence?: number
  /** Timestamp the deltas are taken from (default: the first record's timestamp, else now). */
  baseTimestamp?: number
  /** Default: the largest offset delta (0 for an empty batch). */
  lastOffsetDelta?: number
}

function byteLength (v: Buffer | string): number {
  return typeof v === 'string' ? Buffer.byteLength(v) : v.length
}

function sizeOfDelta (v: number): number {
  return v === (v | 0) ? sizeOfVarint(v) : sizeOfVarlong(BigInt(v))
}

function sizeOfField (v: Buffer | string | null | undefined): number {
  if (v === null || v === undefined) return 1
  const n = byteLength(v)
  return sizeOfVarint(n) + n
}

function writeField (w: Writer, v: Buffer | string | null | undefined): void {
  if (v === null || v === undefined) {
    w.varint(-1)
  } else if (typeof v === 'string') {
    w.varint(Buffer.byteLength(v))
    w.offset += w.buffer.write(v, w.offset, 'utf8')
  } else {
    w.varint(v.length).raw(v)
  }
}

/** Bytes of a record after its length prefix. */
function sizeOfBody (r: RecordInput, timestampDelta: number, offsetDelta: number): number {
  let size = 1 + sizeOfDelta(timestampDelta) + sizeOfVarint(offsetDelta) + sizeOfField(r.key) + sizeOfField(r.value)
  const headers = r.headers ?? []
  size += sizeOfVarint(headers.length)
  for (const h of headers) {
    const n = Buffer.byteLength(h.key)
    size += sizeOfVarint(n) + n + sizeOfField(h.value)
  }
  return size
}

/**
 * Encodes one record batch v2. Uncompressed batches are written into a single allocation
 * (sizes are computed first); compressed ones encode the records once, compress them, then
 * allocate the batch. The CRC32C is computed last, over attributes to the end.
 * Throws `CompressionError` when the codec cannot encode on this Node (lz4; zstd before 22.15).
 */
export function encodeRecordBatch (records: readonly RecordInput[], options: EncodeBatchOptions = {}): Buffer {
  const codec = options.compression ?? 'none'
  const baseTimestamp = options.baseTimestamp ?? records[0]?.timestamp ?? Date.now()
  let maxTimestamp = records.length === 0 ? baseTimestamp : -Infinity
  let lastOffsetDelta = 0
  const bodySizes = new Array<number>(records.length)
  let recordsSize = 0
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!
    const timestamp = r.timestamp ?? baseTimestamp
    const offsetDelta = r.offsetDelta ?? i
    if (timestamp > maxTimestamp) maxTimestamp = timestamp
    if (offsetDelta > lastOffsetDelta) lastOffsetDelta = offsetDelta
    const body = sizeOfBody(r, timestamp - baseTimestamp, offsetDelta)
    bodySizes[i] = body
    recordsSize += sizeOfVarint(body) + body
  }

  const compressed = codec !== 'none'
  const recordsWriter = compressed ? Writer.alloc(recordsSize) : Writer.alloc(BATCH.HEADER_SIZE + recordsSize)
  if (!compressed) recordsWriter.offset = BATCH.HEADER_SIZE
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!
    const w = recordsWriter.varint(bodySizes[i]!).int8(0)
    const timestampDelta = (r.timestamp ?? baseTimestamp) - baseTimestamp
    if (timestampDelta === (timestampDelta | 0)) w.varint(timestampDelta)
    else w.varlong(BigInt(timestampDelta))
    w.varint(r.offsetDelta ?? i)
    writeField(w, r.key)
    writeField(w, r.value)
    const headers = r.headers ?? []
    w.varint(headers.length)
    for (const h of headers) {
      writeField(w, h.key)
      writeField(w, h.value)
    }
  }
  const body = recordsWriter.finish()
  const payload = compressed ? compress(codec, body) : undefined
  const w = payload === undefined ? new Writer(body) : Writer.alloc(BATCH.HEADER_SIZE + payload.length)

  let attributes = COMPRESSION_CODECS.indexOf(codec)
  if (options.timestampType === 'LogAppendTime') attributes |= ATTRIBUTE.LOG_APPEND_TIME
  if (options.transactional === true) attributes |= ATTRIBUTE.TRANSACTIONAL
  if (options.control === true) attributes |= ATTRIBUTE.CONTROL
  w.int64(options.baseOffset ?? 0n)
    .int32(w.buffer.length - BATCH.LOG_OVERHEAD)
    .int32(options.partitionLeaderEpoch ?? -1)
    .int8(2)
    .uint32(0) // CRC, filled in below
    .int16(attributes)
    .int32(options.lastOffsetDelta ?? lastOffsetDelta)
    .int64(BigInt(baseTimestamp))
    .int64(BigInt(maxTimestamp))
    .int64(options.producerId ?? -1n)
    .int16(options.producerEpoch ?? -1)
    .int32(options.baseSequence ?? -1)
    .int32(records.length)
  if (payload !== undefined) w.raw(payload)
  w.buffer.writeUInt32BE(crc32c(w.buffer, BATCH.ATTRIBUTES), BATCH.CRC)
  return w.buffer
}

