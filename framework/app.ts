import { finishedWithin } from '../client/finished-within.js'
import type { AdminPort, KafkaClientFactory, ProducerPort } from './client-ports.js'
import { FrameworkError, InvalidSettingError, RoutingError, ShutdownTimeoutError } from './errors.js'
import { setUpGroup } from './group-setup.js'
import { kshareClients, type KafkaConnection } from './kafka-clients.js'
import { Listener } from './listener.js'
import { jobsPlanFor } from './processing/jobs-builders.js'
import { consoleLogger, type Logger } from './logger.js'
import { Monitor } from './monitor.js'
import type { HeldRecord } from './reports/collector.js'
import { Reporter, type ReportsOptions } from './reports/reporter.js'
import type { HttpRoutes } from './ops/http-server.js'
import type { MetricsRegistry } from './ops/metrics-registry.js'
import { Operations, type HttpEndpointOptions, type RunOptions } from './ops/operations.js'
import { isSwarmWorker } from './ops/swarm.js'
import { systemClock, type Clock, type DeadLetterMode, type TopicRuntime } from './processing/topic-runtime.js'
import { WorkerPool } from './processing/worker-pool.js'
import { Routes } from './routing/routes.js'
import { SHARE_GROUP_DEFAULTS, type ShareGroupDefaults } from './routing/share-group.js'

/** Defaults for every share group of the App (each group's `g.kafka()` and each topic's options override them). */
export interface ShareGroupsOptions extends Partial<ShareGroupDefaults> {
  /**
   * Renew acquisition locks (KIP-1222) where the broker and group allow it: long jobs keep their
   * records, and `pause()` may hold a record for any time. Default true. With `false`,
   * `pause()` must fit in the lock (less `shareBackoffBuffer`).
   */
  renew?: boolean
  /** Renew a lock once this fraction of it has run. Default 0.7. */
  autoRenewAt?: number
}

/** `new App({...})`. */
export interface AppOptions {
  /** How to reach Kafka (passed to the share consumers, producer and admin client). */
  kafka: KafkaConnection
  /** Defaults for share groups. */
  shareGroups?: ShareGroupsOptions
  /** Jobs running at once, across all topics. Default 5. */
  concurrency?: number
  /** Longest wait of one poll, ms. Default 1000. */
  pollTimeoutMs?: number
  /** Default time `stop()` gives running jobs, ms. Default 30 000. */
  shutdownTimeoutMs?: number
  /** Where the framework logs. Default: info and above to stderr. */
  logger?: Logger
  /** Stop gracefully on SIGINT and SIGTERM while running. Default true. */
  handleSignals?: boolean
  /** What a refused group config does at start: `fail` (default) or `warn`. */
  onGroupConfigRefused?: 'fail' | 'warn'
  /** Interval of `statistics.emitted` (counters and lag), ms; 0 turns it off. Default 5000. */
  statisticsIntervalMs?: number
  /** The Kafka clients; default kshare's own. Tests and custom transports pass their own. */
  clients?: KafkaClientFactory
  /** Time source; tests pass their own. */
  clock?: Clock
  /** Publish a status report of this process to a compacted topic every few seconds (for `kshare web`). Default off. */
  reports?: ReportsOptions
  /**
   * An HTTP endpoint with `/healthz`, `/readyz` and `/metrics` (needs `prom-client`). Default off.
   * In swarm mode the primary serves it for all workers.
   */
  http?: HttpEndpointOptions
  /** Register the App's Prometheus metrics here (your prom-client `Registry`) instead of the App's own. */
  registry?: MetricsRegistry
  /** OpenTelemetry spans per job (`@opentelemetry/api`). Default: on when the package is installed; `true` requires it. */
  tracing?: boolean
}

/** `app.stop({...})`. */
export interface StopOptions {
  /** Time running jobs get to finish, ms. Default: the App's `shutdownTimeoutMs`. */
  timeoutMs?: number
}

/**
 * A Karafka-style job-processing App on share groups:
 * ```ts
 * const app = new App({ kafka: { bootstrapServers: ['localhost:9092'] } })
 * app.routes.draw(r => r.shareGroup('jobs', g => g.topic('tasks', t => t.consumer(TasksConsumer))))
 * await app.run()   // until app.stop(), SIGINT or SIGTERM
 * ```
 * Start: each share group's configs are read and the ones the routes set are applied; then
 * every topic gets a share consumer and a listener. Stop: polling stops, running jobs get
 * `timeoutMs`, paused records are released, acknowledgements are flushed, share sessions are
 * closed and the group left.
 */
export class App {
  /** The routes; declare them with `draw` before `run`. */
  readonly routes: Routes
  /** Events, diagnostics channels and counters. */
  readonly monitor: Monitor
  /** The App's logger. */
  readonly logger: Logger
  readonly #options: AppOptions
  readonly #ops: Operations
  #swarm = false
  #started = false
  readonly #clock: Clock
  readonly #pool: WorkerPool
  readonly #renew: boolean
  readonly #autoRenewAt: number
  readonly #listeners: Listener[] = []
  #admin: AdminPort | undefined
  #producer: ProducerPort | undefined
  #starting: Promise<void> | undefined
  #running: Promise<void> | undefined
  #stopping: Promise<void> | undefined
  #stopped: () => void = () => {}
  readonly #whenStopped = new Promise<void>((resolve) => { this.#stopped = resolve })
  #statistics: ReturnType<typeof setInterval> | undefined
  #reports: Reporter | undefined
  #fatal: { error: unknown } | undefined
  readonly #onSignal = (signal: NodeJS.Signals): void => {
    this.logger.info(`${signal}: stopping`)
    void this.stop()
  }

  /** @param options see {@link AppOptions} */
  constructor (options: AppOptions) {
    this.#options = options
    this.logger = options.logger ?? consoleLogger()
    this.monitor = new Monitor(this.logger)
    this.#clock = options.clock ?? systemClock
    const { renew, autoRenewAt, ...defaults } = options.shareGroups ?? {}
    this.#renew = renew ?? true
    this.#autoRenewAt = autoRenewAt ?? 0.7
    if (!(this.#autoRenewAt > 0 && this.#autoRenewAt < 1)) throw new InvalidSettingError('shareGroups.autoRenewAt', `autoRenewAt must be between 0 and 1 (a fraction of the lock), got ${this.#autoRenewAt}`)
    for (const name of ['pollTimeoutMs', 'shutdownTimeoutMs', 'statisticsIntervalMs'] as const) {
      const value = options[name]
      if (value !== undefined && !(Number.isInteger(value) && value >= 0)) throw new InvalidSettingError(name, `${name} must be an integer ≥ 0 (ms), got ${value}`)
    }
    this.#pool = new WorkerPool(options.concurrency ?? 5)
    this.#ops = new Operations({ http: options.http, registry: options.registry, tracing: options.tracing, pollTimeoutMs: options.pollTimeoutMs ?? 1000 }, this.monitor, this.logger)
    this.routes = new Routes({ ...SHARE_GROUP_DEFAULTS, ...defaults, kafka: { ...SHARE_GROUP_DEFAULTS.kafka, ...defaults.kafka } })
  }

  /** True in a worker process of a swarm (`run({ processes })` forked it). */
  static get isWorker (): boolean {
    return isSwarmWorker()
  }

  static #setups = 0

  /**
   * One-time set-up for swarm mode, where every worker re-runs the entry script: in the
   * primary (or without a swarm) runs `fn` and hands its JSON-serializable result to the
   * workers forked later; in a worker returns that result without running `fn`. Call it the
   * same number of times, in the same order, in every process (e.g. at the top of the script).
   */
  static async setup<T> (fn: () => T | Promise<T>): Promise<T> {
    const key = `KSHARE_SWARM_SETUP_${App.#setups++}`
    if (isSwarmWorker()) {
      const value = process.env[key]
      if (value === undefined) throw new FrameworkError(`App.setup: no result for call ${App.#setups} from the primary; call App.setup in the same order in every process`)
      return JSON.parse(value) as T
    }
    const result = await fn()
    // Forked workers inherit the primary's environment.
    process.env[key] = JSON.stringify(result ?? null)
    return result
  }

  /** The HTTP endpoint (with the `http` option): add routes with `app.http.route(path, handler)`. */
  get http (): HttpRoutes | undefined {
    return this.#ops.http
  }

  /** The port the HTTP endpoint listens on, once started. */
  get httpPort (): number | undefined {
    return this.#ops.port
  }

  /** The Prometheus registry of the App's metrics, once started (with `http` or `registry`). */
  get registry (): MetricsRegistry | undefined {
    return this.#ops.registry
  }

  /**
   * Starts the App; resolves once it has stopped (`stop()`, SIGINT, SIGTERM). Rejects when it
   * cannot start (a {@link GroupConfigError}, no routes, the broker unreachable), after
   * closing what it opened, and when a share consumer fails for good (after a graceful stop).
   * With `processes` (swarm mode) this process forks and supervises that many workers, which
   * run the App; in a worker, `processes` is ignored.
   */
  run (options: RunOptions = {}): Promise<void> {
    this.#running ??= options.processes !== undefined && !isSwarmWorker() ? this.#runSwarm(options) : this.#run()
    return this.#running
  }

  /** Stops gracefully (idempotent: every call returns the same promise). In a swarm primary: stops every worker. */
  stop (options: StopOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? this.#options.shutdownTimeoutMs ?? 30_000
    // A worker's stop also closes its sessions and leaves its groups after the jobs' time.
    this.#stopping ??= this.#swarm ? this.#stopSwarm(timeoutMs + 15_000) : this.#shutdown(timeoutMs)
    return this.#stopping
  }

  async #runSwarm (options: RunOptions): Promise<void> {
    this.#swarm = true
    this.#handleSignals()
    try {
      await this.#ops.startSwarm(options)
    } catch (err) {
      await this.stop({ timeoutMs: 0 })
      throw err
    }
    await this.#whenStopped
  }

  async #stopSwarm (timeoutMs: number): Promise<void> {
    await this.#ops.stopSwarm(timeoutMs)
    await this.#ops.close()
    this.#unhandleSignals()
    this.#stopped()
  }

  #handleSignals (): void {
    if (this.#options.handleSignals === false) return
    process.on('SIGINT', this.#onSignal)
    process.on('SIGTERM', this.#onSignal)
  }

  #unhandleSignals (): void {
    process.off('SIGINT', this.#onSignal)
    process.off('SIGTERM', this.#onSignal)
  }

  async #run (): Promise<void> {
    if (this.#stopping !== undefined) throw new FrameworkError('this App was stopped; create a new one to run again')
    this.#handleSignals()
    this.#starting = this.#start()
    try {
      await this.#starting
    } catch (err) {
      await this.stop({ timeoutMs: 0 })
      throw err
    }
    await this.#whenStopped
    if (this.#fatal !== undefined) throw this.#fatal.error
  }

  // A share consumer stopped for good (e.g. share groups disabled on the broker): stop the App; run() rejects with the error.
  #fail (error: unknown): void {
    this.#fatal ??= { error }
    this.logger.error(`stopping: ${error instanceof Error ? error.message : String(error)}`)
    void this.stop()
  }

  async #start (): Promise<void> {
    const started = this.#clock.now()
    this.routes.lock()
    const groups = this.routes.shareGroups
    if (groups.length === 0) throw new RoutingError(['no routes: declare them with app.routes.draw(...) before run()'])
    await this.#ops.prepare(false)
    // Up before the groups are set up: /readyz says "starting" meanwhile.
    await this.#ops.serve({
      listeners: () => this.#listeners.map((l) => l.probe()),
      started: () => this.#started,
      stopping: () => this.#stopping !== undefined
    })
    const clients = this.#options.clients ?? kshareClients(this.#options.kafka, this.logger)
    const admin = this.#admin = clients.admin()
    for (const group of groups) {
      const facts = await setUpGroup(admin, group, { renew: this.#renew, onGroupConfigRefused: this.#options.onGroupConfigRefused ?? 'fail' }, this.logger, this.monitor)
      if (this.#stopping !== undefined) return
      for (const topic of group.topics) {
        // The most one poll can ask for at full concurrency (e.g. one record per worker for per_message jobs).
        const maxPollRecords = jobsPlanFor(topic.settings.jobsBuilder, topic.virtualPartitions).pollLimit(this.#pool.concurrency, topic.consumerSettings.maxPollRecords)
        const consumer = clients.shareConsumer({ ...topic.consumerSettings, maxPollRecords })
        const deadLetter: DeadLetterMode = topic.deadLetterQueue === undefined ? 'none' : facts.brokerDeadLetterQueue ? 'broker' : 'client'
        const rt: TopicRuntime = {
          topic,
          consumer,
          maxPollRecords,
          monitor: this.monitor,
          logger: this.logger,
          clock: this.#clock,
          renew: facts.renew,
          autoRenewAt: this.#autoRenewAt,
          lockDurationMs: () => consumer.acquisitionLockTimeoutMs ?? facts.lockDurationMs ?? 30_000,
          deadLetter,
          producer: () => (this.#producer ??= clients.producer()),
          tracer: this.#ops.tracer
        }
        this.#listeners.push(new Listener(rt, this.#pool, this.#options.pollTimeoutMs ?? 1000, (error) => this.#fail(error)))
      }
    }
    for (const listener of this.#listeners) listener.start()
    this.#startStatistics()
    if (this.#options.reports !== undefined) {
      this.#reports = new Reporter(this.#options.reports, {
        monitor: this.monitor,
        logger: this.logger,
        admin,
        producer: () => (this.#producer ??= clients.producer()),
        routes: groups.flatMap((g) => g.topics.map((t) => ({ groupId: g.id, topic: t.name, dlq: t.deadLetterQueue?.topic ?? null }))),
        held: () => this.#held(),
        concurrency: this.#pool.concurrency,
        now: () => this.#clock.now()
      })
      this.#reports.start()
    }
    this.#started = true
    this.logger.info('started', { groups: groups.map((g) => g.id), topics: this.#listeners.length, concurrency: this.#pool.concurrency })
    this.monitor.emit('app.started', { groups: groups.map((g) => g.id), topics: this.#listeners.length, durationMs: this.#clock.now() - started })
  }

  async #shutdown (timeoutMs: number): Promise<void> {
    const started = this.#clock.now()
    const deadline = started + timeoutMs
    await this.#starting?.catch(() => {})
    for (const listener of this.#listeners) listener.stop()
    if (!await finishedWithin(this.#pool.idle(), deadline - this.#clock.now(), this.#clock)) {
      const error = new ShutdownTimeoutError(timeoutMs, this.#pool.busy)
      this.logger.warn(error.message)
      this.monitor.emit('error.occurred', { source: 'shutdown', error })
    }
    await Promise.all(this.#listeners.map(async (l) => await l.close(deadline)))
    await this.#reports?.stop()
    await this.#close(this.#producer)
    await this.#close(this.#admin)
    clearInterval(this.#statistics)
    await this.#ops.close()
    this.#unhandleSignals()
    this.logger.info('stopped')
    this.monitor.emit('app.stopped', { durationMs: this.#clock.now() - started })
    this.#stopped()
  }

  async #close (client: { close (): Promise<void> } | undefined): Promise<void> {
    try {
      await client?.close()
    } catch (error) {
      this.monitor.emit('error.occurred', { source: 'shutdown', error })
    }
  }

  * #held (): IterableIterator<HeldRecord> {
    for (const l of this.#listeners) {
      for (const t of l.inFlight.live()) yield { event: l.inFlight.event(t), running: t.state === 'running' }
    }
  }

  #startStatistics (): void {
    const every = this.#options.statisticsIntervalMs ?? 5000
    if (every === 0) return
    this.#statistics = setInterval(() => { void this.#emitStatistics() }, every)
    this.#statistics.unref()
  }

  async #emitStatistics (): Promise<void> {
    const admin = this.#admin
    let lag
    if (admin?.shareGroupLag !== undefined) {
      try {
        lag = (await Promise.all(this.routes.shareGroups.map(async (g) => (await admin.shareGroupLag?.(g.id) ?? []).map((p) => ({ ...p, groupId: g.id }))))).flat()
        const known = lag.filter((p) => p.lag !== null)
        this.monitor.counters.lag = known.length === 0 ? null : known.reduce((sum, p) => sum + (p.lag ?? 0), 0)
      } catch (error) {
        this.monitor.emit('error.occurred', { source: 'statistics', error })
      }
    }
    this.monitor.emit('statistics.emitted', { counters: { ...this.monitor.counters }, lag })
  }
}
