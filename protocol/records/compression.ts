import { gunzipSync, gzipSync } from 'node:zlib'
import { CodecFailure } from './codec-failure.js'
import { CompressionError, DecompressionLimitError, type RecordContext } from './errors.js'
import { lz4Decompress } from './lz4.js'
import { snappyCompress, snappyDecompress } from './snappy.js'
import { zstdCompress, zstdDecompress } from './zstd.js'

/** Compression codecs by their id in the batch attributes (bits 0-2). */
export const COMPRESSION_CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const

/** A compression codec name. */
export type CompressionCodec = typeof COMPRESSION_CODECS[number]

/** Default cap on the decompressed size of one batch (zip-bomb guard). */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024

type Decompressor = (data: Buffer, limit: number) => Buffer
type Compressor = (data: Buffer) => Buffer

const decompressors: Record<Exclude<CompressionCodec, 'none'>, Decompressor> = {
  gzip: (data, limit) => gunzipSync(data, { maxOutputLength: limit }),
  snappy: snappyDecompress,
  lz4: lz4Decompress,
  zstd: zstdDecompress
}

// lz4: no well-kept pure-JS encoder exists (see lz4.ts); zstd: only where zlib has it.
const compressors: Partial<Record<Exclude<CompressionCodec, 'none'>, Compressor>> = {
  gzip: (data) => gzipSync(data),
  snappy: snappyCompress,
  ...(zstdCompress !== undefined ? { zstd: zstdCompress } : {})
}

/** Where compressed bytes sit, for errors. */
export interface CompressedLocation {
  /** Byte offset of the compressed records in the decoder's input. */
  byteOffset: number
  /** Topic/partition from the caller. */
  context: RecordContext | undefined
  /** Base offset of the batch. */
  batchOffset: bigint
}

/**
 * Decompresses the records of a batch with codec `id` (1-4). Any failure, including a
 * codec's own exception, becomes a `CompressionError`; output over `limit` bytes a
 * `DecompressionLimitError`.
 */
export function decompress (id: number, data: Buffer, limit: number, where: CompressedLocation): Buffer {
  const codec = COMPRESSION_CODECS[id]
  if (codec === undefined || codec === 'none') {
    throw new CompressionError(`codec ${id}`, 'unknown compression codec id', where.byteOffset, where.context, where.batchOffset)
  }
  try {
    return decompressors[codec](data, limit)
  } catch (e) {
    // zlib reports its maxOutputLength as a RangeError with this code.
    if ((e instanceof CodecFailure && e.overLimit) || (e as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DecompressionLimitError(codec, limit, where.byteOffset, where.context, where.batchOffset)
    }
    throw new CompressionError(codec, (e as Error).message ?? String(e), where.byteOffset, where.context, where.batchOffset, e)
  }
}

/** True when `codec` can be used to encode on this Node. */
export function canCompress (codec: CompressionCodec): boolean {
  return codec === 'none' || compressors[codec] !== undefined
}

/** Compresses records with `codec`; throws `CompressionError` when it is not available here. */
export function compress (codec: Exclude<CompressionCodec, 'none'>, data: Buffer): Buffer {
  const compressor = compressors[codec]
  if (compressor === undefined) {
    throw new CompressionError(codec, codec === 'zstd'
      ? `encoding needs Node 22.15+ (zstd in node:zlib); this is Node ${process.version}`
      : 'encoding is not supported (no well-kept pure-JS encoder)', 0)
  }
  return compressor(data)
}
