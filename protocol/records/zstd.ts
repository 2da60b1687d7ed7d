import * as zlib from 'node:zlib'
import { Decompress } from 'fzstd'
import { CodecFailure } from './codec-failure.js'
import { walkFrames } from './frame-format.js'

/**
 * Zstandard. Node's zlib has zstd since 22.15/23.8: it is used when present (fast, native,
 * and it also encodes). Node 20 has none, so decoding falls back to `fzstd`, a pure-JS
 * decoder; encoding then reports the codec as unavailable. fzstd's output is bounded here
 * (window check, output counter) but not its CPU time on corrupt sequences: the fuzzer saw up
 * to ~3 s for a crafted 278-byte frame. CRC verification keeps transport corruption away
 * from it; a crafted batch with a valid CRC still reaches it.
 */

/** The zstd functions of newer Node's zlib (absent from Node 20's typings). */
interface ZlibZstd {
  zstdDecompressSync?: (data: Buffer, options: { maxOutputLength: number }) => Buffer
  zstdCompressSync?: (data: Buffer) => Buffer
}

const nativeZstd = zlib as unknown as ZlibZstd

const FRAME_MAGIC = 0xfd2fb528

/** Decompresses zstd frames; throws `CodecFailure` past `limit` output bytes. */
export function zstdDecompress (data: Buffer, limit: number): Buffer {
  if (nativeZstd.zstdDecompressSync !== undefined) return nativeZstd.zstdDecompressSync(data, { maxOutputLength: limit })
  checkWindows(data, limit)
  const chunks: Uint8Array[] = []
  let total = 0
  const stream = new Decompress((chunk) => {
    total += chunk.length
    if (total > limit) throw new CodecFailure(`output over ${limit} bytes`, true)
    chunks.push(chunk)
  })
  stream.push(data, true)
  const first = chunks[0]
  if (chunks.length === 1 && first !== undefined) return Buffer.from(first.buffer, first.byteOffset, first.length)
  return Buffer.concat(chunks, total)
}

/** Compresses with zlib's zstd; undefined when this Node has none. */
export const zstdCompress: ((data: Buffer) => Buffer) | undefined = nativeZstd.zstdCompressSync

/**
 * Walks the frame and block headers and refuses a frame whose window exceeds `limit`:
 * fzstd allocates the whole window up front, so a 30-byte frame could ask for 2 GiB.
 */
function checkWindows (data: Buffer, limit: number): void {
  walkFrames(data, 'zstd', (magic, start) => {
    if (magic !== FRAME_MAGIC || start + 6 > data.length) return -1 // fzstd reports what is wrong
    const descriptor = data[start + 4]!
    const singleSegment = (descriptor & 0x20) !== 0
    const sizeFlag = descriptor >> 6
    let pos = start + 5
    let window = 0
    if (!singleSegment) {
      const base = 2 ** (10 + (data[pos]! >> 3))
      window = base + (base / 8) * (data[pos]! & 7)
      pos += 1
    }
    pos += [0, 1, 2, 4][descriptor & 3]! // dictionary id
    const sizeBytes = sizeFlag === 0 ? (singleSegment ? 1 : 0) : 1 << sizeFlag
    if (singleSegment) {
      if (pos + sizeBytes > data.length) return -1
      window = data.readUIntLE(pos, Math.min(sizeBytes, 6)) + (sizeBytes === 2 ? 256 : 0)
      if (sizeBytes === 8 && data.readUInt16LE(pos + 6) !== 0) window = Infinity
    }
    if (window > limit) throw new CodecFailure(`zstd window of ${window} bytes`, true)
    pos += sizeBytes
    for (let last = false; !last;) {
      if (pos + 3 > data.length) return -1
      const header = data.readUIntLE(pos, 3)
      last = (header & 1) === 1
      pos += 3 + (((header >> 1) & 3) === 1 ? 1 : header >>> 3) // an RLE block holds one byte
    }
    return pos + ((descriptor & 0x04) !== 0 ? 4 : 0) // content checksum
  })
}
