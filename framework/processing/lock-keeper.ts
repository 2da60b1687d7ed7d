import { LockLostError } from '../errors.js'
import type { TopicRuntime } from './topic-runtime.js'
import type { Tracked } from './tracked.js'

/**
 * The records whose locks a {@link LockKeeper} keeps, and the decisions it takes on them
 * (InFlight, which owns the records and their counters, implements it).
 */
export interface LockedRecords {
  /** The records held whose lock is not lost. */
  live (): Iterable<Tracked>
  /** How many records are held, lost ones included until decided: the keeper runs while there are any. */
  readonly size: number
  /** Our lock on `t` ran out. */
  lose (t: Tracked, error: LockLostError): void
  /** `t`'s backoff has ended. */
  release (t: Tracked, reason: 'backoff'): void
  /** Sends a renewal of the records' locks: they run for another `lockDurationMs`. */
  renew (ts: readonly Tracked[], lockDurationMs: number): void
}

/**
 * Keeps a topic's held records' locks: a periodic check (every 5 % of the lock duration,
 * between 20 ms and 1 s) renews every record whose lock has run `autoRenewAt` of its length or
 * will by the next check (one RENEW round for all of them, sent at once), and notices locks
 * that ran out; a separate timer releases paused records when their backoff ends.
 * Runs only while records are held.
 */
export class LockKeeper {
  #tick: unknown
  #release: unknown
  #releaseAt = Infinity

  /**
   * @param rt the topic's runtime
   * @param inFlight the records held
   */
  constructor (private readonly rt: TopicRuntime, private readonly inFlight: LockedRecords) {}

  /** Makes sure the periodic check runs (records were added). */
  poke (): void {
    if (this.#tick === undefined) this.#tick = this.rt.clock.setTimeout(() => this.check(), this.#interval())
  }

  /** Makes sure paused records are released by `at` (epoch ms). */
  releaseBy (at: number): void {
    if (at >= this.#releaseAt) return
    if (this.#release !== undefined) this.rt.clock.clearTimeout(this.#release)
    this.#releaseAt = at
    this.#release = this.rt.clock.setTimeout(() => this.releaseDue(), Math.max(0, at - this.rt.clock.now()))
  }

  /** One periodic check: expire, renew, re-arm. */
  check (): void {
    this.#tick = undefined
    const now = this.rt.clock.now()
    const lockMs = this.rt.lockDurationMs()
    const interval = this.#interval()
    const due: Tracked[] = []
    for (const t of [...this.inFlight.live()]) {
      if (t.lockDeadline <= now) {
        this.inFlight.lose(t, new LockLostError(t.record.topic, t.record.partition, t.record.offset, 'the lock ran out before the record was acknowledged'))
      } else if (this.rt.renew && t.lockDeadline - now <= (1 - this.rt.autoRenewAt) * lockMs + interval) {
        due.push(t)
      }
    }
    if (due.length > 0) this.#renew(due, lockMs)
    if (this.inFlight.size > 0) this.poke()
  }

  /** Releases the paused records whose backoff has ended; re-arms for the next one. */
  releaseDue (): void {
    this.#release = undefined
    this.#releaseAt = Infinity
    const now = this.rt.clock.now()
    let next = Infinity
    for (const t of [...this.inFlight.live()]) {
      if (t.state !== 'paused') continue
      if (t.releaseAt <= now) this.inFlight.release(t, 'backoff')
      else next = Math.min(next, t.releaseAt)
    }
    if (next !== Infinity) this.releaseBy(next)
  }

  /** Stops the timers. */
  stop (): void {
    this.rt.clock.clearTimeout(this.#tick)
    this.rt.clock.clearTimeout(this.#release)
    this.#tick = this.#release = undefined
    this.#releaseAt = Infinity
  }

  #renew (due: Tracked[], lockMs: number): void {
    this.inFlight.renew(due, lockMs)
    this.rt.monitor.counters.renewed += due.length
    this.rt.logger.debug('renewed locks', { topic: this.rt.topic.name, count: due.length })
    if (this.rt.monitor.wants('lock.renewed')) this.rt.monitor.emit('lock.renewed', { groupId: this.rt.topic.group.id, topic: this.rt.topic.name, count: due.length })
  }

  #interval (): number {
    return Math.min(1000, Math.max(20, Math.round(this.rt.lockDurationMs() * 0.05)))
  }
}
