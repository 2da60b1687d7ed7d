import { Admin } from '../../client/admin.js'
import type { ShareGroupDescription, ShareGroupPartitionOffset } from '../../client/admin.js'
import type { ClusterOptions } from '../../client/cluster.js'
import { PartitionReader } from '../../client/partition-reader.js'
import { Producer } from '../../client/producer.js'
import type { MessageHeader } from '../../client/producer.js'
import { decodeReport, type ProcessReport } from '../../framework/reports/report.js'
import {
  deadLetterInfo, dismissKey, groupTotals, recordView, REPLAY_COUNT_HEADER, replayCount, type GroupTotals, type RecordView, type Sample
} from './render.js'
import { TopicTail } from './topic-tail.js'

/** Where the dashboard reads and writes, and how long it keeps history. */
export interface DashboardDataOptions {
  /** How to reach Kafka. Credentials stay on the server: nothing of this goes to the browser. */
  kafka: ClusterOptions
  /** The topic kshare Apps publish their reports to (`reports: { topic }`). */
  reportsTopic: string
  /** kshare-owned compacted topic of dismissal marks (created on the first dismissal). */
  dismissedTopic: string
  /** Samples of the overview's chart, taken every `sampleEveryMs`. */
  sampleEveryMs: number
  /** History kept for the chart, ms. */
  historyMs: number
}

/** A share group on the overview. */
export interface GroupRow {
  groupId: string
  state: string
  members: number
  lag: bigint | null
  totals: GroupTotals | undefined
  /** Accepted records/s and dead-lettered records/s over the last sample interval. */
  acceptedPerSec: number | null
  deadLetteredPerSec: number | null
}

/** One partition on the share group page. */
export interface PartitionRow {
  topic: string
  partition: number
  startOffset: bigint | null
  endOffset: bigint | null
  lag: bigint | null
  held: number
  error: string | null
}

/** What replaying dead letters did. */
export interface ReplayOutcome {
  /** `dlq/partition/offset → topic-partition` per replayed record. */
  replayed: string[]
  /** Offsets asked for that are not dead letters of this page (no such offset, no kshare headers). */
  skipped: string[]
}

/** Records a page shows at most. */
export const PAGE_SIZE = 20

/**
 * Everything the pages show, read from Kafka: groups and offsets (Admin), partitions
 * (PartitionReader), process reports and dismissal marks (compacted topics, tailed), and the
 * actions (replay with the Producer, dismiss as a mark). Owns its clients; `close()` them.
 */
export class DashboardData {
  readonly admin: Admin
  readonly reader: PartitionReader
  readonly reports: TopicTail
  readonly dismissed: TopicTail
  readonly #options: DashboardDataOptions
  readonly #samples = new Map<string, Sample[]>()
  #producer: Producer | undefined
  #dismissedTopicReady = false

  /** @param options see {@link DashboardDataOptions} */
  constructor (options: DashboardDataOptions) {
    this.#options = options
    this.admin = new Admin({ ...options.kafka, apiTimeoutMs: 15_000 })
    this.reader = new PartitionReader({ ...options.kafka, readTimeoutMs: 15_000 })
    this.reports = new TopicTail(this.reader, options.reportsTopic)
    this.dismissed = new TopicTail(this.reader, options.dismissedTopic)
  }

  /** The latest report of every process, newest first. */
  processReports (): ProcessReport[] {
    const out: ProcessReport[] = []
    for (const e of this.reports.entries.values()) {
      const r = decodeReport(e.value)
      if (r !== null) out.push(r)
    }
    return out.sort((a, b) => b.startedAt - a.startedAt)
  }

  /** Catches up on the reports and samples each group's totals for the chart (a sample per newer report). */
  async sample (now = Date.now()): Promise<void> {
    await this.reports.poll()
    for (const [groupId, t] of groupTotals(this.processReports(), now)) {
      let list = this.#samples.get(groupId)
      if (list === undefined) this.#samples.set(groupId, list = [])
      // Timed by the reports, not by this poll: a poll between two reports would read as a rate of 0.
      const last = list.at(-1)
      if (last === undefined || t.reportedAt > last.at) list.push({ at: t.reportedAt, accepted: t.accepted, deadLettered: t.deadLettered })
      while (list.length > 2 && list[0].at < now - this.#options.historyMs) list.shift()
    }
  }

  /** The chart's samples of a group. */
  samples (groupId: string): readonly Sample[] {
    return this.#samples.get(groupId) ?? []
  }

  /** Every share group with state, members, lag and the reports' totals. */
  async groups (now = Date.now()): Promise<GroupRow[]> {
    const totals = groupTotals(this.processReports(), now)
    const listed = await this.admin.listGroups({ types: ['share'] })
    return await Promise.all(listed.sort((a, b) => a.groupId.localeCompare(b.groupId)).map(async (g) => {
      const [description, offsets] = await Promise.all([
        this.admin.describeShareGroup(g.groupId).catch(() => undefined),
        this.admin.describeShareGroupOffsets(g.groupId).catch(() => [] as ShareGroupPartitionOffset[])
      ])
      const s = this.samples(g.groupId)
      const last = s.length >= 2 ? [s[s.length - 2], s[s.length - 1]] : undefined
      const per = (f: (x: Sample) => number): number | null => last === undefined || last[1].at === last[0].at
        ? null
        : Math.max(0, Math.round((f(last[1]) - f(last[0])) / ((last[1].at - last[0].at) / 1000) * 10) / 10)
      return {
        groupId: g.groupId,
        state: description?.state ?? g.state,
        members: description?.members.length ?? 0,
        lag: sumLag(offsets),
        totals: totals.get(g.groupId),
        acceptedPerSec: per((x) => x.accepted),
        deadLetteredPerSec: per((x) => x.deadLettered)
      }
    }))
  }

  /** A share group's description, configs and partitions (start, end, lag, held). */
  async group (groupId: string, now = Date.now()): Promise<{ description: ShareGroupDescription, configs: Record<string, string | null>, partitions: PartitionRow[], totals: GroupTotals | undefined }> {
    const [description, offsets, configs] = await Promise.all([
      this.admin.describeShareGroup(groupId),
      this.admin.describeShareGroupOffsets(groupId),
      this.admin.describeGroupConfigs(groupId, { keys: ['share.record.lock.duration.ms', 'share.delivery.count.limit', 'share.auto.offset.reset', 'share.isolation.level'] })
    ])
    const totals = groupTotals(this.processReports(), now).get(groupId)
    const partitions = await Promise.all(offsets.map(async (o): Promise<PartitionRow> => {
      const end = await this.reader.offsets(o.topic, o.partition).then((x) => x.end, () => null)
      return {
        topic: o.topic,
        partition: o.partition,
        startOffset: o.startOffset,
        endOffset: end,
        lag: o.lag,
        held: totals?.held.get(`${o.topic}/${o.partition}`) ?? 0,
        error: o.error?.message ?? null
      }
    }))
    return { description, configs: Object.fromEntries(Object.entries(configs).map(([k, v]) => [k, v.value])), partitions, totals }
  }

  /** Dead letter topics named by the reports' routes. */
  deadLetterTopics (): string[] {
    const out = new Set<string>()
    for (const r of this.processReports()) for (const c of r.counters) if (c.dlq !== null) out.add(c.dlq)
    return [...out].sort()
  }

  /**
   * One page of a partition, newest first: the `PAGE_SIZE` records below `before` (default:
   * the end), with `older` the `before` of the next page (null on the last).
   */
  async newestFirst (topic: string, partition: number, before: bigint | undefined): Promise<{ records: RecordView[], older: bigint | null, start: bigint, end: bigint }> {
    const { start, end } = await this.reader.offsets(topic, partition)
    const upTo = before === undefined || before > end ? end : before
    const from = upTo - BigInt(PAGE_SIZE) > start ? upTo - BigInt(PAGE_SIZE) : start
    const records: RecordView[] = []
    let offset = from
    while (offset < upTo) {
      const read = await this.reader.read(topic, partition, offset, { maxRecords: PAGE_SIZE })
      for (const r of read.records) if (r.offset < upTo) records.push(recordView(partition, r))
      if (read.records.length === 0 || read.nextOffset <= offset) break
      offset = read.nextOffset
    }
    return { records: records.reverse(), older: from > start ? from : null, start, end }
  }

  /** Records of a partition from an offset (or the first at or after a timestamp), oldest first. */
  async explore (topic: string, partition: number, from: { offset: bigint } | { timestampMs: number }): Promise<{ records: RecordView[], next: bigint, start: bigint, end: bigint }> {
    const offset = 'offset' in from ? from.offset : await this.reader.offsetForTime(topic, partition, from.timestampMs)
    const bounds = await this.reader.offsets(topic, partition)
    if (offset === null) return { records: [], next: bounds.end, start: bounds.start, end: bounds.end }
    const read = await this.reader.read(topic, partition, offset, { maxRecords: PAGE_SIZE })
    return { records: read.records.map((r) => recordView(partition, r)), next: read.nextOffset, start: bounds.start, end: bounds.end }
  }

  /** True when a dismissal mark exists for this dead letter. */
  isDismissed (topic: string, partition: number, offset: string): boolean {
    return this.dismissed.entries.has(dismissKey(topic, partition, offset))
  }

  /**
   * Writes dead letters back to their original topic and partition: key, value and headers
   * kept, `kshare.replay.count` set to one more than before. Only records carrying the
   * framework's `kshare.original.topic` header are replayed.
   */
  async replay (dlq: string, partition: number, offsets: readonly bigint[]): Promise<ReplayOutcome> {
    const outcome: ReplayOutcome = { replayed: [], skipped: [] }
    const producer = this.#producer ??= new Producer({ ...this.#options.kafka })
    for (const offset of offsets) {
      const [record] = (await this.reader.read(dlq, partition, offset, { maxRecords: 1 })).records
      const info = record !== undefined && record.offset === offset ? deadLetterInfo(record) : null
      if (record === undefined || info === null) {
        outcome.skipped.push(`${dlq}/${partition}/${offset}`)
        continue
      }
      const headers: MessageHeader[] = record.headers.filter((h) => h.key !== REPLAY_COUNT_HEADER).map((h) => ({ key: h.key, value: h.value === null ? null : Buffer.from(h.value) }))
      headers.push({ key: REPLAY_COUNT_HEADER, value: String(replayCount(record) + 1) })
      const [result] = await producer.send({
        topic: info.topic,
        messages: [{ key: record.key === null ? null : Buffer.from(record.key), value: record.value === null ? null : Buffer.from(record.value), headers, ...(info.partition !== null ? { partition: info.partition } : {}) }]
      })
      outcome.replayed.push(`${dlq}/${partition}/${offset} → ${result.topic}-${result.partition}@${result.baseOffset}`)
    }
    return outcome
  }

  /** Marks dead letters as dismissed: a record keyed `topic/partition/offset` in the dismissal topic (never a tombstone in the DLQ). */
  async dismiss (dlq: string, partition: number, offsets: readonly bigint[], by: string): Promise<string[]> {
    if (!this.#dismissedTopicReady) {
      await this.admin.createTopics([{ name: this.#options.dismissedTopic, partitions: 1, configs: { 'cleanup.policy': 'compact' } }], { ifNotExists: true })
      this.#dismissedTopicReady = true
    }
    const producer = this.#producer ??= new Producer({ ...this.#options.kafka })
    const keys = offsets.map((o) => dismissKey(dlq, partition, o))
    await producer.send({
      topic: this.#options.dismissedTopic,
      messages: keys.map((key) => ({ key, value: JSON.stringify({ dismissedAt: new Date().toISOString(), by }) }))
    })
    await this.dismissed.poll()
    return keys
  }

  /**
   * Sets the start offset of every partition the group has state for to the log's start or
   * end (AlterShareGroupOffsets; the broker refuses unless the group is empty). Returns
   * `topic-partition@offset` per partition.
   */
  async resetOffsets (groupId: string, to: 'earliest' | 'latest'): Promise<string[]> {
    const partitions = await this.admin.describeShareGroupOffsets(groupId)
    const changes = await Promise.all(partitions.map(async (p) => {
      const bounds = await this.reader.offsets(p.topic, p.partition)
      return { topic: p.topic, partition: p.partition, offset: to === 'earliest' ? bounds.start : bounds.end }
    }))
    await this.admin.alterShareGroupOffsets(groupId, changes)
    return changes.map((c) => `${c.topic}-${c.partition}@${c.offset}`)
  }

  /** Closes the clients. */
  async close (): Promise<void> {
    await Promise.allSettled([this.admin.close(), this.reader.close(), this.#producer?.close()])
  }
}

/** Sum of known lags; null when none is known. */
export function sumLag (offsets: readonly ShareGroupPartitionOffset[]): bigint | null {
  const known = offsets.filter((o) => o.lag !== null)
  return known.length === 0 ? null : known.reduce((sum, o) => sum + (o.lag ?? 0n), 0n)
}
