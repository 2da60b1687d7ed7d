import { KafkaProtocolError } from './protocol-error.js'

/**
 * Writes Kafka primitives into a buffer whose size was computed beforehand, so that an
 * encoded request is one allocation (see `sizeOf*` helpers below and the two-pass encoders
 * in `schema.ts`). Methods return `this` for fluent use.
 */
export class Writer {
  /** Next byte to write. */
  offset: number

  /** @param buffer destination; `offset` starts at `start` */
  constructor (readonly buffer: Buffer, start = 0) {
    this.offset = start
  }

  /** Allocates an uninitialised buffer of exactly `size` bytes. */
  static alloc (size: number): Writer {
    return new Writer(Buffer.allocUnsafe(size))
  }

  /** Returns the written bytes; throws when fewer or more bytes were written than allocated. */
  finish (): Buffer {
    if (this.offset !== this.buffer.length) {
      throw new KafkaProtocolError(`encoder wrote ${this.offset} bytes into a buffer of ${this.buffer.length}`, this.offset)
    }
    return this.buffer
  }

  int8 (v: number): this { this.offset = this.buffer.writeInt8(v, this.offset); return this }
  int16 (v: number): this { this.offset = this.buffer.writeInt16BE(v, this.offset); return this }
  uint16 (v: number): this { this.offset = this.buffer.writeUInt16BE(v, this.offset); return this }
  int32 (v: number): this { this.offset = this.buffer.writeInt32BE(v, this.offset); return this }
  uint32 (v: number): this { this.offset = this.buffer.writeUInt32BE(v, this.offset); return this }
  int64 (v: bigint): this { this.offset = this.buffer.writeBigInt64BE(v, this.offset); return this }
  float64 (v: number): this { this.offset = this.buffer.writeDoubleBE(v, this.offset); return this }
  bool (v: boolean): this { this.buffer[this.offset++] = v ? 1 : 0; return this }

  /** Unsigned LEB128 varint of a value in [0, 2^32). */
  uvarint (v: number): this {
    const b = this.buffer
    let o = this.offset
    v >>>= 0
    while (v > 0x7f) {
      b[o++] = (v & 0x7f) | 0x80
      v >>>= 7
    }
    b[o++] = v
    this.offset = o
    return this
  }

  /** Zig-zag signed varint (32-bit). */
  varint (v: number): this { return this.uvarint((v << 1) ^ (v >> 31)) }

  /** Zig-zag signed varlong (64-bit). */
  varlong (v: bigint): this {
    let z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n))
    const b = this.buffer
    let o = this.offset
    while (z > 0x7fn) {
      b[o++] = Number(z & 0x7fn) | 0x80
      z >>= 7n
    }
    b[o++] = Number(z)
    this.offset = o
    return this
  }

  /** Copies raw bytes. */
  raw (bytes: Uint8Array): this {
    this.buffer.set(bytes, this.offset)
    this.offset += bytes.length
    return this
  }

  /** int16-length string (null = -1). */
  string (v: string | null): this {
    if (v === null) return this.int16(-1)
    const n = Buffer.byteLength(v)
    this.int16(n)
    this.offset += this.buffer.write(v, this.offset, n, 'utf8')
    return this
  }

  /** uvarint(length+1) string (null = 0). */
  compactString (v: string | null): this {
    if (v === null) return this.uvarint(0)
    const n = Buffer.byteLength(v)
    this.uvarint(n + 1)
    this.offset += this.buffer.write(v, this.offset, n, 'utf8')
    return this
  }

  /** int32-length bytes (null = -1). */
  bytes (v: Uint8Array | null): this {
    if (v === null) return this.int32(-1)
    return this.int32(v.length).raw(v)
  }

  /** uvarint(length+1) bytes (null = 0). */
  compactBytes (v: Uint8Array | null): this {
    if (v === null) return this.uvarint(0)
    return this.uvarint(v.length + 1).raw(v)
  }

  /** A UUID given in Kafka's text form (22 chars of URL-safe base64), written as 16 bytes. */
  uuid (v: string): this {
    const n = v.length === 22 ? this.buffer.write(v, this.offset, 16, 'base64url') : 0
    if (n !== 16) throw new KafkaProtocolError(`not a Kafka UUID: ${JSON.stringify(v)}`, this.offset)
    this.offset += 16
    return this
  }
}

/** Bytes taken by `uvarint(v)`. */
export function sizeOfUVarint (v: number): number {
  v >>>= 0
  if (v < 0x80) return 1
  if (v < 0x4000) return 2
  if (v < 0x200000) return 3
  if (v < 0x10000000) return 4
  return 5
}

/** Bytes taken by `varint(v)`. */
export function sizeOfVarint (v: number): number {
  return sizeOfUVarint((v << 1) ^ (v >> 31))
}

/** Bytes taken by `varlong(v)`. */
export function sizeOfVarlong (v: bigint): number {
  let z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n))
  let n = 1
  while (z > 0x7fn) {
    z >>= 7n
    n++
  }
  return n
}
