import { DEFAULT_MAX_DECOMPRESSED_BYTES } from './compression.js'
import { openRecords, type DecodeRecordsOptions } from './decode-batches.js'
import { RecordBatchError, type RecordContext } from './errors.js'
import { batchEnd, readBatchHeader, verifyBatchCrc, type KafkaRecord, type RecordBatchHeader } from './record-batch.js'
import { RecordReader } from './record-reader.js'

/**
 * ShareFetch record assembly (KIP-932). A ShareFetch partition carries whole log batches in
 * `records` and, separately, the offset ranges acquired for this member (`acquiredRecords`).
 * Only acquired offsets are delivered, each with the delivery count of its range. An acquired
 * offset with no data record (compacted away, a transaction marker) is a gap, which the
 * client must acknowledge with type 0 (GAP), as the Java client does
 * (`ShareCompletedFetch.fetchRecords`).
 */

/** One `acquiredRecords` entry of a ShareFetch response. */
export interface AcquiredRange {
  /** First acquired offset. */
  firstOffset: bigint
  /** Last acquired offset (inclusive). */
  lastOffset: bigint
  /** How many times these records have been delivered, this time included. */
  deliveryCount: number
}

/** An inclusive offset range. */
export interface OffsetRange {
  /** First offset. */
  firstOffset: bigint
  /** Last offset (inclusive). */
  lastOffset: bigint
}

/** Acquired offsets in a batch that could not be decoded, with why. */
export interface CorruptRange extends OffsetRange {
  /** The decoding error (a `CorruptRecordError` for a CRC mismatch). */
  error: RecordBatchError
}

/** A record delivered to a share consumer. */
export interface ShareRecord extends KafkaRecord {
  /** Topic name. */
  topic: string
  /** Partition index. */
  partition: number
  /** Delivery count of the acquired range holding the record (1 on first delivery). */
  deliveryCount: number
}

/** What one ShareFetch partition yields. */
export interface ShareRecords {
  /** Acquired data records, in offset order. */
  records: ShareRecord[]
  /** Acquired offsets without a data record: acknowledge them as GAP (type 0). */
  gaps: OffsetRange[]
  /**
   * Acquired offsets in batches that failed to decode (CRC mismatch, bad compression, malformed
   * records). The Java client rejects them (REJECT) so they are not redelivered forever.
   */
  corrupt: CorruptRange[]
  /**
   * Acquired offsets past the last complete batch when the records ended with a partial batch.
   * Brokers do not acquire records they did not send, so this should stay empty; the Java
   * client would acknowledge such offsets as gaps (losing them), we report them so the client
   * can release them instead.
   */
  truncated: OffsetRange[]
}

/** Appends [first, last] to `out`, merging with the previous range when they touch. */
function appendRange (out: OffsetRange[], first: bigint, last: bigint): void {
  const prev = out[out.length - 1]
  if (prev !== undefined && prev.lastOffset + 1n === first) prev.lastOffset = last
  else out.push({ firstOffset: first, lastOffset: last })
}

function appendCorrupt (out: CorruptRange[], first: bigint, last: bigint, error: RecordBatchError): void {
  const prev = out[out.length - 1]
  if (prev !== undefined && prev.error === error && prev.lastOffset + 1n === first) prev.lastOffset = last
  else out.push({ firstOffset: first, lastOffset: last, error })
}

/** Walks the acquired offsets in order; each offset is accounted for exactly once. */
class AcquiredWalk {
  private readonly ranges: readonly AcquiredRange[]
  private index = -1
  /** Next acquired offset not yet accounted for (valid unless `done`). */
  cursor = 0n
  /** Last offset of the current range. */
  last = -1n
  /** Delivery count of the current range. */
  deliveryCount = 0
  /** No acquired offset is left. */
  done = false

  constructor (acquired: readonly AcquiredRange[]) {
    let sorted = true
    for (let i = 1; i < acquired.length; i++) if (acquired[i]!.firstOffset < acquired[i - 1]!.firstOffset) sorted = false
    this.ranges = sorted ? acquired : [...acquired].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0))
    this.nextRange()
  }

  /** Moves to the next range; overlapping ranges only contribute offsets not seen yet. */
  private nextRange (): void {
    const seen = this.index >= 0 ? this.last : undefined
    for (;;) {
      const range = this.ranges[++this.index]
      if (range === undefined) {
        this.done = true
        return
      }
      const first = seen !== undefined && range.firstOffset <= seen ? seen + 1n : range.firstOffset
      if (first <= range.lastOffset) {
        this.cursor = first
        this.last = range.lastOffset
        this.deliveryCount = range.deliveryCount
        return
      }
    }
  }

  /** Records that every acquired offset below `offset` is accounted for (`offset` ≤ last + 1). */
  moveTo (offset: bigint): void {
    this.cursor = offset
    if (offset > this.last) this.nextRange()
  }

  /** Accounts for every acquired offset below `end`, handing each span to `sink`. */
  consumeUntil (end: bigint, sink: (first: bigint, last: bigint) => void): void {
    while (!this.done && this.cursor < end) {
      if (this.last < end) {
        sink(this.cursor, this.last)
        this.nextRange()
      } else {
        sink(this.cursor, end - 1n)
        this.cursor = end
      }
    }
  }

  /** Accounts for every remaining acquired offset. */
  consumeAll (sink: (first: bigint, last: bigint) => void): void {
    while (!this.done) {
      sink(this.cursor, this.last)
      this.nextRange()
    }
  }

  /** Position to return to when a batch has to be undone. */
  mark (): [number, bigint] {
    return [this.index, this.cursor]
  }

  /** Returns to a `mark()`. */
  restore ([index, cursor]: [number, bigint]): void {
    const range = this.ranges[index]!
    this.index = index
    this.cursor = cursor
    this.last = range.lastOffset
    this.deliveryCount = range.deliveryCount
    this.done = false
  }
}

/**
 * Assembles one ShareFetch partition: the acquired records of `records` (the partition's
 * record batches) with their delivery counts, and the acquired offsets that are gaps, corrupt
 * or truncated. Batches with no acquired offset are skipped without being checked or decoded;
 * records outside the acquired ranges are skipped without allocation. A batch that fails to
 * decode yields a `corrupt` range and assembly goes on with the next batch; when a batch
 * header cannot be read (impossible length, magic other than 2, unknown codec, negative
 * count), its offsets are unknown and every remaining acquired offset is reported corrupt.
 */
export function assembleShareRecords (topic: string, partition: number, records: Buffer,
  acquired: readonly AcquiredRange[], options: DecodeRecordsOptions = {}): ShareRecords {
  const result: ShareRecords = { records: [], gaps: [], corrupt: [], truncated: [] }
  if (acquired.length === 0) return result
  const context: RecordContext = { topic, partition }
  const verifyCrc = options.verifyCrc ?? true
  const maxBytes = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES
  const walk = new AcquiredWalk(acquired)
  const reader = new RecordReader(context)
  const toGaps = (first: bigint, last: bigint): void => appendRange(result.gaps, first, last)
  let pos = 0
  while (pos < records.length && !walk.done) {
    let last: number
    let header: RecordBatchHeader
    try {
      last = batchEnd(records, pos, records.length, context)
      if (last < 0) {
        walk.consumeAll((first, end) => appendRange(result.truncated, first, end))
        break
      }
      header = readBatchHeader(records, pos, last, false, context)
    } catch (e) {
      if (!(e instanceof RecordBatchError)) throw e
      // Without a readable v2 header the batch's offsets are unknown: nothing after it is trusted.
      walk.consumeAll((first, end) => appendCorrupt(result.corrupt, first, end, e))
      break
    }
    const base = header.baseOffset
    const batchLast = base + BigInt(header.lastOffsetDelta)
    walk.consumeUntil(base, toGaps) // acquired offsets before this batch: no batch holds them
    if (!walk.done && walk.cursor <= batchLast) {
      const mark = walk.mark()
      const recordMark = result.records.length
      const gapMark = result.gaps.length
      const lastGap = result.gaps[gapMark - 1]
      const lastGapEnd = lastGap?.lastOffset ?? 0n
      try {
        if (verifyCrc) verifyBatchCrc(records, pos, last, header.crc, base, context)
        if (!header.control) {
          openRecords(reader, records, pos, last, header, maxBytes, context)
          deliverBatch(reader, header, walk, result.records, topic, partition, toGaps)
        }
        walk.consumeUntil(batchLast + 1n, toGaps) // acquired but absent: compacted, or control records
      } catch (e) {
        if (!(e instanceof RecordBatchError)) throw e
        result.records.length = recordMark
        result.gaps.length = gapMark
        if (lastGap !== undefined) lastGap.lastOffset = lastGapEnd
        walk.restore(mark)
        walk.consumeUntil(batchLast + 1n, (first, end) => appendCorrupt(result.corrupt, first, end, e))
      }
    }
    pos = last
  }
  // Acquired offsets after the last batch have no record: gaps, as in the Java client.
  walk.consumeAll(toGaps)
  return result
}

/**
 * Delivers the acquired records of one batch. Offsets are compared as numbers relative to the
 * batch's base offset, so the per-record work allocates only the record itself.
 */
function deliverBatch (reader: RecordReader, header: RecordBatchHeader, walk: AcquiredWalk, out: ShareRecord[],
  topic: string, partition: number, toGaps: (first: bigint, last: bigint) => void): void {
  const base = header.baseOffset
  const lastDelta = header.lastOffsetDelta
  const logAppendTime = header.timestampType === 'LogAppendTime'
  // The current range, relative to `base` and clipped to the batch: deltas [next, rangeEnd].
  let next = Number(walk.cursor - base)
  let rangeEnd = walk.last - base > BigInt(lastDelta) ? lastDelta : Number(walk.last - base)
  let deliveryCount = walk.deliveryCount
  for (let i = 0; i < header.recordCount; i++) {
    reader.next()
    const delta = reader.offsetDelta
    if (delta > rangeEnd) {
      // The current range ended before this record: hand the walk what was consumed, move on.
      walk.moveTo(base + BigInt(next))
      walk.consumeUntil(base + BigInt(delta), toGaps)
      if (walk.done || walk.cursor - base > BigInt(lastDelta)) return // nothing else acquired here
      next = Number(walk.cursor - base)
      rangeEnd = walk.last - base > BigInt(lastDelta) ? lastDelta : Number(walk.last - base)
      deliveryCount = walk.deliveryCount
    }
    if (delta < next) {
      reader.skip() // not acquired by this member
      continue
    }
    if (delta > next) toGaps(base + BigInt(next), base + BigInt(delta - 1))
    reader.body()
    out.push({
      topic,
      partition,
      offset: base + BigInt(delta),
      timestamp: logAppendTime ? header.maxTimestamp : header.baseTimestamp + reader.timestampDelta,
      key: reader.key,
      value: reader.value,
      headers: reader.headers,
      deliveryCount
    })
    next = delta + 1
  }
  reader.finish()
  walk.moveTo(base + BigInt(next))
}
