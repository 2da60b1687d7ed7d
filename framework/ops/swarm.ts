/**
 * Swarm mode: the primary process forks `processes` workers with `node:cluster` (each re-runs
 * the entry script and runs the App: one share-group member per route) and supervises them.
 * The only messages between them are the status request and its answer (health, readiness,
 * metrics) that the primary's HTTP endpoint aggregates.
 */
import cluster, { type Worker } from 'node:cluster'
import { backoffDelay } from '../../client/backoff.js'
import { finishedWithin } from '../../client/finished-within.js'
import type { Logger } from '../logger.js'
import type { Monitor } from '../monitor.js'
import type { HealthReport } from './health.js'

/** The environment variable that marks a swarm worker (its slot number). */
export const WORKER_ENV = 'KSHARE_SWARM_WORKER'

/** True in a process forked by a swarm primary. */
export function isSwarmWorker (): boolean {
  return cluster.isWorker && process.env[WORKER_ENV] !== undefined
}

/** What a worker answers to a status request. */
export interface WorkerStatus {
  /** Liveness. */
  health: HealthReport
  /** Readiness. */
  ready: HealthReport & { idle: string[] }
  /** prom-client's `getMetricsAsJSON()` of its registry, when asked and it has metrics. */
  metrics?: unknown[]
}

/** A worker's status, or why there is none. */
export type WorkerAnswer = { worker: number, pid: number } & ({ status: WorkerStatus } | { error: string })

interface StatusRequest { kshare: 'status?', id: number, metrics: boolean }
interface StatusReply { kshare: 'status', id: number, status: WorkerStatus }

/** Worker side: answers the primary's status requests with `status()`. Returns a function that stops answering. */
export function answerStatusRequests (status: (metrics: boolean) => Promise<WorkerStatus>): () => void {
  const onMessage = (message: unknown): void => {
    const m = message as Partial<StatusRequest> | null
    if (m?.kshare !== 'status?' || typeof m.id !== 'number') return
    const id = m.id
    void status(m.metrics === true).then((s) => process.send?.({ kshare: 'status', id, status: s } satisfies StatusReply))
  }
  process.on('message', onMessage)
  return () => { process.off('message', onMessage) }
}

/** Supervision settings. */
export interface SwarmOptions {
  /** Worker processes. */
  processes: number
  /** Backoff before restarting a worker that died: grows with its recent deaths. */
  restartBackoff: { initialMs: number, maxMs: number }
  /** `exits` deaths of one worker slot within `windowMs` are reported as a crash loop. */
  crashLoop: { exits: number, windowMs: number }
}

interface Slot { worker: Worker | undefined, exits: number[], restart: NodeJS.Timeout | undefined }

/** The primary's supervisor. */
export class Swarm {
  readonly #slots = new Map<number, Slot>()
  #stopping = false
  #requests = 0

  /**
   * @param options see {@link SwarmOptions}
   * @param monitor where `swarm.*` events go
   * @param logger where restarts and crash loops are logged
   */
  constructor (private readonly options: SwarmOptions, private readonly monitor: Monitor, private readonly logger: Logger) {}

  /** Workers alive now. */
  get alive (): number {
    return [...this.#slots.values()].filter((s) => s.worker !== undefined).length
  }

  /** Forks the workers. */
  start (): void {
    for (let slot = 1; slot <= this.options.processes; slot++) {
      this.#slots.set(slot, { worker: undefined, exits: [], restart: undefined })
      this.#fork(slot)
    }
  }

  /** Problems the supervisor sees (crash loops, missing workers), for the primary's `/healthz`. */
  problems (now = Date.now()): string[] {
    const problems: string[] = []
    for (const [slot, s] of this.#slots) {
      const recent = s.exits.filter((t) => now - t <= this.options.crashLoop.windowMs).length
      if (recent >= this.options.crashLoop.exits) problems.push(`worker ${slot}: crash loop, ${recent} exits in the last ${this.options.crashLoop.windowMs / 1000} s`)
    }
    return problems
  }

  /** Asks every live worker for its status; a worker that does not answer within `timeoutMs` gets an error entry. */
  async status (timeoutMs: number, metrics: boolean): Promise<WorkerAnswer[]> {
    return await Promise.all([...this.#slots].map(async ([slot, s]): Promise<WorkerAnswer> => {
      const w = s.worker
      if (w === undefined || !w.isConnected()) return { worker: slot, pid: 0, error: 'not running (restarting)' }
      const pid = w.process.pid ?? 0
      const id = ++this.#requests
      return await new Promise<WorkerAnswer>((resolve) => {
        const onMessage = (m: Partial<StatusReply> | null): void => {
          if (m?.kshare !== 'status' || m.id !== id || m.status === undefined) return
          done({ worker: slot, pid, status: m.status })
        }
        const timer = setTimeout(() => done({ worker: slot, pid, error: `no answer within ${timeoutMs} ms (event loop blocked?)` }), timeoutMs)
        const done = (answer: WorkerAnswer): void => {
          clearTimeout(timer)
          w.off('message', onMessage)
          resolve(answer)
        }
        w.on('message', onMessage)
        w.send({ kshare: 'status?', id, metrics } satisfies StatusRequest, (err) => { if (err !== null) done({ worker: slot, pid, error: err.message }) })
      })
    }))
  }

  /**
   * Stops every worker: SIGTERM (each App stops gracefully: jobs finish, acknowledgements are
   * flushed, sessions closed, the group left), then SIGKILL for those still alive at `timeoutMs`.
   */
  async stop (timeoutMs: number): Promise<void> {
    this.#stopping = true
    const exits: Array<Promise<void>> = []
    for (const s of this.#slots.values()) {
      clearTimeout(s.restart)
      const w = s.worker
      if (w === undefined) continue
      exits.push(new Promise<void>((resolve) => w.once('exit', () => resolve())))
      w.process.kill('SIGTERM')
    }
    const all = Promise.all(exits)
    if (!await finishedWithin(all, timeoutMs)) {
      for (const [slot, s] of this.#slots) {
        if (s.worker === undefined) continue
        this.logger.warn(`worker ${slot} (pid ${s.worker.process.pid}) did not stop within ${timeoutMs} ms: killing it`)
        s.worker.process.kill('SIGKILL')
      }
      await all
    }
  }

  #fork (slot: number): void {
    const s = this.#slots.get(slot)!
    s.restart = undefined
    const worker = cluster.fork({ [WORKER_ENV]: String(slot) })
    s.worker = worker
    const pid = worker.process.pid ?? 0
    this.monitor.emit('swarm.worker_started', { worker: slot, pid })
    worker.on('error', (error) => this.monitor.emit('error.occurred', { source: 'swarm', error }))
    worker.once('exit', (code, signal) => this.#exited(slot, pid, code, signal))
  }

  #exited (slot: number, pid: number, code: number | null, signal: string | null): void {
    const s = this.#slots.get(slot)!
    s.worker = undefined
    if (this.#stopping) {
      this.monitor.emit('swarm.worker_exited', { worker: slot, pid, code, signal })
      return
    }
    const now = Date.now()
    const { windowMs, exits } = this.options.crashLoop
    s.exits = [...s.exits.filter((t) => now - t <= windowMs), now]
    const restartInMs = backoffDelay(s.exits.length - 1, this.options.restartBackoff)
    this.logger.warn(`worker ${slot} (pid ${pid}) exited (${signal ?? `code ${code}`}): restarting in ${restartInMs} ms`)
    this.monitor.emit('swarm.worker_exited', { worker: slot, pid, code, signal, restartInMs })
    if (s.exits.length >= exits) {
      this.logger.error(`worker ${slot} is crash-looping: ${s.exits.length} exits within ${windowMs / 1000} s`)
      this.monitor.emit('swarm.crash_loop', { worker: slot, exits: s.exits.length, windowMs })
    }
    s.restart = setTimeout(() => {
      if (this.#stopping) return
      this.#fork(slot)
    }, restartInMs)
  }
}
