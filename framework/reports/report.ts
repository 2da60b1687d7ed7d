/**
 * The status report every App process publishes when `reports` is on (one record per process
 * in a compacted topic, keyed by process id) and `kshare web` reads. Plain JSON; offsets are
 * strings (JSON has no 64-bit integers). Bounded: see {@link REPORT_LIMITS}.
 */

/** Version of the report format; a reader skips reports of versions it does not know. */
export const REPORT_FORMAT = 1

/** What bounds a report's size (every list and every free-text field is capped). */
export const REPORT_LIMITS = {
  /** Running jobs listed (the rest are counted in `jobsOmitted`). */
  jobs: 50,
  /** Distinct errors kept (by class and message); the least recently seen goes first. */
  errors: 20,
  /** Characters of an error message. */
  message: 300,
  /** Characters of a stack. */
  stack: 1200,
  /** Characters of a name (group, topic, class, host). */
  name: 249,
  /** Topic routes (group × topic) listed. */
  routes: 50,
  /** Partitions with held records listed. */
  held: 100,
  /**
   * The encoded report never exceeds this many bytes: lists full of the longest names could
   * (escaped, multi-byte), so `encodeReport` then drops stacks and halves the lists until it fits.
   */
  bytes: 64 * 1024
} as const

/** Counters of one topic of one share group, totals since the process started. */
export interface TopicCounters {
  groupId: string
  topic: string
  /** Dead letter topic, when the route has one. */
  dlq: string | null
  polled: number
  accepted: number
  released: number
  rejected: number
  deadLettered: number
  /** Lock renewals, per record. */
  lockRenewals: number
  lockExpiries: number
  errors: number
  /** Decided records (accepted, released, rejected) by delivery attempt: index 0 is attempt 1, the last bucket is 6 and more. */
  attempts: number[]
}

/** A job running now. */
export interface RunningJob {
  groupId: string
  topic: string
  partition: number
  offset: string
  deliveryAttempt: number
  /** Since the record was handed out, ms. */
  runningMs: number
}

/** Records this process holds the lock of in one partition (no broker API reports in-flight records). */
export interface HeldRecords {
  groupId: string
  topic: string
  partition: number
  count: number
}

/** One distinct error (by class and message) and how often it was seen. */
export interface ReportedError {
  class: string
  message: string
  stack: string
  source: string
  groupId: string | null
  topic: string | null
  partition: number | null
  offset: string | null
  firstSeen: number
  lastSeen: number
  count: number
}

/** One process's status report. */
export interface ProcessReport {
  format: typeof REPORT_FORMAT
  /** Unique per process run: host, pid and a random suffix (the record key). */
  processId: string
  pid: number
  host: string
  /** Epoch ms. */
  startedAt: number
  /** Epoch ms. */
  reportedAt: number
  /** The process reports this often; a reader calls it gone after a few intervals without a report. */
  intervalMs: number
  /** `stopped` is the last report of a process that stopped gracefully. */
  state: 'running' | 'stopped'
  /** kshare's version. */
  version: string
  concurrency: number
  counters: TopicCounters[]
  jobs: RunningJob[]
  jobsOmitted: number
  held: HeldRecords[]
  errors: ReportedError[]
  memory: { rss: number, heapUsed: number, heapTotal: number }
  /** Event-loop delay over the last interval, ms. */
  eventLoopDelayMs: { p50: number, p99: number, max: number }
}

/** Cuts `text` to `max` characters, marking the cut. */
export function clip (text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

/** The report as record value bytes, at most `REPORT_LIMITS.bytes` (see there). */
export function encodeReport (report: ProcessReport): Buffer {
  let r = report
  let bytes = Buffer.from(JSON.stringify(r), 'utf8')
  for (let round = 0; bytes.length > REPORT_LIMITS.bytes; round++) {
    const half = <T>(list: T[]): T[] => list.slice(0, Math.floor(list.length / 2))
    r = round === 0
      ? { ...r, errors: r.errors.map((e) => ({ ...e, stack: '' })) }
      : { ...r, jobs: half(r.jobs), jobsOmitted: r.jobsOmitted + r.jobs.length - half(r.jobs).length, held: half(r.held), errors: half(r.errors), counters: half(r.counters) }
    bytes = Buffer.from(JSON.stringify(r), 'utf8')
  }
  return bytes
}

/**
 * A report from record value bytes; `null` for a tombstone, another format or anything
 * that is not a report (the topic may hold foreign records: a reader must not crash on them).
 */
export function decodeReport (value: Buffer | null): ProcessReport | null {
  if (value === null) return null
  try {
    const r = JSON.parse(value.toString('utf8')) as Partial<ProcessReport>
    if (r === null || typeof r !== 'object' || r.format !== REPORT_FORMAT || typeof r.processId !== 'string') return null
    if (!Array.isArray(r.counters) || !Array.isArray(r.jobs) || !Array.isArray(r.errors) || !Array.isArray(r.held)) return null
    return r as ProcessReport
  } catch {
    return null
  }
}
