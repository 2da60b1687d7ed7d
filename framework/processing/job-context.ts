import { backoffDelay } from '../../client/backoff.js'
import type { ShareRecordLike } from '../client-ports.js'
import type { BaseConsumer, DecisionSink } from '../consumer/base-consumer.js'
import type { Message } from '../consumer/message.js'
import { AttemptsExhaustedError, BackoffExceedsLockDurationError, ConsumerStateError, InvalidSettingError, RejectedError } from '../errors.js'
import type { InFlight } from './in-flight.js'
import type { TopicRuntime } from './topic-runtime.js'
import type { LockLossListener, Tracked } from './tracked.js'

/** The topic's `maxAttempts` when records out of attempts go to a DLQ (ours or the broker's). */
function maxAttemptsOf (rt: TopicRuntime): number | undefined {
  return rt.deadLetter === 'none' ? undefined : rt.topic.deadLetterQueue?.maxAttempts
}

/** True when this delivery is the record's last allowed one: releasing it would exceed `maxAttempts`. */
export function isLastAttempt (rt: TopicRuntime, record: ShareRecordLike): boolean {
  const max = maxAttemptsOf(rt)
  return max !== undefined && record.deliveryCount >= max
}

/** True when the record arrived already past `maxAttempts` (a lock ran out on its last attempt): dead-letter it unprocessed. */
export function isPastLastAttempt (rt: TopicRuntime, record: ShareRecordLike): boolean {
  const max = maxAttemptsOf(rt)
  return max !== undefined && record.deliveryCount > max
}

/**
 * One job's decisions: what `accept`/`release`/`reject`/`pause`/`resume` of the job's consumer
 * do, and the defaults for what it leaves undecided. Decisions take effect at once (the client
 * sends them with its next request), not when the job ends.
 */
export class JobContext implements DecisionSink, LockLossListener {
  #open = true
  readonly #tracked = new Map<Message, Tracked>()
  readonly #decided = new Set<Message>()
  readonly #pausedHere: Tracked[] = []

  /**
   * @param rt the topic's runtime
   * @param inFlight the topic's held records
   * @param entries the job's records (all deserialized)
   * @param consumer the consumer running the job; `undefined` when it could not be initialized
   */
  constructor (private readonly rt: TopicRuntime, private readonly inFlight: InFlight, entries: readonly Tracked[], private readonly consumer: BaseConsumer | undefined) {
    for (const t of entries) if (t.message !== undefined) this.#tracked.set(t.message, t)
  }

  /** See {@link BaseConsumer.accept}. */
  accept (message?: Message): void {
    if (message !== undefined) {
      this.inFlight.accept(this.#take('accept', message))
      return
    }
    this.#check('accept')
    for (const m of this.#tracked.keys()) if (!this.#decided.has(m)) this.inFlight.accept(this.#take('accept', m))
  }

  /** See {@link BaseConsumer.release}. */
  release (message: Message): void {
    const t = this.#take('release', message)
    if (isLastAttempt(this.rt, t.record)) this.#exhausted(t, undefined)
    else this.inFlight.release(t, 'explicit')
  }

  /** See {@link BaseConsumer.reject}. */
  reject (message: Message, error?: Error): void {
    const t = this.#take('reject', message)
    this.inFlight.deadLetter(t, error ?? new RejectedError('rejected by the consumer'), 'explicit')
  }

  /** See {@link BaseConsumer.pause}. */
  pause (message: Message, backoffMs: number): void {
    this.#check('pause')
    if (!(Number.isFinite(backoffMs) && backoffMs >= 0)) throw new InvalidSettingError('backoffMs', `pause() needs a backoff ≥ 0 ms, got ${backoffMs}`)
    const t = this.#tracked.get(message)
    if (t !== undefined && !this.rt.renew && !isLastAttempt(this.rt, t.record)) {
      const buffer = this.rt.topic.settings.shareBackoffBuffer
      const max = t.lockDeadline - this.rt.clock.now() - buffer
      if (backoffMs > max) throw new BackoffExceedsLockDurationError(backoffMs, max, this.rt.lockDurationMs(), buffer)
    }
    const taken = this.#take('pause', message)
    if (isLastAttempt(this.rt, taken.record)) {
      this.#exhausted(taken, undefined)
      return
    }
    this.inFlight.pause(taken, backoffMs)
    this.#pausedHere.push(taken)
  }

  /** See {@link BaseConsumer.resume}. */
  resume (): void {
    this.#check('resume')
    for (const t of this.#pausedHere.splice(0)) if (t.state === 'paused') this.inFlight.release(t, 'backoff')
  }

  /** Tells the consumer (its `lockExpired` hook) that a message's lock is lost. */
  lockLost (message: Message): void {
    if (this.consumer === undefined) return
    const t = this.#tracked.get(message)
    Promise.resolve().then(() => this.consumer?.lockExpired(message)).catch((err: unknown) => this.inFlight.error('consumer.hook', err, t))
  }

  /**
   * Ends the job: applies the defaults to undecided messages. `consume` returned (`failed`
   * false) → accept. It threw → on the last attempt dead-letter (with its error), otherwise hold
   * for the retry backoff and release.
   */
  finish (failed: boolean, error: unknown): void {
    this.#open = false
    for (const [m, t] of this.#tracked) {
      t.holder = undefined
      if (this.#decided.has(m)) continue
      if (!failed) this.inFlight.accept(t)
      else if (isLastAttempt(this.rt, t.record)) this.#exhausted(t, error)
      else this.#retryLater(t)
    }
  }

  #retryLater (t: Tracked): void {
    let delay = backoffDelay(t.record.deliveryCount - 1, this.rt.topic.settings.retryBackoff)
    // Without renewal the backoff must end before the lock does (less the buffer).
    if (!this.rt.renew) delay = Math.min(delay, t.lockDeadline - this.rt.clock.now() - this.rt.topic.settings.shareBackoffBuffer)
    if (delay > 0) this.inFlight.pause(t, delay)
    else this.inFlight.release(t, 'backoff')
  }

  #exhausted (t: Tracked, error: unknown): void {
    const max = maxAttemptsOf(this.rt) ?? t.record.deliveryCount
    this.inFlight.deadLetter(t, error instanceof Error ? error : new AttemptsExhaustedError(t.record.deliveryCount, max), 'attempts_exhausted')
  }

  #check (method: string): void {
    if (!this.#open) throw new ConsumerStateError(`${method}() can only be called while consume() runs`)
    if (this.rt.topic.group.acknowledgementMode === 'implicit') {
      throw new ConsumerStateError(`${method}() is not available: share group ${this.rt.topic.group.id} uses implicit acknowledgement (set acknowledgementMode: 'explicit')`)
    }
  }

  #take (method: string, message: Message): Tracked {
    this.#check(method)
    const t = this.#tracked.get(message)
    if (t === undefined) throw new ConsumerStateError(`${method}(): the message ${message.topic}-${message.partition}@${message.offset} is not in this job's batch`)
    if (this.#decided.has(message)) throw new ConsumerStateError(`${method}(): the message ${message.topic}-${message.partition}@${message.offset} was already decided`)
    this.#decided.add(message)
    return t
  }
}
