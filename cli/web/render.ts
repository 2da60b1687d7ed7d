/**
 * Pure view-model functions of `kshare web`: how record bytes are shown, dead letter headers
 * read, reports merged across processes. No I/O; the templates escape whatever these return.
 */
import type { KafkaRecord } from '../../protocol/index.js'
import { DLQ_HEADERS } from '../../framework/processing/dead-letter.js'
import type { ProcessReport, ReportedError } from '../../framework/reports/report.js'

/** Bytes as the page shows them. */
export interface RenderedBytes {
  kind: 'null' | 'json' | 'text' | 'hex'
  /** The text to show (escaped by the template). */
  text: string
  /** Size in bytes. */
  size: number
  /** True when `text` shows only the first bytes. */
  cut: boolean
}

/** Bytes shown at most per key, value or header. */
export const SHOWN_BYTES = 4096

/** Header carrying how often a dead letter was replayed (added by replay, kept across dead-lettering). */
export const REPLAY_COUNT_HEADER = 'kshare.replay.count'

/** JSON (pretty) when it parses as an object or array, text when it is printable UTF-8, else hex. */
export function renderBytes (bytes: Buffer | null): RenderedBytes {
  if (bytes === null) return { kind: 'null', text: 'null', size: 0, cut: false }
  const cut = bytes.length > SHOWN_BYTES
  const head = cut ? bytes.subarray(0, SHOWN_BYTES) : bytes
  const text = new TextDecoder('utf-8', { fatal: false }).decode(head)
  // U+FFFD: not UTF-8; control characters other than whitespace: binary.
  if (!text.includes('\uFFFD') && !/[\u0000-\u0008\u000E-\u001F\u007F]/.test(text)) {
    if (!cut && /^\s*[[{]/.test(text)) {
      try {
        return { kind: 'json', text: JSON.stringify(JSON.parse(text), null, 2), size: bytes.length, cut }
      } catch {}
    }
    return { kind: 'text', text, size: bytes.length, cut }
  }
  return { kind: 'hex', text: head.toString('hex').replace(/(.{2})/g, '$1 ').replace(/((?:.. ){16})/g, '$1\n').trim(), size: bytes.length, cut }
}

/** A record as the topic explorer and the dead letter page show it. */
export interface RecordView {
  partition: number
  offset: string
  timestamp: string
  key: RenderedBytes
  value: RenderedBytes
  headers: Array<{ key: string, value: string }>
  /** What the `kshare.*` DLQ headers say, when the record is a dead letter. */
  deadLetter: DeadLetterInfo | null
}

/** A dead letter's origin and failure, from the headers the framework writes. */
export interface DeadLetterInfo {
  topic: string
  partition: number | null
  offset: string
  attempt: string
  errorClass: string
  errorMessage: string
  replays: number
}

function headerText (record: KafkaRecord, key: string): string | undefined {
  let value: string | undefined
  for (const h of record.headers) if (h.key === key) value = h.value === null ? '' : h.value.toString('utf8')
  return value
}

/** The `kshare.*` headers of a dead letter; `null` when it has no original topic header. */
export function deadLetterInfo (record: KafkaRecord): DeadLetterInfo | null {
  const topic = headerText(record, DLQ_HEADERS.topic)
  if (topic === undefined) return null
  const partition = Number(headerText(record, DLQ_HEADERS.partition))
  return {
    topic,
    partition: Number.isInteger(partition) && partition >= 0 ? partition : null,
    offset: headerText(record, DLQ_HEADERS.offset) ?? '',
    attempt: headerText(record, DLQ_HEADERS.deliveryAttempt) ?? '',
    errorClass: headerText(record, DLQ_HEADERS.errorClass) ?? '',
    errorMessage: headerText(record, DLQ_HEADERS.errorMessage) ?? '',
    replays: replayCount(record)
  }
}

/** How often the record was replayed before. */
export function replayCount (record: KafkaRecord): number {
  const n = Number(headerText(record, REPLAY_COUNT_HEADER) ?? '0')
  return Number.isSafeInteger(n) && n > 0 ? n : 0
}

/** A record for the page. */
export function recordView (partition: number, record: KafkaRecord): RecordView {
  return {
    partition,
    offset: record.offset.toString(),
    timestamp: new Date(record.timestamp).toISOString(),
    key: renderBytes(record.key),
    value: renderBytes(record.value),
    headers: record.headers.map((h) => {
      const r = renderBytes(h.value)
      return { key: h.key, value: r.kind === 'json' ? r.text.replace(/\s*\n\s*/g, ' ') : r.text }
    }),
    deadLetter: deadLetterInfo(record)
  }
}

/** Key of a dismissal mark: the dead letter's coordinates. */
export function dismissKey (topic: string, partition: number, offset: bigint | string): string {
  return `${topic}/${partition}/${offset}`
}

/** A process is gone after this long without a report (three intervals, at least 15 s), ms. */
export function goneAfterMs (report: ProcessReport): number {
  return Math.max(3 * report.intervalMs, 15_000)
}

/** `running`, `stopped` (said so in its last report) or `gone` (no report for {@link goneAfterMs}). */
export function liveness (report: ProcessReport, now: number): 'running' | 'stopped' | 'gone' {
  if (report.state === 'stopped') return 'stopped'
  return now - report.reportedAt > goneAfterMs(report) ? 'gone' : 'running'
}

/** An error as the Errors page shows it: the same class and message across processes, counted together. */
export interface GroupedError extends ReportedError {
  processes: string[]
}

/** Errors of all processes grouped by class and message, most recently seen first. */
export function groupErrors (reports: readonly ProcessReport[]): GroupedError[] {
  const byKey = new Map<string, GroupedError>()
  for (const r of reports) {
    for (const e of r.errors) {
      const key = `${e.class}\u0000${e.message}`
      const g = byKey.get(key)
      if (g === undefined) {
        byKey.set(key, { ...e, processes: [r.processId] })
        continue
      }
      g.count += e.count
      g.firstSeen = Math.min(g.firstSeen, e.firstSeen)
      if (e.lastSeen > g.lastSeen) Object.assign(g, { lastSeen: e.lastSeen, stack: e.stack, source: e.source, groupId: e.groupId, topic: e.topic, partition: e.partition, offset: e.offset })
      if (!g.processes.includes(r.processId)) g.processes.push(r.processId)
    }
  }
  return [...byKey.values()].sort((a, b) => b.lastSeen - a.lastSeen)
}

/** A group's totals summed over every process that reported on it. */
export interface GroupTotals {
  accepted: number
  released: number
  rejected: number
  deadLettered: number
  lockExpiries: number
  lockRenewals: number
  errors: number
  /** Decided records by delivery attempt (bucket 6 is 6 and more). */
  attempts: number[]
  /** Records held now by live processes, per `topic/partition`. */
  held: Map<string, number>
  /** Dead letter topics of the group's routes. */
  dlqs: string[]
  /** Live processes consuming for the group. */
  processes: number
  /** The newest report that counted, epoch ms: the time of these totals. */
  reportedAt: number
}

/** Totals per share group from the reports (stopped and gone processes count for totals, not for held records). */
export function groupTotals (reports: readonly ProcessReport[], now: number): Map<string, GroupTotals> {
  const out = new Map<string, GroupTotals>()
  for (const r of reports) {
    const live = liveness(r, now) === 'running'
    const seen = new Set<string>()
    for (const c of r.counters) {
      let g = out.get(c.groupId)
      if (g === undefined) {
        out.set(c.groupId, g = { accepted: 0, released: 0, rejected: 0, deadLettered: 0, lockExpiries: 0, lockRenewals: 0, errors: 0, attempts: [0, 0, 0, 0, 0, 0], held: new Map(), dlqs: [], processes: 0, reportedAt: 0 })
      }
      g.accepted += c.accepted
      g.reportedAt = Math.max(g.reportedAt, r.reportedAt)
      g.released += c.released
      g.rejected += c.rejected
      g.deadLettered += c.deadLettered
      g.lockExpiries += c.lockExpiries
      g.lockRenewals += c.lockRenewals
      g.errors += c.errors
      c.attempts.forEach((n, i) => { if (i < g.attempts.length) g.attempts[i] += n })
      if (c.dlq !== null && !g.dlqs.includes(c.dlq)) g.dlqs.push(c.dlq)
      if (live && !seen.has(c.groupId)) {
        seen.add(c.groupId)
        g.processes++
      }
    }
    if (!live) continue
    for (const h of r.held) {
      const g = out.get(h.groupId)
      const key = `${h.topic}/${h.partition}`
      if (g !== undefined) g.held.set(key, (g.held.get(key) ?? 0) + h.count)
    }
  }
  return out
}

/** One sample of a group's totals (the overview's chart turns consecutive samples into rates). */
export interface Sample {
  /** Epoch ms. */
  at: number
  accepted: number
  deadLettered: number
}

/** Rates per second between consecutive samples: `[times (s), accepted/s, dead-lettered/s]`, uPlot's data layout. */
export function rates (samples: readonly Sample[]): [number[], number[], number[]] {
  const out: [number[], number[], number[]] = [[], [], []]
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]
    const b = samples[i]
    const dt = (b.at - a.at) / 1000
    if (dt <= 0) continue
    out[0].push(Math.round(b.at / 1000))
    // A process that went away takes its totals with it only if its report left the topic: never show a negative rate.
    out[1].push(Math.max(0, Math.round((b.accepted - a.accepted) / dt * 10) / 10))
    out[2].push(Math.max(0, Math.round((b.deadLettered - a.deadLettered) / dt * 10) / 10))
  }
  return out
}
