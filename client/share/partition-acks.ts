import { RENEW, isTerminal } from '../../protocol/acknowledge-type.js'

/** One acknowledgement batch as ShareFetch / ShareAcknowledge carry it: inclusive range, one type or one per offset. */
export interface AcknowledgementBatch {
  /** First offset of the range. */
  firstOffset: bigint
  /** Last offset of the range (inclusive). */
  lastOffset: bigint
  /** One type for the whole range, or exactly one per offset (the broker accepts nothing else). */
  acknowledgeTypes: number[]
}

/**
 * A run of one type at least this long gets a batch of its own inside a mixed range: a batch
 * costs about 19 bytes on the wire (two int64, two counts, tagged fields), an inline type 1 byte.
 */
const MIN_UNIFORM_RUN = 32

function compare (a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * The acknowledgements of one partition waiting to be sent (or in flight): offset → type id.
 * Setting an offset twice keeps the later type, except that a RENEW never replaces a terminal
 * type — the record is already settled — while a terminal type replaces a pending RENEW.
 */
export class PartitionAcks {
  private readonly types = new Map<bigint, number>()
  private renews = 0
  /** The lock deadline every offset shares (epoch ms; Infinity: unknown), while they share one. */
  private deadline = NaN
  /**
   * Each offset's lock deadline, once they differ (rare: acks of one partition usually come
   * from one fetch, whose records share a deadline).
   */
  private deadlines: Map<bigint, number> | undefined
  /** The earliest lock deadline among the offsets (epoch ms; Infinity when unknown). */
  private earliest = Infinity

  /** Number of offsets. */
  get size (): number {
    return this.types.size
  }

  /** True when some offset carries RENEW (the request must then set IsRenewAck, and a ShareFetch must not fetch). */
  get hasRenew (): boolean {
    return this.renews > 0
  }

  /**
   * Records `typeId` for `offset`, whose lock runs until `lockDeadline` at the earliest. False
   * when ignored (a RENEW after a terminal type).
   */
  set (offset: bigint, typeId: number, lockDeadline = Infinity): boolean {
    const previous = this.types.get(offset)
    if (previous !== undefined && typeId === RENEW && isTerminal(previous)) return false
    if (previous === RENEW) this.renews--
    if (typeId === RENEW) this.renews++
    this.types.set(offset, typeId)
    this.noteDeadline(offset, lockDeadline)
    return true
  }

  private noteDeadline (offset: bigint, lockDeadline: number): void {
    if (lockDeadline < this.earliest) this.earliest = lockDeadline
    if (this.deadlines === undefined) {
      if (Number.isNaN(this.deadline) || this.deadline === lockDeadline) {
        this.deadline = lockDeadline
        return
      }
      this.deadlines = new Map()
      for (const o of this.types.keys()) this.deadlines.set(o, this.deadline)
    }
    this.deadlines.set(offset, lockDeadline)
  }

  /**
   * The offsets whose lock may have run out by `now` (an answer's arrival): the broker may have
   * delivered those records to another member before it took their acknowledgements.
   */
  expiredBy (now: number): bigint[] {
    if (this.deadlines === undefined) return this.deadline <= now ? [...this.types.keys()] : []
    return [...this.deadlines].filter(([, deadline]) => deadline <= now).map(([offset]) => offset)
  }

  /** The earliest lock deadline of the acknowledged records: by then some lock may have run out before the acknowledgement reached the broker. */
  get earliestDeadline (): number {
    return this.earliest
  }

  /** The type recorded for `offset`. */
  get (offset: bigint): number | undefined {
    return this.types.get(offset)
  }

  /** Adds every acknowledgement of `other` (same precedence rules as {@link set}). */
  merge (other: PartitionAcks): this {
    for (const [offset, type] of other.types) this.set(offset, type, other.deadlines?.get(offset) ?? other.deadline)
    return this
  }

  /** The offsets, in no particular order. */
  offsets (): IterableIterator<bigint> {
    return this.types.keys()
  }

  /**
   * Ascending, non-overlapping batches: a contiguous range of one type becomes one batch with
   * a single type; mixed ranges list one type per offset, with long uniform runs split out.
   */
  batches (): AcknowledgementBatch[] {
    const offsets = [...this.types.keys()].sort(compare)
    const out: AcknowledgementBatch[] = []
    let start = 0
    while (start < offsets.length) {
      let end = start + 1
      while (end < offsets.length && offsets[end] === offsets[end - 1]! + 1n) end++
      this.segmentBatches(offsets, start, end, out)
      start = end
    }
    return out
  }

  /** Batches for the contiguous offsets `offsets[start..end)`. */
  private segmentBatches (offsets: bigint[], start: number, end: number, out: AcknowledgementBatch[]): void {
    let mixedFrom = -1
    let run = start
    while (run < end) {
      const type = this.types.get(offsets[run]!)!
      let runEnd = run + 1
      while (runEnd < end && this.types.get(offsets[runEnd]!) === type) runEnd++
      if (runEnd - run >= MIN_UNIFORM_RUN || (run === start && runEnd === end)) {
        if (mixedFrom >= 0) this.mixedBatch(offsets, mixedFrom, run, out)
        mixedFrom = -1
        out.push({ firstOffset: offsets[run]!, lastOffset: offsets[runEnd - 1]!, acknowledgeTypes: [type] })
      } else if (mixedFrom < 0) {
        mixedFrom = run
      }
      run = runEnd
    }
    if (mixedFrom >= 0) this.mixedBatch(offsets, mixedFrom, end, out)
  }

  /** One batch for `offsets[from..to)`: one type per offset, or a single type when they agree. */
  private mixedBatch (offsets: bigint[], from: number, to: number, out: AcknowledgementBatch[]): void {
    const types = offsets.slice(from, to).map(o => this.types.get(o)!)
    out.push({
      firstOffset: offsets[from]!,
      lastOffset: offsets[to - 1]!,
      acknowledgeTypes: types.every(t => t === types[0]) ? [types[0]!] : types
    })
  }
}
