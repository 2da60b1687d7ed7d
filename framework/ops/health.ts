/**
 * Liveness and readiness: pure decisions over what the App reports ({@link liveness},
 * {@link readiness}), and the event loop watch that measures blocking.
 */
import type { MembershipStatus } from '../client-ports.js'

/** What a topic's listener loop is doing, and since when (epoch ms). */
export interface ListenerProbe {
  /** Share group. */
  groupId: string
  /** Topic. */
  topic: string
  /** `waiting` for a free worker, `polling`, `stopped` (its loop ended). */
  phase: 'waiting' | 'polling' | 'stopped'
  /** When the phase began, epoch ms. */
  since: number
  /** The share consumer's standing in its group, when the client tells. */
  membership: MembershipStatus | undefined
}

/** Thresholds of {@link liveness}. */
export interface LivenessLimits {
  /** A stall of the event loop longer than this makes the process unhealthy, ms. */
  eventLoopBlockedMs: number
  /** ...for this long after it ended, ms (a probe cannot get an answer during the stall itself). */
  eventLoopRecentMs: number
  /** A poll that has not returned after this long means a stuck listener, ms. */
  pollStuckMs: number
}

/** A health verdict: `ok`, or the reasons it is not. */
export interface HealthReport {
  /** True when healthy (or ready). */
  ok: boolean
  /** What is wrong, one sentence each; empty when ok. */
  problems: string[]
}

/** The longest recent stall of the event loop. */
export interface LoopStall {
  /** How long the loop did not run timers, ms. */
  ms: number
  /** When the stall ended, epoch ms. */
  at: number
}

/** Liveness: the event loop has not stalled recently and no listener's poll is stuck. */
export function liveness (now: number, stall: LoopStall | undefined, listeners: readonly ListenerProbe[], limits: LivenessLimits, stopping: boolean): HealthReport {
  const problems: string[] = []
  if (stall !== undefined && stall.ms > limits.eventLoopBlockedMs && now - stall.at <= limits.eventLoopRecentMs) {
    problems.push(`event loop blocked for ${Math.round(stall.ms)} ms (limit ${limits.eventLoopBlockedMs} ms), ${Math.round((now - stall.at) / 1000)} s ago`)
  }
  for (const l of listeners) {
    if (l.phase === 'stopped' && !stopping) problems.push(`listener ${l.groupId}/${l.topic}: its poll loop has ended`)
    if (l.phase === 'polling' && now - l.since > limits.pollStuckMs) problems.push(`listener ${l.groupId}/${l.topic}: poll has not returned for ${Math.round((now - l.since) / 1000)} s`)
  }
  return { ok: problems.length === 0, problems }
}

/**
 * Readiness: started, and every listener's share consumer has joined its group and been
 * assigned partitions at least once — or has been a member for `idleAfterMs` without the
 * coordinator assigning it any (idle: ready, with nothing to do; listed in `idle`).
 */
export function readiness (now: number, started: boolean, stopping: boolean, listeners: readonly ListenerProbe[], idleAfterMs: number): HealthReport & { idle: string[] } {
  if (stopping) return { ok: false, problems: ['stopping'], idle: [] }
  if (!started) return { ok: false, problems: ['starting'], idle: [] }
  const problems: string[] = []
  const idle: string[] = []
  for (const l of listeners) {
    const m = l.membership
    if (m === undefined || m.assignedOnce) continue
    if (!m.joined) problems.push(`listener ${l.groupId}/${l.topic}: not joined to its share group yet`)
    else if (now - m.joinedAt >= idleAfterMs) idle.push(`${l.groupId}/${l.topic}`)
    else problems.push(`listener ${l.groupId}/${l.topic}: joined, no partitions assigned yet`)
  }
  return { ok: problems.length === 0, problems, idle }
}

/**
 * Measures event loop stalls with a timer: a tick that comes late by more than the interval
 * means the loop was blocked that long. Keeps the longest stall of the recent window.
 */
export class EventLoopWatch {
  readonly #timer: NodeJS.Timeout
  #last = Date.now()
  #worst: LoopStall | undefined

  /**
   * @param intervalMs how often to tick
   * @param recentMs how long a stall is remembered
   */
  constructor (private readonly intervalMs: number, private readonly recentMs: number) {
    this.#timer = setInterval(() => this.#tick(), intervalMs)
    this.#timer.unref()
  }

  /** The longest stall of the last `recentMs`, if any. */
  get stall (): LoopStall | undefined {
    this.#tick()
    return this.#worst
  }

  /** Stops the timer. */
  close (): void {
    clearInterval(this.#timer)
  }

  #tick (): void {
    const now = Date.now()
    const late = now - this.#last - this.intervalMs
    this.#last = now
    if (this.#worst !== undefined && now - this.#worst.at > this.recentMs) this.#worst = undefined
    if (late > 0 && (this.#worst === undefined || late >= this.#worst.ms)) this.#worst = { ms: late, at: now }
  }
}
