import { hostname } from 'node:os'
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import { randomBytes } from 'node:crypto'
import { CLIENT_SOFTWARE_VERSION } from '../../client/software.js'
import type { FrameworkEvents, Monitor, RecordEvent } from '../monitor.js'
import {
  clip, REPORT_FORMAT, REPORT_LIMITS, type HeldRecords, type ProcessReport, type ReportedError, type RunningJob, type TopicCounters
} from './report.js'

/** A topic route as the report lists it. */
export interface ReportedRoute {
  groupId: string
  topic: string
  dlq: string | null
}

/** A record the App holds now, as the report sees it. */
export interface HeldRecord {
  event: RecordEvent
  /** True while a job runs on it (else it waits for a worker, is paused or is being dead-lettered). */
  running: boolean
}

const ATTEMPT_BUCKETS = 6

/**
 * Builds {@link ProcessReport}s from the monitor's events (counters per group and topic,
 * recent errors) and what the App holds when a report is due (running jobs, held records).
 * Subscribes on construction; `close()` unsubscribes.
 */
export class ReportCollector {
  /** This process's report key. */
  readonly processId: string
  readonly #startedAt: number
  readonly #counters = new Map<string, TopicCounters>()
  // Insertion order is recency order: an error seen again is moved to the end, the oldest is evicted first.
  readonly #errors = new Map<string, ReportedError>()
  readonly #unsubscribe: Array<() => void> = []
  readonly #loopDelay: IntervalHistogram

  /**
   * @param monitor the App's monitor
   * @param routes every topic route of the App
   * @param now the App's clock
   */
  constructor (monitor: Monitor, routes: readonly ReportedRoute[], private readonly now: () => number) {
    this.#startedAt = now()
    this.processId = `${clip(hostname(), 64)}:${process.pid}:${randomBytes(3).toString('hex')}`
    for (const r of routes.slice(0, REPORT_LIMITS.routes)) this.#counters.set(`${r.groupId}\u0000${r.topic}`, emptyCounters(r))
    const record = (e: RecordEvent, bump: (c: TopicCounters) => void): void => {
      const c = this.#counters.get(`${e.groupId}\u0000${e.topic}`)
      if (c !== undefined) bump(c)
    }
    const decided = (c: TopicCounters, e: RecordEvent): void => { c.attempts[Math.min(e.deliveryAttempt, ATTEMPT_BUCKETS) - 1]++ }
    this.#on(monitor, 'listener.polled', (e) => { const c = this.#counters.get(`${e.groupId}\u0000${e.topic}`); if (c !== undefined) c.polled += e.count })
    this.#on(monitor, 'consumer.accepted', (e) => record(e, (c) => { c.accepted++; decided(c, e) }))
    this.#on(monitor, 'consumer.released', (e) => record(e, (c) => { c.released++; decided(c, e) }))
    this.#on(monitor, 'consumer.rejected', (e) => {
      record(e, (c) => { c.rejected++; decided(c, e) })
      // The error a record was rejected (dead-lettered) for is what an operator looks for first.
      if (e.error !== undefined) this.#error({ source: `rejected: ${e.reason}`, error: e.error, groupId: e.groupId, topic: e.topic, partition: e.partition, offset: e.offset })
    })
    this.#on(monitor, 'dlq.dispatched', (e) => record(e, (c) => { c.deadLettered++ }))
    this.#on(monitor, 'lock.renewed', (e) => { const c = this.#counters.get(`${e.groupId}\u0000${e.topic}`); if (c !== undefined) c.lockRenewals += e.count })
    this.#on(monitor, 'lock.expired', (e) => record(e, (c) => { c.lockExpiries++ }))
    this.#on(monitor, 'error.occurred', (e) => this.#error(e))
    this.#loopDelay = monitorEventLoopDelay({ resolution: 20 })
    this.#loopDelay.enable()
  }

  /** The report now; `held` is every record the App holds. Resets the event-loop delay window. */
  build (held: Iterable<HeldRecord>, state: ProcessReport['state'], intervalMs: number, concurrency: number): ProcessReport {
    const now = this.now()
    const jobs: RunningJob[] = []
    let jobsOmitted = 0
    const perPartition = new Map<string, HeldRecords>()
    for (const { event: e, running } of held) {
      const key = `${e.groupId}\u0000${e.topic}\u0000${e.partition}`
      const h = perPartition.get(key)
      if (h !== undefined) h.count++
      else if (perPartition.size < REPORT_LIMITS.held) perPartition.set(key, { groupId: e.groupId, topic: e.topic, partition: e.partition, count: 1 })
      if (!running) continue
      if (jobs.length >= REPORT_LIMITS.jobs) {
        jobsOmitted++
        continue
      }
      jobs.push({ groupId: e.groupId, topic: e.topic, partition: e.partition, offset: e.offset.toString(), deliveryAttempt: e.deliveryAttempt, runningMs: e.heldMs })
    }
    const ms = (ns: number): number => Math.round(ns / 1e5) / 10
    const loop = this.#loopDelay
    const eventLoopDelayMs = loop.count === 0 ? { p50: 0, p99: 0, max: 0 } : { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) }
    loop.reset()
    const { rss, heapUsed, heapTotal } = process.memoryUsage()
    return {
      format: REPORT_FORMAT,
      processId: this.processId,
      pid: process.pid,
      host: clip(hostname(), REPORT_LIMITS.name),
      startedAt: this.#startedAt,
      reportedAt: now,
      intervalMs,
      state,
      version: CLIENT_SOFTWARE_VERSION,
      concurrency,
      counters: [...this.#counters.values()].map((c) => ({ ...c, attempts: [...c.attempts] })),
      jobs: jobs.sort((a, b) => b.runningMs - a.runningMs),
      jobsOmitted,
      held: [...perPartition.values()],
      errors: [...this.#errors.values()].map((e) => ({ ...e })),
      memory: { rss, heapUsed, heapTotal },
      eventLoopDelayMs
    }
  }

  /** Unsubscribes from the monitor. */
  close (): void {
    for (const off of this.#unsubscribe.splice(0)) off()
    this.#loopDelay.disable()
  }

  #on<E extends keyof FrameworkEvents> (monitor: Monitor, event: E, handler: (payload: FrameworkEvents[E]) => void): void {
    this.#unsubscribe.push(monitor.on(event, handler))
  }

  #error (e: Omit<FrameworkEvents['error.occurred'], 'source'> & { source: string }): void {
    const error = e.error instanceof Error ? e.error : new Error(String(e.error))
    const cls = clip(error.name, REPORT_LIMITS.name)
    const message = clip(error.message, REPORT_LIMITS.message)
    const key = `${cls}\u0000${message}`
    const now = this.now()
    const seen = this.#errors.get(key)
    if (seen !== undefined) {
      this.#errors.delete(key)
      seen.count++
      seen.lastSeen = now
      this.#errors.set(key, seen)
    } else {
      if (this.#errors.size >= REPORT_LIMITS.errors) this.#errors.delete(this.#errors.keys().next().value as string)
      this.#errors.set(key, {
        class: cls,
        message,
        stack: clip(error.stack ?? '', REPORT_LIMITS.stack),
        source: e.source,
        groupId: e.groupId === undefined ? null : clip(e.groupId, REPORT_LIMITS.name),
        topic: e.topic === undefined ? null : clip(e.topic, REPORT_LIMITS.name),
        partition: e.partition ?? null,
        offset: e.offset === undefined ? null : e.offset.toString(),
        firstSeen: now,
        lastSeen: now,
        count: 1
      })
    }
    const c = e.groupId !== undefined && e.topic !== undefined ? this.#counters.get(`${e.groupId}\u0000${e.topic}`) : undefined
    if (c !== undefined) c.errors++
  }
}

function emptyCounters (r: ReportedRoute): TopicCounters {
  return {
    groupId: clip(r.groupId, REPORT_LIMITS.name),
    topic: clip(r.topic, REPORT_LIMITS.name),
    dlq: r.dlq === null ? null : clip(r.dlq, REPORT_LIMITS.name),
    polled: 0, accepted: 0, released: 0, rejected: 0, deadLettered: 0, lockRenewals: 0, lockExpiries: 0, errors: 0,
    attempts: new Array<number>(ATTEMPT_BUCKETS).fill(0)
  }
}
