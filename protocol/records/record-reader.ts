import { RecordBatchError, type RecordContext } from './errors.js'
import type { RecordHeader } from './record-batch.js'

/** Shared by records without headers (no allocation); frozen so that no caller can add to everyone's headers. */
const NO_HEADERS: readonly RecordHeader[] = Object.freeze([])

// Header keys up to this many bytes, at header positions below CACHED_HEADERS, are cached.
const MAX_CACHED_KEY = 32
const CACHED_HEADERS = 8

/**
 * Walks the records of one batch, hand-written for speed: `next()` reads a record's length and
 * deltas, then the caller either decodes the rest with `body()` or `skip()`s it (records that
 * were not acquired cost no allocation). Every read is bounded by the record's own length, so
 * a record can never read into the next one, and malformed input raises `RecordBatchError`.
 * Field semantics follow Kafka's `DefaultRecord.readFrom`: a negative key/value length is
 * null, a negative header count or header key length is an error, and a record must end
 * exactly where its length says.
 */
export class RecordReader {
  /** Bytes holding the records: the fetched buffer, or the decompressed records. */
  private data: Buffer = Buffer.alloc(0)
  /** Read position in `data`. */
  private pos = 0
  /** End of the records in `data`. */
  private end = 0
  /** Input offset of the compressed records when `data` is their decompressed copy; -1 otherwise. */
  private compressedAt = -1
  private batchOffset = 0n
  private lastOffsetDelta = 0
  private recordEnd = 0
  /**
   * The last key decoded at each header position. Producers write the same header keys on
   * every record, and comparing a few bytes is several times cheaper than decoding UTF-8.
   */
  private readonly keyCache: Array<{ bytes: Buffer, text: string } | undefined> = []

  /** Offset delta of the current record. */
  offsetDelta = 0
  /** Timestamp delta of the current record (ms). */
  timestampDelta = 0
  /** Key of the current record (after `body()`). */
  key: Buffer | null = null
  /** Value of the current record (after `body()`). */
  value: Buffer | null = null
  /** Headers of the current record (after `body()`). */
  headers: readonly RecordHeader[] = NO_HEADERS

  /** @param context topic/partition for error messages */
  constructor (private readonly context?: RecordContext) {}

  /**
   * Starts on the records `data[pos, end)` of the batch at `batchOffset` whose offset deltas
   * end at `lastOffsetDelta`; `compressedAt` is the input offset of the compressed bytes when
   * `data` was decompressed, else -1.
   */
  reset (data: Buffer, pos: number, end: number, batchOffset: bigint, lastOffsetDelta: number, compressedAt: number): void {
    this.data = data
    this.pos = pos
    this.end = end
    this.batchOffset = batchOffset
    this.lastOffsetDelta = lastOffsetDelta
    this.compressedAt = compressedAt
  }

  /** Throws unless the records filled the batch exactly (Kafka: "Incorrect declared batch size"). */
  finish (): void {
    if (this.pos !== this.end) this.fail(`${this.end - this.pos} byte(s) left after the last record`)
  }

  /**
   * Reads the next record's length, attributes, timestamp delta and offset delta (which must
   * lie within the batch: share assembly relies on it to match acquired offsets).
   */
  next (): void {
    const length = this.varint(this.end)
    const end = this.pos + length
    if (length < 0 || end > this.end) this.fail(`record length ${length} does not fit in the batch`)
    this.recordEnd = end
    if (this.pos >= end) this.fail('record ends before its attributes')
    this.pos++ // attributes: unused since magic 2
    this.timestampDelta = this.varlong(end)
    const delta = this.varint(end)
    if (delta < 0 || delta > this.lastOffsetDelta) this.fail(`offset delta ${delta} outside the batch (last delta ${this.lastOffsetDelta})`)
    this.offsetDelta = delta
  }

  /** Skips the rest of the current record. */
  skip (): void {
    this.pos = this.recordEnd
  }

  /** Reads the key, value and headers of the current record. */
  body (): void {
    const end = this.recordEnd
    this.key = this.bytes(end)
    this.value = this.bytes(end)
    const count = this.varint(end)
    if (count === 0) {
      this.headers = NO_HEADERS
    } else {
      // Each header takes at least two bytes: refuse a count that cannot fit before looping.
      if (count < 0 || count * 2 > end - this.pos) this.fail(`invalid header count ${count}`)
      const headers: RecordHeader[] = []
      for (let i = 0; i < count; i++) {
        const keyLength = this.varint(end)
        const start = this.pos
        if (keyLength < 0 || start + keyLength > end) this.fail(`invalid header key length ${keyLength}`)
        this.pos = start + keyLength
        const key = this.headerKey(i, start, keyLength)
        headers.push({ key, value: this.bytes(end) })
      }
      this.headers = headers
    }
    if (this.pos !== end) this.fail(`record has ${end - this.pos} byte(s) more than its fields`)
  }

  private headerKey (index: number, start: number, length: number): string {
    const data = this.data
    if (length > MAX_CACHED_KEY || index >= CACHED_HEADERS) return data.toString('utf8', start, start + length)
    const cached = this.keyCache[index]
    if (cached !== undefined && cached.bytes.length === length) {
      const bytes = cached.bytes
      let i = 0
      while (i < length && bytes[i] === data[start + i]) i++
      if (i === length) return cached.text
    }
    const text = data.toString('utf8', start, start + length)
    this.keyCache[index] = { bytes: Buffer.from(data.subarray(start, start + length)), text }
    return text
  }

  private bytes (end: number): Buffer | null {
    const length = this.varint(end)
    if (length < 0) return null
    const start = this.pos
    if (start + length > end) this.fail(`field of ${length} bytes runs past the record`)
    this.pos = start + length
    return this.data.subarray(start, start + length)
  }

  /** Zig-zag varint of at most 5 bytes, as Kafka's `ByteUtils.readVarint`. */
  private varint (end: number): number {
    const data = this.data
    let pos = this.pos
    if (pos >= end) this.fail('varint runs past the record')
    let byte = data[pos++]!
    let raw = byte & 0x7f
    for (let shift = 7; byte >= 0x80; shift += 7) {
      if (shift > 28) this.fail('varint longer than 5 bytes')
      if (pos >= end) this.fail('varint runs past the record')
      byte = data[pos++]!
      raw |= (byte & 0x7f) << shift
    }
    this.pos = pos
    return (raw >>> 1) ^ -(raw & 1)
  }

  /**
   * Zig-zag varlong of at most 10 bytes, as a number: exact below 2^53, which covers every
   * timestamp delta a producer writes.
   */
  private varlong (end: number): number {
    const data = this.data
    let pos = this.pos
    if (pos >= end) this.fail('varlong runs past the record')
    let byte = data[pos++]!
    if (byte < 0x80) {
      this.pos = pos
      return (byte >>> 1) ^ -(byte & 1)
    }
    let raw = byte & 0x7f
    let scale = 128
    for (let i = 1; byte >= 0x80; i++) {
      if (i === 10) this.fail('varlong longer than 10 bytes')
      if (pos >= end) this.fail('varlong runs past the record')
      byte = data[pos++]!
      raw += (byte & 0x7f) * scale
      scale *= 128
    }
    this.pos = pos
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2
  }

  private fail (problem: string): never {
    const decompressed = this.compressedAt >= 0
    throw new RecordBatchError(decompressed ? `${problem} (at byte ${this.pos} of the decompressed records)` : problem,
      decompressed ? this.compressedAt : this.pos, this.context, this.batchOffset)
  }
}
