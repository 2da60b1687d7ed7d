import { finishedWithin } from '../../client/finished-within.js'
import type { AdminPort, ProducerPort } from '../client-ports.js'
import type { Logger } from '../logger.js'
import type { Monitor } from '../monitor.js'
import { ReportCollector, type HeldRecord, type ReportedRoute } from './collector.js'
import { encodeReport, type ProcessReport } from './report.js'

/** `reports` of {@link AppOptions}: publish a status report of this process to a topic. */
export interface ReportsOptions {
  /** Compacted topic the reports go to (created when missing), e.g. `kshare.reports`. `kshare web --reports` reads it. */
  topic: string
  /** A report this often, ms. Default 5000. */
  intervalMs?: number
  /** Replication factor when the topic is created. Default: the broker's default. */
  replicationFactor?: number
}

/** Configs of the reports topic: compacted (one live report per process), old reports cleaned after a day. */
export const REPORTS_TOPIC_CONFIGS: Readonly<Record<string, string>> = {
  'cleanup.policy': 'compact,delete',
  'retention.ms': String(24 * 3600_000),
  'segment.ms': String(3600_000)
}

/** What the reporter needs from the App. */
export interface ReporterContext {
  monitor: Monitor
  logger: Logger
  admin: AdminPort
  producer: () => ProducerPort
  routes: readonly ReportedRoute[]
  /** Every record the App holds now. */
  held: () => Iterable<HeldRecord>
  concurrency: number
  now: () => number
}

/** Time the topic's creation and the last report on stop may take, ms: reports never hold up a start or a stop for long. */
const REPORTS_TIMEOUT_MS = 5000

/**
 * Publishes this process's {@link ProcessReport} every `intervalMs` (and a last one, state
 * `stopped`, on stop). A failed publish is logged and the next one tried: reports never
 * break processing, nor wait for it. One publish at a time: a slow broker skips rounds rather
 * than queueing them.
 */
export class Reporter {
  readonly #collector: ReportCollector
  readonly #intervalMs: number
  #timer: ReturnType<typeof setInterval> | undefined
  #publishing: Promise<void> | undefined
  #started: Promise<void> = Promise.resolve()
  #stopping = false
  #failed = false

  /**
   * @param options see {@link ReportsOptions}
   * @param ctx what the App gives
   */
  constructor (private readonly options: ReportsOptions, private readonly ctx: ReporterContext) {
    this.#intervalMs = options.intervalMs ?? 5000
    this.#collector = new ReportCollector(ctx.monitor, ctx.routes, ctx.now)
  }

  /** In the background: creates the topic when missing (a refusal is a warning), publishes the first report, starts the timer. */
  start (): void {
    this.#started = (async () => {
      await this.#createTopic()
      if (this.#stopping) return
      this.#timer = setInterval(() => { void this.#publish('running') }, this.#intervalMs)
      this.#timer.unref()
      await this.#publish('running')
    })()
  }

  /** The report now (for tests and an HTTP endpoint). */
  report (state: ProcessReport['state'] = 'running'): ProcessReport {
    return this.#collector.build(this.ctx.held(), state, this.#intervalMs, this.ctx.concurrency)
  }

  /** Stops the timer and publishes the last report (state `stopped`), waiting for it at most a few seconds. */
  async stop (): Promise<void> {
    this.#stopping = true
    clearInterval(this.#timer)
    const last = (async () => {
      await this.#started
      await this.#publishing
      await this.#publish('stopped')
    })()
    await finishedWithin(last, REPORTS_TIMEOUT_MS)
    this.#collector.close()
  }

  async #createTopic (): Promise<void> {
    const { admin, logger } = this.ctx
    if (admin.createTopic === undefined) {
      logger.warn(`reports: this admin client cannot create topics; ${this.options.topic} must exist`)
      return
    }
    try {
      await admin.createTopic(this.options.topic, { replicationFactor: this.options.replicationFactor, configs: REPORTS_TOPIC_CONFIGS, timeoutMs: REPORTS_TIMEOUT_MS })
    } catch (error) {
      logger.warn(`reports: could not create ${this.options.topic} (${error instanceof Error ? error.message : String(error)}); reports are published only if it exists`)
    }
  }

  async #publish (state: ProcessReport['state']): Promise<void> {
    if (this.#publishing !== undefined) return
    this.#publishing = (async () => {
      try {
        const value = encodeReport(this.report(state))
        await this.ctx.producer().send({ topic: this.options.topic, messages: [{ key: Buffer.from(this.#collector.processId, 'utf8'), value }] })
        if (this.#failed) this.ctx.logger.info(`reports: publishing to ${this.options.topic} again`)
        this.#failed = false
      } catch (error) {
        // Once per outage, not every interval.
        if (!this.#failed) this.ctx.logger.warn(`reports: could not publish to ${this.options.topic}: ${error instanceof Error ? error.message : String(error)}`)
        this.#failed = true
      } finally {
        this.#publishing = undefined
      }
    })()
    await this.#publishing
  }
}
