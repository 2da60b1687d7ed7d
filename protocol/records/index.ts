/**
 * Record batches v2: decode (CRC32C-checked, all four codecs), encode, and ShareFetch record
 * assembly (acquired records with delivery counts, gaps to acknowledge).
 */
export { crc32c } from './crc32c.js'
export {
  RecordBatchError, CorruptRecordError, UnsupportedRecordFormatError, CompressionError, DecompressionLimitError,
  type RecordContext
} from './errors.js'
export {
  COMPRESSION_CODECS, DEFAULT_MAX_DECOMPRESSED_BYTES, canCompress, type CompressionCodec
} from './compression.js'
export {
  BATCH, ATTRIBUTE, ControlRecordType,
  type KafkaRecord, type RecordHeader, type RecordBatch, type RecordBatchHeader
} from './record-batch.js'
export { decodeRecordBatches, type DecodeRecordsOptions, type DecodedRecordBatches } from './decode-batches.js'
export { encodeRecordBatch, type RecordInput, type EncodeBatchOptions } from './encode-batch.js'
export {
  assembleShareRecords, type AcquiredRange, type OffsetRange, type CorruptRange, type ShareRecord, type ShareRecords
} from './share-records.js'
