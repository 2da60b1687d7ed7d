/**
 * The chaos suite's bookkeeping: what the worker processes log, and the pure functions that
 * turn those logs into a verdict and a table row. No I/O here, so every rule is unit-tested.
 *
 * Definitions (one place, used by the table's column names):
 * - produced: sequence numbers whose write the producer confirmed.
 * - lost: a produced seq that nobody accepted — no worker and not the draining member — and
 *   that is not in doubt (below).
 * - ack in doubt: a seq whose accept the client could not confirm — a connection error or a
 *   timeout after it may have reached the broker (its leader died while answering), or a
 *   success answered after the lock ran out (LockExpiredError 'late': another member may have
 *   got the record) — that was never delivered again, with the group's lag 0 after the drain:
 *   the broker took the accept and nobody else got the record.
 * - never consumed by the workers: a produced seq that no worker handed to its processing code
 *   before the drain. Records only the draining member got count here: they were stranded.
 * - handed out twice: seqs handed out more than once (workers and drain together).
 * - accepted twice: seqs with more than one accept the client reported as applied.
 * - written twice: seqs found at more than one partition/offset (a producer duplicate).
 * - longest pause: the longest gap between consecutive accepts of the workers.
 * - recover: after the first fault, per partition, the time until the workers' first accept of
 *   that partition; the slowest partition's time. Partitions with no accept after the fault
 *   (nothing left there) do not count.
 */

/** A record handed to a worker's (or the drain's) processing code. */
export interface HandOut {
  k: 'out'
  /** Epoch ms. */
  t: number
  /** Worker name; `drain` for the draining member. */
  w: string
  seq: number
  p: number
  o: string
  /** Delivery count the broker reported. */
  dc: number
  /** Lock time left at hand-out (the record's `lockDeadline` − now), ms; absent for framework workers. */
  lock?: number
}

/**
 * The outcome of one record's acknowledgement. For consumer workers: the result the client
 * reported (commit callback), `err` null when applied. For framework workers: the App's accept
 * decision (`consumer.accepted`; the App does not report per-record broker outcomes).
 */
export interface AckOutcome {
  k: 'ack'
  t: number
  w: string
  /** -1 when the worker could not tell (the partition/offset then identifies the record). */
  seq: number
  p: number
  o: string
  /** Error class name, or null when applied. */
  err: string | null
}

/** An error the application saw outside acknowledgement results (poll, framework events, producer). */
export interface AppError {
  k: 'err'
  t: number
  w: string
  /** Error class name (for wrapped errors `Outer(Inner)`). */
  cls: string
  msg: string
}

/** A request the worker's client made (only with tracing on; for finding where time went, not counted). */
export interface RequestEvent {
  k: 'req'
  /** When it ended, epoch ms. */
  t: number
  w: string
  api: string
  node: number
  ms: number
  /** Error class of a failed request, or the non-zero error codes in its response (top level and partitions). */
  err: string | null
  /** ShareFetch: records acquired. */
  acquired?: number
}

/** One line of a worker's log. */
export type ChaosEvent = HandOut | AckOutcome | AppError | RequestEvent

/** What {@link countRun} needs. */
export interface RunFacts {
  /** Seqs the producer confirmed. */
  produced: ReadonlySet<number>
  /** Every event of every worker and of the drain, in any order. */
  events: readonly ChaosEvent[]
  /** When the first fault was injected, epoch ms (undefined: no fault). */
  faultAt?: number
  /** The broker's lag of the group after the drain: true when 0 on every partition. */
  lagZero: boolean
}

/** The counts of one scenario run. */
export interface Counts {
  produced: number
  lost: number
  /** Seqs whose accept may have been applied (see the module comment) and was, by the broker's state. */
  ackInDoubt: number
  neverConsumed: number
  handedTwice: number
  acceptedTwice: number
  writtenTwice: number
  /** Seqs consumed that the producer never confirmed. */
  unexpected: number
  /** Distinct seqs the draining member accepted. */
  drained: number
  /** Error class → occurrences (ack failures and application errors). */
  errors: Record<string, number>
  longestPauseMs: number
  recoverMs: number | null
  /** Of the seqs handed out twice: how many came back with the same delivery count (the broker forgot the acquisition, e.g. a new leader). */
  redeliveredSameCount: number
  lagZero: boolean
  /** Up to 10 lost seqs, for the report. */
  lostSample: number[]
  /** Up to 10 never-consumed seqs. */
  neverConsumedSample: number[]
}

const DRAIN = 'drain'

/**
 * Failures after which an accept may have taken effect: the connection broke or the answer did
 * not come, or the broker answered success after the lock ran out (a bare LockExpiredError: no
 * refusal as its cause; 'redelivered' ones are bare too, but their record was handed out again).
 */
const IN_DOUBT = /^(ConnectionError|RequestTimeoutError)\b|^LockExpiredError$/

function seqOf (e: HandOut | AckOutcome, byPlace: ReadonlyMap<string, number>): number {
  return e.seq >= 0 ? e.seq : byPlace.get(`${e.p}:${e.o}`) ?? -1
}

function bump<K> (m: Map<K, number>, k: K): void {
  m.set(k, (m.get(k) ?? 0) + 1)
}

/** Counts a run; see the module comment for each definition. */
export function countRun (facts: RunFacts): Counts {
  const outs = facts.events.filter((e): e is HandOut => e.k === 'out')
  const acks = facts.events.filter((e): e is AckOutcome => e.k === 'ack')
  const byPlace = new Map<string, number>()
  const places = new Map<number, Set<string>>()
  for (const e of outs) {
    byPlace.set(`${e.p}:${e.o}`, e.seq)
    let set = places.get(e.seq)
    if (set === undefined) places.set(e.seq, set = new Set())
    set.add(`${e.p}:${e.o}`)
  }

  const handed = new Map<number, number>()
  const byWorkers = new Set<number>()
  const firstCount = new Map<number, number>()
  let redeliveredSameCount = 0
  for (const e of [...outs].sort((a, b) => a.t - b.t)) {
    bump(handed, e.seq)
    if (e.w !== DRAIN) byWorkers.add(e.seq)
    const first = firstCount.get(e.seq)
    if (first === undefined) firstCount.set(e.seq, e.dc)
    else if (handed.get(e.seq) === 2 && e.dc <= first) redeliveredSameCount++
  }

  const accepted = new Map<number, number>()
  const drained = new Set<number>()
  const errors = new Map<string, number>()
  const workerAccepts: AckOutcome[] = []
  const doubted = new Set<number>()
  for (const e of acks) {
    if (e.err !== null) {
      bump(errors, e.err)
      if (IN_DOUBT.test(e.err)) doubted.add(seqOf(e, byPlace))
      continue
    }
    const seq = seqOf(e, byPlace)
    bump(accepted, seq)
    if (e.w === DRAIN) drained.add(seq)
    else workerAccepts.push(e)
  }
  for (const e of facts.events) if (e.k === 'err') bump(errors, e.cls)

  // The broker's lag (0) and its never delivering them again say the doubted accepts were applied.
  const inDoubt = (s: number): boolean => facts.lagZero && doubted.has(s) && handed.get(s) === 1
  const notAccepted = [...facts.produced].filter(s => !accepted.has(s))
  const lost = notAccepted.filter(s => !inDoubt(s)).sort((a, b) => a - b)
  const neverConsumed = [...facts.produced].filter(s => !byWorkers.has(s)).sort((a, b) => a - b)
  const consumed = new Set(outs.map(e => e.seq))
  workerAccepts.sort((a, b) => a.t - b.t)

  return {
    produced: facts.produced.size,
    lost: lost.length,
    ackInDoubt: notAccepted.length - lost.length,
    neverConsumed: neverConsumed.length,
    handedTwice: [...handed.values()].filter(n => n > 1).length,
    acceptedTwice: [...accepted.entries()].filter(([s, n]) => s >= 0 && n > 1).length,
    writtenTwice: [...places.values()].filter(p => p.size > 1).length,
    unexpected: [...consumed].filter(s => !facts.produced.has(s)).length,
    drained: drained.size,
    errors: Object.fromEntries([...errors].sort(([a], [b]) => a < b ? -1 : 1)),
    longestPauseMs: longestGap(workerAccepts.map(e => e.t)),
    recoverMs: facts.faultAt === undefined ? null : recovery(workerAccepts, facts.faultAt),
    redeliveredSameCount,
    lagZero: facts.lagZero,
    lostSample: lost.slice(0, 10),
    neverConsumedSample: neverConsumed.slice(0, 10)
  }
}

/** The longest gap between consecutive times (ascending), 0 for fewer than two. */
export function longestGap (times: readonly number[]): number {
  let gap = 0
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!)
  return gap
}

/** Per partition, the first accept after `faultAt`; the slowest partition's delay (null when none came). */
export function recovery (accepts: readonly AckOutcome[], faultAt: number): number | null {
  const first = new Map<number, number>()
  for (const e of accepts) {
    if (e.t < faultAt) continue
    const seen = first.get(e.p)
    if (seen === undefined || e.t < seen) first.set(e.p, e.t)
  }
  if (first.size === 0) return null
  return Math.max(...[...first.values()].map(t => t - faultAt))
}

/** A scenario's verdict: what failed, empty when it passed. */
export function failures (c: Counts): string[] {
  const out: string[] = []
  if (c.lost > 0) out.push(`${c.lost} lost (e.g. seq ${c.lostSample.join(', ')})`)
  if (c.neverConsumed > 0) out.push(`${c.neverConsumed} never consumed by the workers (e.g. seq ${c.neverConsumedSample.join(', ')})`)
  if (c.writtenTwice > 0) out.push(`${c.writtenTwice} written twice by the idempotent producer`)
  if (c.unexpected > 0) out.push(`${c.unexpected} consumed but never confirmed to the producer`)
  if (!c.lagZero) out.push('lag not 0 after the drain')
  return out
}

/** One scenario's line of the table and of the JSON report. */
export interface Row {
  scenario: string
  pass: boolean
  counts: Counts | null
  /** Why the duplicates happened, where the broker causes them. */
  explanation: string
  /** Failures, or the error that stopped the scenario. */
  problems: string[]
  /** The faults injected, with when (seconds since the scenario began). */
  faults: string[]
  durationMs: number
}

/**
 * The explanation column: the scenario's own reason for duplicates (when there are any), plus
 * what the log shows about them.
 */
export function explain (c: Counts, expected: string): string {
  const doubt = c.ackInDoubt > 0 ? [`${c.ackInDoubt} accepts the client could not confirm (connection lost, timeout, or answered after the lock ran out; the app was told so) were never delivered again and the lag is 0: the broker applied them`] : []
  if (c.handedTwice === 0 && c.acceptedTwice === 0) return doubt.length > 0 ? doubt.join('; ') : '-'
  const parts = [expected, ...doubt]
  if (c.redeliveredSameCount > 0) parts.push(`${c.redeliveredSameCount} came back with the same delivery count (broker lost the acquisition)`)
  if (c.acceptedTwice > 0) parts.push(`${c.acceptedTwice} accepted twice (two accepts logged as applied)`)
  return parts.join('; ')
}

function secs (ms: number | null): string {
  return ms === null ? '-' : `${(ms / 1000).toFixed(1)}s`
}

const COLUMNS = ['scenario', 'result', 'produced', 'lost', 'ack in doubt', 'never consumed', 'handed out twice', 'accepted twice', 'written twice',
  'drained', 'lag 0', 'errors the app saw', 'longest pause', 'recover', 'time', 'explanation / problems'] as const

/** The table of rows, as aligned plain text. */
export function formatTable (rows: readonly Row[]): string {
  const cells = rows.map(r => {
    const c = r.counts
    const errors = c === null ? '-' : Object.entries(c.errors).map(([k, v]) => `${k}×${v}`).join(' ') || '-'
    const notes = [...r.problems, ...(r.explanation === '-' && r.problems.length > 0 ? [] : [r.explanation])].join('; ')
    return [r.scenario, r.pass ? 'PASS' : 'FAIL', ...(c === null
      ? ['-', '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', '-']
      : [String(c.produced), String(c.lost), String(c.ackInDoubt), String(c.neverConsumed), String(c.handedTwice), String(c.acceptedTwice), String(c.writtenTwice),
          String(c.drained), c.lagZero ? 'yes' : 'NO', errors, secs(c.longestPauseMs), secs(c.recoverMs)]), secs(r.durationMs), notes]
  })
  const all = [[...COLUMNS], ...cells]
  const widths = COLUMNS.map((_, i) => Math.max(...all.map(row => row[i]!.length)))
  return all.map(row => row.map((cell, i) => i === row.length - 1 ? cell : cell.padEnd(widths[i]!)).join(' | ')).join('\n')
}
