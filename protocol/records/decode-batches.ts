import { decompress, DEFAULT_MAX_DECOMPRESSED_BYTES } from './compression.js'
import { RecordBatchError, type RecordContext } from './errors.js'
import {
  ATTRIBUTE, BATCH, batchEnd, readBatchHeader, type KafkaRecord, type RecordBatch, type RecordBatchHeader
} from './record-batch.js'
import { RecordReader } from './record-reader.js'

/** Options of the record batch decoders. */
export interface DecodeRecordsOptions {
  /** Check each batch's CRC32C (default true, as the Java client's `check.crcs`). */
  verifyCrc?: boolean
  /** Refuse a batch whose records decompress to more bytes than this (default 64 MiB). */
  maxDecompressedBytes?: number
}

/** Result of `decodeRecordBatches`. */
export interface DecodedRecordBatches {
  /** The complete batches, in order. */
  batches: RecordBatch[]
  /**
   * Bytes at the end holding only part of a batch: brokers cut fetch responses at their byte
   * limit, so this is normal, not an error (0 when the input ended on a batch boundary).
   */
  partialBytes: number
}

// A record takes at least 7 bytes: length, attributes, two deltas, key, value, header count.
const MIN_RECORD_SIZE = 7

/**
 * Positions `reader` on the records of the batch `data[pos, last)`, decompressing them when
 * the batch is compressed.
 */
export function openRecords (reader: RecordReader, data: Buffer, pos: number, last: number, header: RecordBatchHeader,
  maxDecompressedBytes: number, context: RecordContext | undefined): void {
  let start = pos + BATCH.HEADER_SIZE
  let end = last
  if (header.compression === 'none') {
    reader.reset(data, start, end, header.baseOffset, header.lastOffsetDelta, -1)
  } else {
    const records = decompress(header.attributes & ATTRIBUTE.COMPRESSION_MASK, data.subarray(start, end),
      maxDecompressedBytes, { byteOffset: start, context, batchOffset: header.baseOffset })
    reader.reset(records, 0, records.length, header.baseOffset, header.lastOffsetDelta, start)
    end = records.length
    start = 0
  }
  if (header.recordCount > (end - start) / MIN_RECORD_SIZE) {
    throw new RecordBatchError(`${header.recordCount} records cannot fit in ${end - start} bytes`, pos + BATCH.RECORD_COUNT,
      context, header.baseOffset)
  }
}

/**
 * Decodes the record batches in `data` (a Fetch/ShareFetch `records` field, a log segment):
 * every complete batch with its records, and the size of a trailing partial batch.
 * Throws `RecordBatchError` (or a subclass: `CorruptRecordError` for a CRC mismatch,
 * `UnsupportedRecordFormatError`, `CompressionError`, `DecompressionLimitError`) naming the
 * topic and partition from `context`, the batch offset and the byte offset.
 */
export function decodeRecordBatches (data: Buffer, options: DecodeRecordsOptions = {}, context?: RecordContext): DecodedRecordBatches {
  const verifyCrc = options.verifyCrc ?? true
  const maxBytes = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES
  const reader = new RecordReader(context)
  const batches: RecordBatch[] = []
  let pos = 0
  while (pos < data.length) {
    const last = batchEnd(data, pos, data.length, context)
    if (last < 0) return { batches, partialBytes: data.length - pos }
    const header = readBatchHeader(data, pos, last, verifyCrc, context)
    openRecords(reader, data, pos, last, header, maxBytes, context)
    const records: KafkaRecord[] = []
    const logAppendTime = header.timestampType === 'LogAppendTime'
    for (let i = 0; i < header.recordCount; i++) {
      reader.next()
      reader.body()
      records.push({
        offset: header.baseOffset + BigInt(reader.offsetDelta),
        timestamp: logAppendTime ? header.maxTimestamp : header.baseTimestamp + reader.timestampDelta,
        key: reader.key,
        value: reader.value,
        headers: reader.headers
      })
    }
    reader.finish()
    batches.push({ ...header, records, controlType: header.control ? controlType(records[0], pos, context, header) : null })
    pos = last
  }
  return { batches, partialBytes: 0 }
}

/** The type in a control record's key (version int16, type int16): see `ControlRecordType`. */
function controlType (record: KafkaRecord | undefined, pos: number, context: RecordContext | undefined, header: RecordBatchHeader): number | null {
  if (record === undefined) return null // the log cleaner may leave empty batches
  const key = record.key
  if (key === null || key.length < 4) {
    throw new RecordBatchError('control batch without a valid control record key', pos + BATCH.HEADER_SIZE, context, header.baseOffset)
  }
  return key.readInt16BE(2)
}
