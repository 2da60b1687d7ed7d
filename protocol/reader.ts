import { KafkaProtocolError } from './protocol-error.js'

/**
 * Reads Kafka primitives from a buffer. Every read is bounds-checked and fails with a
 * `KafkaProtocolError` naming the byte offset: decoders never throw RangeError or read
 * past the end of a frame.
 */
export class Reader {
  /** Next byte to read. */
  offset: number
  /** One past the last readable byte. */
  readonly end: number

  /**
   * @param buffer source bytes
   * @param start first byte to read
   * @param end one past the last byte to read (default: end of buffer)
   */
  constructor (readonly buffer: Buffer, start = 0, end = buffer.length) {
    this.offset = start
    this.end = end
  }

  /** Bytes left to read. */
  get remaining (): number { return this.end - this.offset }

  /** Throws a `KafkaProtocolError` at the current offset. */
  fail (reason: string): never {
    throw new KafkaProtocolError(reason, this.offset)
  }

  private need (n: number): number {
    const o = this.offset
    if (o + n > this.end) this.fail(`needed ${n} byte(s), ${this.end - o} left`)
    this.offset = o + n
    return o
  }

  int8 (): number { return this.buffer.readInt8(this.need(1)) }
  uint8 (): number { return this.buffer[this.need(1)]! }
  int16 (): number { return this.buffer.readInt16BE(this.need(2)) }
  uint16 (): number { return this.buffer.readUInt16BE(this.need(2)) }
  int32 (): number { return this.buffer.readInt32BE(this.need(4)) }
  uint32 (): number { return this.buffer.readUInt32BE(this.need(4)) }
  int64 (): bigint { return this.buffer.readBigInt64BE(this.need(8)) }
  float64 (): number { return this.buffer.readDoubleBE(this.need(8)) }

  /** Any non-zero byte is true, as in the Java reader. */
  bool (): boolean { return this.buffer[this.need(1)] !== 0 }

  /** Unsigned LEB128 varint, at most 5 bytes (32 bits). */
  uvarint (): number {
    const b = this.buffer
    let o = this.offset
    let value = 0
    for (let shift = 0; shift < 35; shift += 7) {
      if (o >= this.end) { this.offset = o; this.fail('varint runs past the end') }
      const byte = b[o++]!
      value |= (byte & 0x7f) << shift
      if ((byte & 0x80) === 0) {
        this.offset = o
        return value >>> 0
      }
    }
    this.offset = o
    return this.fail('varint longer than 5 bytes')
  }

  /** Zig-zag signed varint (32-bit). */
  varint (): number {
    const z = this.uvarint()
    return (z >>> 1) ^ -(z & 1)
  }

  /** Zig-zag signed varlong (64-bit), at most 10 bytes. */
  varlong (): bigint {
    const b = this.buffer
    let o = this.offset
    // Fast path: values that fit in 28 bits (all record deltas in practice).
    let small = 0
    for (let shift = 0; shift < 28; shift += 7) {
      if (o >= this.end) { this.offset = o; this.fail('varlong runs past the end') }
      const byte = b[o++]!
      small |= (byte & 0x7f) << shift
      if ((byte & 0x80) === 0) {
        this.offset = o
        return BigInt((small >>> 1) ^ -(small & 1))
      }
    }
    let value = BigInt(small >>> 0)
    for (let shift = 28n; shift < 70n; shift += 7n) {
      if (o >= this.end) { this.offset = o; this.fail('varlong runs past the end') }
      const byte = b[o++]!
      value |= BigInt(byte & 0x7f) << shift
      if ((byte & 0x80) === 0) {
        this.offset = o
        value = BigInt.asUintN(64, value)
        return (value >> 1n) ^ -(value & 1n)
      }
    }
    this.offset = o
    return this.fail('varlong longer than 10 bytes')
  }

  /** A view (not a copy) of the next `n` bytes. */
  raw (n: number): Buffer {
    if (n < 0) this.fail(`negative length ${n}`)
    const o = this.need(n)
    return this.buffer.subarray(o, o + n)
  }

  private text (n: number): string {
    const o = this.need(n)
    return this.buffer.toString('utf8', o, o + n)
  }

  /** int16-length string; -1 is null. */
  string (): string | null {
    const n = this.int16()
    if (n === -1) return null
    if (n < -1) this.fail(`invalid string length ${n}`)
    return this.text(n)
  }

  /** uvarint(length+1) string; 0 is null. */
  compactString (): string | null {
    const n = this.uvarint()
    if (n === 0) return null
    return this.text(n - 1)
  }

  /** int32-length bytes; -1 is null. Returns a view into the frame. */
  bytes (): Buffer | null {
    const n = this.int32()
    if (n === -1) return null
    if (n < -1) this.fail(`invalid bytes length ${n}`)
    return this.raw(n)
  }

  /** uvarint(length+1) bytes; 0 is null. Returns a view into the frame. */
  compactBytes (): Buffer | null {
    const n = this.uvarint()
    if (n === 0) return null
    return this.raw(n - 1)
  }

  /** 16 raw bytes, returned in Kafka's text form (URL-safe base64, no padding, 22 chars). */
  uuid (): string {
    const o = this.need(16)
    return this.buffer.toString('base64url', o, o + 16)
  }

  /**
   * Array length: int32 (classic, -1 = null) or uvarint(n+1) (compact, 0 = null). A count
   * that cannot fit in the remaining bytes is refused here, before anything is allocated.
   */
  arrayLength (compact: boolean, minElementSize = 1): number | null {
    const start = this.offset
    const n = compact ? this.uvarint() - 1 : this.int32()
    if (n === -1) return null
    if (n < -1) { this.offset = start; this.fail(`invalid array length ${n}`) }
    const left = this.end - this.offset
    if (n * minElementSize > left) {
      this.offset = start
      this.fail(`array of ${n} element(s) cannot fit in ${left} byte(s)`)
    }
    return n
  }
}
