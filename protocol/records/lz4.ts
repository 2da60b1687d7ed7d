import { CodecFailure } from './codec-failure.js'
import { u32le, walkFrames } from './frame-format.js'
import { copyMatch } from './lz77.js'

/**
 * LZ4 frame decoder (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md), written
 * here: the format is small, and the pure-JS packages on npm are unmaintained. Record batches
 * v2 carry standard LZ4 frames: KIP-57 fixed the header checksum that magic 0/1 got wrong.
 * Frame and block checksums (xxHash32) are skipped: the batch CRC32C already covers these bytes.
 * Dependent blocks are supported because the output is one contiguous buffer.
 */

const FRAME_MAGIC = 0x184d2204
const MIN_MATCH = 4

/** Output buffer that grows by doubling, never past `limit`. */
class Output {
  buf: Buffer
  pos = 0

  constructor (initial: number, readonly limit: number) {
    this.buf = Buffer.allocUnsafe(Math.min(initial, limit))
  }

  /** Makes room for `n` more bytes. */
  ensure (n: number): void {
    const need = this.pos + n
    if (need <= this.buf.length) return
    if (need > this.limit) throw new CodecFailure(`output over ${this.limit} bytes`, true)
    const grown = Buffer.allocUnsafe(Math.min(this.limit, Math.max(need, this.buf.length * 2)))
    this.buf.copy(grown, 0, 0, this.pos)
    this.buf = grown
  }
}

/** Decompresses concatenated LZ4 frames; throws `CodecFailure` past `limit` output bytes. */
export function lz4Decompress (data: Buffer, limit: number): Buffer {
  const out = new Output(Math.max(1024, data.length * 4), limit)
  const end = walkFrames(data, 'LZ4', (magic, pos) => {
    if (magic !== FRAME_MAGIC) throw new CodecFailure(`not an LZ4 frame (magic 0x${magic.toString(16)})`)
    return readFrame(data, pos + 4, out)
  })
  if (end > data.length) throw new CodecFailure('truncated LZ4 skippable frame')
  return out.buf.subarray(0, out.pos)
}

/** Reads one frame after its magic; returns the position after it. */
function readFrame (data: Buffer, pos: number, out: Output): number {
  if (pos + 3 > data.length) throw new CodecFailure('truncated LZ4 frame descriptor')
  const flags = data[pos]!
  const bd = data[pos + 1]!
  if (flags >> 6 !== 1) throw new CodecFailure(`unsupported LZ4 frame version ${flags >> 6}`)
  if ((flags & 0x02) !== 0 || (bd & 0x8f) !== 0) throw new CodecFailure('reserved bits set in LZ4 frame descriptor')
  if ((flags & 0x01) !== 0) throw new CodecFailure('LZ4 dictionaries are not supported')
  const blockChecksums = (flags & 0x10) !== 0
  const contentChecksum = (flags & 0x04) !== 0
  pos += 2
  if ((flags & 0x08) !== 0) {
    if (pos + 8 > data.length) throw new CodecFailure('truncated LZ4 content size')
    const size = data.readUInt32LE(pos) + data.readUInt32LE(pos + 4) * 2 ** 32
    out.ensure(size)
    pos += 8
  }
  pos += 1 // header checksum
  for (;;) {
    const header = u32le(data, pos, 'LZ4')
    pos += 4
    if (header === 0) break // EndMark
    const size = header & 0x7fffffff
    if (pos + size > data.length) throw new CodecFailure(`LZ4 block of ${size} bytes runs past the end`)
    if (header >>> 31 === 1) {
      out.ensure(size)
      out.pos += data.copy(out.buf, out.pos, pos, pos + size)
    } else {
      readBlock(data, pos, pos + size, out)
    }
    pos += size + (blockChecksums ? 4 : 0)
  }
  pos += contentChecksum ? 4 : 0
  if (pos > data.length) throw new CodecFailure('truncated LZ4 frame checksum')
  return pos
}

/** Length extension: bytes of 255 then a final byte, added to the 4-bit nibble value 15. */
function extendLength (data: Buffer, pos: number, end: number, length: number): [number, number] {
  for (;;) {
    if (pos >= end) throw new CodecFailure('truncated LZ4 length')
    const byte = data[pos++]!
    length += byte
    if (byte !== 255) return [length, pos]
  }
}

/** Decodes one compressed block `data[pos, end)` (the LZ4 block format) into `out`. */
function readBlock (data: Buffer, pos: number, end: number, out: Output): void {
  while (pos < end) {
    const token = data[pos++]!
    let literals = token >>> 4
    if (literals === 15) [literals, pos] = extendLength(data, pos, end, literals)
    if (pos + literals > end) throw new CodecFailure('LZ4 literals run past the block')
    out.ensure(literals)
    out.pos += data.copy(out.buf, out.pos, pos, pos + literals)
    pos += literals
    if (pos === end) return // the last sequence has literals only
    if (pos + 2 > end) throw new CodecFailure('truncated LZ4 match offset')
    const distance = data[pos]! | (data[pos + 1]! << 8)
    pos += 2
    let length = token & 15
    if (length === 15) [length, pos] = extendLength(data, pos, end, length)
    length += MIN_MATCH
    if (distance === 0 || distance > out.pos) throw new CodecFailure(`LZ4 match distance ${distance} is out of range`)
    out.ensure(length)
    copyMatch(out.buf, out.pos, distance, length)
    out.pos += length
  }
}
