/**
 * What an App needs to run in production, kept out of the App itself: the HTTP endpoint
 * (`/healthz`, `/readyz`, `/metrics`), the Prometheus metrics, the OpenTelemetry job spans and
 * swarm mode. The App calls in at a few points: prepare, serve, close, and the swarm's start/stop.
 */
import cluster from 'node:cluster'
import { availableParallelism } from 'node:os'
import { InvalidSettingError, MissingDependencyError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { Monitor } from '../monitor.js'
import type { JobSpans } from '../processing/topic-runtime.js'
import { EventLoopWatch, liveness, readiness, type HealthReport, type ListenerProbe, type LivenessLimits } from './health.js'
import { OpsHttpServer, sendJson } from './http-server.js'
import { AppMetrics, registered } from './metrics.js'
import type { MetricsRegistry } from './metrics-registry.js'
import { importOtelApi, importPromClient, type PromClientModule } from './optional.js'
import { answerStatusRequests, isSwarmWorker, Swarm, type SwarmOptions, type WorkerAnswer, type WorkerStatus } from './swarm.js'
import { JobTracer } from './tracing.js'

/** `new App({ http: {...} })`: the HTTP endpoint for probes and metrics (off unless given). */
export interface HttpEndpointOptions {
  /** Port; 0 picks a free one (see `app.httpPort`). */
  port: number
  /** Address to listen on. Default `127.0.0.1` (set `0.0.0.0` in a container). */
  host?: string
  /** `/healthz` fails after an event loop stall longer than this, ms. Default 1000. */
  eventLoopBlockedMs?: number
  /** ...for this long after the stall, ms. Default 10 000. */
  eventLoopRecentMs?: number
  /** `/healthz` fails when a listener's poll has not returned for this long, ms. Default `pollTimeoutMs` + 30 000. */
  pollStuckMs?: number
  /** `/readyz` counts a member that has had no partition for this long after joining as idle (ready), ms. Default 30 000. */
  idleAfterMs?: number
  /** Swarm primary: how long a worker gets to answer a status request, ms. Default 800 (a probe's default timeout is 1 s). */
  workerTimeoutMs?: number
}

/** `app.run({...})`. */
export interface RunOptions {
  /**
   * Swarm mode: fork this many worker processes (`'auto'`: one per core) that each run the
   * entry script and the App; this process supervises them. Default: run in this process.
   */
  processes?: number | 'auto'
  /** Backoff before a dead worker is restarted; it grows with the worker's recent deaths. Default 500 ms to 30 s. */
  restartBackoff?: { initialMs: number, maxMs: number }
  /** This many deaths of one worker within `windowMs` are reported as a crash loop (log, event, `/healthz`). Default 5 in 60 s. */
  crashLoop?: { exits: number, windowMs: number }
}

/** What the App tells its operations about itself. */
export interface AppProbe {
  /** Every listener's probe. */
  listeners (): ListenerProbe[]
  /** Started (listeners polling). */
  started (): boolean
  /** Stopping or stopped. */
  stopping (): boolean
}

/** The App's production features (framework-internal). */
export class Operations {
  /** The HTTP endpoint, when the `http` option is set; add routes with `route()`. */
  readonly http: OpsHttpServer | undefined
  #tracer: JobTracer | undefined
  #prom: PromClientModule | undefined
  #registry: MetricsRegistry | undefined
  #metrics: AppMetrics | undefined
  #watch: EventLoopWatch | undefined
  #swarm: Swarm | undefined
  #port: number | undefined
  #unanswer: (() => void) | undefined
  readonly #limits: LivenessLimits

  /**
   * @param options the App's `http`, `registry` and `tracing` options and its poll timeout
   * @param monitor the App's monitor
   * @param logger the App's logger
   */
  constructor (private readonly options: { http?: HttpEndpointOptions, registry?: MetricsRegistry, tracing?: boolean, pollTimeoutMs: number },
    private readonly monitor: Monitor, private readonly logger: Logger) {
    const http = options.http
    if (http !== undefined) {
      if (!(Number.isInteger(http.port) && http.port >= 0 && http.port < 65536)) throw new InvalidSettingError('http.port', `http.port must be a port number (0 picks one), got ${http.port}`)
      this.http = new OpsHttpServer()
    }
    this.#limits = {
      eventLoopBlockedMs: http?.eventLoopBlockedMs ?? 1000,
      eventLoopRecentMs: http?.eventLoopRecentMs ?? 10_000,
      pollStuckMs: http?.pollStuckMs ?? options.pollTimeoutMs + 30_000
    }
  }

  /** The port the endpoint listens on, once it does. */
  get port (): number | undefined {
    return this.#port
  }

  /** Job spans, when tracing is on (after `prepare`). */
  get tracer (): JobSpans | undefined {
    return this.#tracer
  }

  /** The registry holding the App's metrics (the `registry` option, or the App's own), once prepared. */
  get registry (): MetricsRegistry | undefined {
    return this.#registry
  }

  /** Loads what the options need: prom-client for metrics, @opentelemetry/api for spans (not in a swarm primary). */
  async prepare (primary: boolean): Promise<void> {
    if (this.options.http !== undefined || this.options.registry !== undefined) {
      const prom = this.#prom = await importPromClient(this.options.http !== undefined ? 'the http option (/metrics)' : 'the registry option')
      this.#registry = this.options.registry ?? new prom.Registry()
      if (!primary) this.#metrics = new AppMetrics(prom, this.#registry, this.monitor)
    }
    if (!primary && this.options.tracing !== false) {
      const api = await importOtelApi()
      if (api === undefined && this.options.tracing === true) throw new MissingDependencyError('@opentelemetry/api', 'the tracing option')
      if (api !== undefined) this.#tracer = new JobTracer(api, this.monitor)
    }
  }

  /** In-process App (or swarm worker) started: serves the endpoint, or answers the primary. */
  async serve (app: AppProbe): Promise<void> {
    if (isSwarmWorker()) {
      this.#watch = new EventLoopWatch(100, this.#limits.eventLoopRecentMs)
      this.#unanswer = answerStatusRequests(async (metrics) => await this.#status(app, metrics))
      return
    }
    const http = this.http
    if (http === undefined) return
    this.#watch = new EventLoopWatch(100, this.#limits.eventLoopRecentMs)
    http.route('/healthz', async (_req, res) => {
      const s = await this.#status(app, false)
      sendJson(res, s.health.ok ? 200 : 503, s.health)
    })
    http.route('/readyz', async (_req, res) => {
      const s = await this.#status(app, false)
      sendJson(res, s.ready.ok ? 200 : 503, s.ready)
    })
    http.route('/metrics', async (_req, res) => {
      const registry = this.#registry!
      const body = await registry.metrics()
      res.writeHead(200, { 'content-type': registry.contentType })
      res.end(body)
    })
    await this.#listen()
  }

  /** Swarm primary: forks the workers and serves the aggregated endpoint. */
  async startSwarm (run: RunOptions): Promise<void> {
    const processes = run.processes === 'auto' ? availableParallelism() : run.processes ?? 1
    if (!(Number.isInteger(processes) && processes >= 1)) throw new InvalidSettingError('processes', `processes must be an integer ≥ 1 or 'auto', got ${String(run.processes)}`)
    if (!cluster.isPrimary) throw new InvalidSettingError('processes', 'swarm mode starts in the primary process; this one is a cluster worker of another program')
    await this.prepare(true)
    const options: SwarmOptions = { processes, restartBackoff: run.restartBackoff ?? { initialMs: 500, maxMs: 30_000 }, crashLoop: run.crashLoop ?? { exits: 5, windowMs: 60_000 } }
    const swarm = this.#swarm = new Swarm(options, this.monitor, this.logger)
    if (this.#prom !== undefined && this.#registry !== undefined) {
      // The gauge is read at each scrape.
      registered(this.#registry, new this.#prom.Gauge({ name: 'kshare_swarm_workers', help: 'Swarm worker processes alive', registers: [], collect () { this.set(swarm.alive) } }))
      const restarts = registered(this.#registry, new this.#prom.Counter({ name: 'kshare_swarm_restarts_total', help: 'Swarm workers restarted after they died', registers: [] }))
      this.monitor.on('swarm.worker_exited', (e) => { if (e.restartInMs !== undefined) restarts.inc() })
    }
    swarm.start()
    const http = this.http
    if (http === undefined) return
    const timeout = this.options.http?.workerTimeoutMs ?? 800
    http.route('/healthz', async (_req, res) => {
      const answers = await swarm.status(timeout, false)
      const problems = [...swarm.problems(), ...answers.flatMap((a) => 'error' in a ? [`worker ${a.worker}: ${a.error}`] : a.status.health.problems.map((p) => `worker ${a.worker}: ${p}`))]
      sendJson(res, problems.length === 0 ? 200 : 503, { ok: problems.length === 0, problems, workers: answers.map(summary('health')) })
    })
    http.route('/readyz', async (_req, res) => {
      const answers = await swarm.status(timeout, false)
      const problems = answers.flatMap((a) => 'error' in a ? [`worker ${a.worker}: ${a.error}`] : a.status.ready.problems.map((p) => `worker ${a.worker}: ${p}`))
      sendJson(res, problems.length === 0 ? 200 : 503, { ok: problems.length === 0, problems, workers: answers.map(summary('ready')) })
    })
    http.route('/metrics', async (_req, res) => {
      const prom = this.#prom!
      const answers = await swarm.status(Math.max(timeout, 5000), true)
      const all = answers.flatMap((a) => 'status' in a && a.status.metrics !== undefined ? [a.status.metrics] : [])
      all.push(await this.#registry!.getMetricsAsJSON())
      const missing = answers.filter((a) => 'error' in a).map((a) => a.worker)
      const aggregated = prom.AggregatorRegistry.aggregate(all as Parameters<typeof prom.AggregatorRegistry.aggregate>[0])
      res.writeHead(200, { 'content-type': aggregated.contentType })
      res.end((missing.length > 0 ? `# kshare: no metrics from worker(s) ${missing.join(', ')}\n` : '') + await aggregated.metrics())
    })
    await this.#listen()
  }

  /** Swarm primary: stops every worker (see {@link Swarm.stop}). */
  async stopSwarm (timeoutMs: number): Promise<void> {
    await this.#swarm?.stop(timeoutMs)
  }

  /** Stops the endpoint, the metrics and the spans; a swarm worker lets go of its primary. */
  async close (): Promise<void> {
    this.#metrics?.close()
    this.#tracer?.close()
    this.#watch?.close()
    this.#unanswer?.()
    await this.http?.close()
    if (isSwarmWorker() && cluster.worker?.isConnected() === true) cluster.worker.disconnect()
  }

  async #listen (): Promise<void> {
    const { port, host } = this.options.http!
    this.#port = await this.http!.listen(port, host ?? '127.0.0.1')
    this.logger.info(`http endpoint on ${host ?? '127.0.0.1'}:${this.#port} (/healthz, /readyz, /metrics)`)
  }

  async #status (app: AppProbe, metrics: boolean): Promise<WorkerStatus> {
    const listeners = app.listeners()
    const health: HealthReport = liveness(Date.now(), this.#watch?.stall, listeners, this.#limits, app.stopping())
    const status: WorkerStatus = { health, ready: readiness(Date.now(), app.started(), app.stopping(), listeners, this.options.http?.idleAfterMs ?? 30_000) }
    if (metrics && this.#registry !== undefined) status.metrics = await this.#registry.getMetricsAsJSON()
    return status
  }
}

function summary (what: 'health' | 'ready') {
  return (a: WorkerAnswer): { worker: number, pid: number, ok: boolean } => ({ worker: a.worker, pid: a.pid, ok: 'status' in a && a.status[what].ok })
}
