import { compress } from 'snappyjs'
import { CodecFailure } from './codec-failure.js'
import { copyMatch } from './lz77.js'

/**
 * Snappy as Kafka uses it. The Java producer writes xerial's stream framing
 * (`SnappyOutputStream`): the header `\x82SNAPPY\0`, int32 version, int32 compatible version,
 * then blocks of (int32 length, raw Snappy). Other clients (librdkafka, Sarama) also send raw
 * unframed Snappy, so both are read. Raw Snappy is decoded here (the format is small, see
 * https://github.com/google/snappy/blob/main/format_description.txt): `snappyjs`'s decoder
 * lets a crafted literal length move its read position back by up to 2 GiB, then crawls
 * forward byte by byte (seconds of CPU for a 100-byte input). Its encoder is used.
 */

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00])
const XERIAL_HEADER_SIZE = 16
// xerial's default block size, the one Kafka's Java producer uses.
const XERIAL_BLOCK_SIZE = 32 * 1024

/** The uncompressed length a raw Snappy block announces (its leading uvarint). */
function statedLength (block: Buffer): number {
  let value = 0
  for (let i = 0; i < 5 && i < block.length; i++) {
    const byte = block[i]!
    value += (byte & 0x7f) * 2 ** (7 * i)
    if (byte < 0x80) return value
  }
  throw new CodecFailure('invalid Snappy length preamble')
}

/** Decodes one raw Snappy block; its stated length must fit in `budget`. */
function rawBlock (data: Buffer, budget: number): Buffer {
  const length = statedLength(data)
  if (length > budget) throw new CodecFailure(`block of ${length} bytes`, true)
  const out = Buffer.allocUnsafe(length)
  let ip = 0
  while (data[ip++]! >= 0x80); // skip the length preamble (validated above)
  let op = 0
  const end = data.length
  while (ip < end) {
    const tag = data[ip++]!
    let size = tag >>> 2
    let distance: number
    switch (tag & 3) {
      case 0: { // literal: size - 1 in the tag, or in the 1-4 bytes after it (tag values 60-63)
        if (size >= 60) {
          const bytes = size - 59
          if (ip + bytes > end) throw new CodecFailure('truncated Snappy literal length')
          size = data.readUIntLE(ip, bytes)
          ip += bytes
        }
        size += 1
        if (ip + size > end || op + size > length) throw new CodecFailure(`Snappy literal of ${size} bytes does not fit`)
        op += data.copy(out, op, ip, ip + size)
        ip += size
        continue
      }
      case 1: // copy, 1-byte offset: length 4-11, 11-bit distance
        if (ip >= end) throw new CodecFailure('truncated Snappy copy')
        size = 4 + (size & 7)
        distance = ((tag >>> 5) << 8) | data[ip++]!
        break
      case 2: // copy, 2-byte offset
        if (ip + 2 > end) throw new CodecFailure('truncated Snappy copy')
        size += 1
        distance = data.readUInt16LE(ip)
        ip += 2
        break
      default: // copy, 4-byte offset
        if (ip + 4 > end) throw new CodecFailure('truncated Snappy copy')
        size += 1
        distance = data.readUInt32LE(ip)
        ip += 4
    }
    if (distance === 0 || distance > op || op + size > length) throw new CodecFailure(`Snappy copy (distance ${distance}, ${size} bytes) out of range`)
    copyMatch(out, op, distance, size)
    op += size
  }
  if (op !== length) throw new CodecFailure(`Snappy block decoded to ${op} bytes, announced ${length}`)
  return out
}

/** Decompresses xerial-framed or raw Snappy; throws `CodecFailure` past `limit` output bytes. */
export function snappyDecompress (data: Buffer, limit: number): Buffer {
  if (data.length < XERIAL_HEADER_SIZE || !XERIAL_MAGIC.equals(data.subarray(0, 8))) return rawBlock(data, limit)
  const blocks: Buffer[] = []
  let total = 0
  for (let pos = XERIAL_HEADER_SIZE; pos < data.length;) {
    if (pos + 4 > data.length) throw new CodecFailure('truncated xerial block length')
    const size = data.readInt32BE(pos)
    pos += 4
    if (size < 0 || pos + size > data.length) throw new CodecFailure(`xerial block of ${size} bytes runs past the end`)
    const block = rawBlock(data.subarray(pos, pos + size), limit - total)
    blocks.push(block)
    total += block.length
    pos += size
  }
  return blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks, total)
}

/** Compresses with xerial framing, as the Java producer does (readable by every Kafka client). */
export function snappyCompress (data: Buffer): Buffer {
  const blocks: Buffer[] = []
  let size = XERIAL_HEADER_SIZE
  for (let pos = 0; pos < data.length; pos += XERIAL_BLOCK_SIZE) {
    const block = compress(data.subarray(pos, pos + XERIAL_BLOCK_SIZE))
    blocks.push(block)
    size += 4 + block.length
  }
  const out = Buffer.allocUnsafe(size)
  XERIAL_MAGIC.copy(out, 0)
  out.writeInt32BE(1, 8)
  out.writeInt32BE(1, 12)
  let pos = XERIAL_HEADER_SIZE
  for (const block of blocks) {
    out.writeInt32BE(block.length, pos)
    pos += 4 + block.copy(out, pos + 4)
  }
  return out
}
