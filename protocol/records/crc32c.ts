/**
 * CRC32C (Castagnoli, reflected polynomial 0x82f63b78), the checksum of record batches v2.
 *
 * Slicing-by-16: sixteen 256-entry tables let the loop fold 16 input bytes per step with
 * table lookups only. On little-endian hosts the bulk is read as aligned 32-bit words through
 * an `Int32Array` view (measured ~2x faster in V8 than assembling words from bytes); the
 * unaligned head and the tail go byte by byte.
 */

const POLYNOMIAL = 0x82f63b78
const SLICES = 16

function buildTables (): Int32Array[] {
  const all = new Int32Array(256 * SLICES)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1
    all[n] = c
  }
  // Table s maps a byte to its CRC contribution when followed by s zero bytes.
  for (let s = 1; s < SLICES; s++) {
    for (let n = 0; n < 256; n++) {
      const prev = all[(s - 1) * 256 + n]!
      all[s * 256 + n] = (prev >>> 8) ^ all[prev & 0xff]!
    }
  }
  const tables: Int32Array[] = []
  for (let s = 0; s < SLICES; s++) tables.push(all.subarray(s * 256, (s + 1) * 256))
  return tables
}

const [T0, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15] = buildTables() as
  [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array,
    Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array]

// Word loads through Int32Array are host-endian; the table layout assumes little-endian words.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/**
 * CRC32C of `data[start, end)`, as an unsigned 32-bit integer.
 * @param data bytes to checksum
 * @param start first byte (default 0)
 * @param end one past the last byte (default `data.length`)
 */
export function crc32c (data: Uint8Array, start = 0, end = data.length): number {
  let crc = -1
  let i = start
  if (LITTLE_ENDIAN && end - start >= 32) {
    const headEnd = i + ((4 - ((data.byteOffset + i) & 3)) & 3)
    for (; i < headEnd; i++) crc = T0[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8)
    const words = (end - i) >>> 4 << 2
    const w = new Int32Array(data.buffer, data.byteOffset + i, words)
    for (let j = 0; j < words; j += 4) {
      const a = w[j]! ^ crc
      const b = w[j + 1]!
      const c = w[j + 2]!
      const d = w[j + 3]!
      crc = T15[a & 0xff]! ^ T14[(a >>> 8) & 0xff]! ^ T13[(a >>> 16) & 0xff]! ^ T12[a >>> 24]! ^
        T11[b & 0xff]! ^ T10[(b >>> 8) & 0xff]! ^ T9[(b >>> 16) & 0xff]! ^ T8[b >>> 24]! ^
        T7[c & 0xff]! ^ T6[(c >>> 8) & 0xff]! ^ T5[(c >>> 16) & 0xff]! ^ T4[c >>> 24]! ^
        T3[d & 0xff]! ^ T2[(d >>> 8) & 0xff]! ^ T1[(d >>> 16) & 0xff]! ^ T0[d >>> 24]!
    }
    i += words << 2
  }
  for (; i < end; i++) crc = T0[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8)
  return (~crc) >>> 0
}
