import { finishedWithin } from '../../client/finished-within.js'
import type { AckResult, AckType, ShareRecordLike } from '../client-ports.js'
import type { Message } from '../consumer/message.js'
import { AcknowledgementError, DeadLetterError, LockLostError } from '../errors.js'
import type { ErrorSource, RecordEvent, RejectReason, ReleaseReason } from '../monitor.js'
import { deadLetterMessage } from './dead-letter.js'
import { LockKeeper, type LockedRecords } from './lock-keeper.js'
import type { TopicRuntime } from './topic-runtime.js'
import { Tracked, type LockLossListener, type TrackedState } from './tracked.js'

/**
 * The records a topic's listener holds, from hand-out to final acknowledgement: it records
 * every decision with the share consumer (the client sends it), writes dead letters, keeps
 * the counters and emits the record events. The {@link LockKeeper} renews and releases on time.
 */
export class InFlight implements LockedRecords {
  readonly #entries = new Map<string, Tracked>()
  readonly #dispatches = new Set<Promise<void>>()
  #pausedWaiters: Array<() => void> = []
  #settled = false
  /** Renews locks, notices lost ones, ends backoffs. */
  readonly keeper: LockKeeper

  /** @param rt the topic's runtime */
  constructor (private readonly rt: TopicRuntime) {
    this.keeper = new LockKeeper(rt, this)
  }

  /** Starts holding a record just handed out. */
  track (record: ShareRecordLike, message: Message | undefined): Tracked {
    const now = this.rt.clock.now()
    const t = new Tracked(record, message, now, record.lockDeadline)
    const earlier = this.#entries.get(t.key)
    // The broker handed the same record out again: our earlier lock on it is gone.
    if (earlier !== undefined) this.lose(earlier, new LockLostError(record.topic, record.partition, record.offset, 'the record was delivered again while we held it'))
    this.#entries.set(t.key, t)
    const c = this.rt.monitor.counters
    c.recordsPolled++
    c.recordsInFlight++
    c.locksHeld++
    this.keeper.poke()
    return t
  }

  /** Records held and not lost. */
  * live (): IterableIterator<Tracked> {
    for (const t of this.#entries.values()) if (!t.lost) yield t
  }

  /** How many records are held (lost ones included until decided). */
  get size (): number {
    return this.#entries.size
  }

  /** Marks records as picked up by a job. */
  running (ts: readonly Tracked[], holder: LockLossListener): void {
    for (const t of ts) {
      t.holder = holder
      if (t.state === 'waiting') t.state = 'running'
    }
  }

  /** Accepts a record. */
  accept (t: Tracked): void {
    if (!this.#final(t, 'accept')) return
    this.rt.monitor.counters.accepted++
    if (this.rt.monitor.wants('consumer.accepted')) this.rt.monitor.emit('consumer.accepted', this.event(t))
  }

  /** Releases a record now. */
  release (t: Tracked, reason: ReleaseReason): void {
    if (!this.#final(t, 'release')) return
    this.rt.monitor.counters.released++
    if (this.rt.monitor.wants('consumer.released')) this.rt.monitor.emit('consumer.released', { ...this.event(t), reason })
  }

  /** Rejects a record (no DLQ write; see {@link deadLetter}). */
  reject (t: Tracked, reason: RejectReason, error: Error | undefined): void {
    if (!this.#final(t, 'reject')) return
    this.rt.monitor.counters.rejected++
    if (this.rt.monitor.wants('consumer.rejected')) this.rt.monitor.emit('consumer.rejected', { ...this.event(t), reason, error })
  }

  /** Holds a record for `backoffMs`, then releases it (the lock keeper renews it meanwhile when it can). */
  pause (t: Tracked, backoffMs: number): void {
    if (t.lost) {
      this.#reportLost(t, 'release')
      this.#move(t, 'done')
      return
    }
    // After shutdown started nothing waits for a backoff: give the record back now.
    if (this.#settled) {
      this.release(t, 'shutdown')
      return
    }
    this.#move(t, 'paused')
    t.releaseAt = this.rt.clock.now() + backoffMs
    this.keeper.releaseBy(t.releaseAt)
    if (this.rt.monitor.wants('consumer.paused')) this.rt.monitor.emit('consumer.paused', { ...this.event(t), backoffMs })
  }

  /**
   * Rejects a record after writing it to the topic's DLQ; the reject is sent only once the write
   * is acknowledged, and the lock is renewed meanwhile. If the write fails the record is
   * released (it comes back), so nothing is lost. With the broker's own DLQ, or none, it is just rejected.
   */
  deadLetter (t: Tracked, error: Error, reason: RejectReason): void {
    const dlq = this.rt.topic.deadLetterQueue
    // A lost record comes back anyway: writing it now would dead-letter it twice.
    if (this.rt.deadLetter !== 'client' || dlq === undefined || t.lost) {
      this.reject(t, reason, error)
      return
    }
    this.#move(t, 'dead_lettering')
    const started = this.rt.clock.now()
    const write = this.rt.producer().send({ topic: dlq.topic, messages: [deadLetterMessage(t.record, error)] }).then((written) => {
      const at = written[0]
      this.rt.monitor.counters.deadLettered++
      if (this.rt.monitor.wants('dlq.dispatched')) {
        this.rt.monitor.emit('dlq.dispatched', {
          ...this.event(t), dlqTopic: dlq.topic, dlqPartition: at?.partition ?? -1, dlqOffset: at?.baseOffset ?? -1n, durationMs: this.rt.clock.now() - started, error
        })
      }
      this.reject(t, reason, error)
    }, (err: unknown) => {
      this.error('dlq', new DeadLetterError(dlq.topic, err), t)
      this.release(t, 'dlq_failed')
    }).finally(() => this.#dispatches.delete(write))
    this.#dispatches.add(write)
  }

  /** Our lock on a record is gone (ran out, refused renewal, delivered again). */
  lose (t: Tracked, error: LockLostError): void {
    if (t.lost || t.state === 'done') return
    t.lost = true
    const c = this.rt.monitor.counters
    c.locksHeld--
    c.lockExpiries++
    this.rt.logger.warn('lost the lock of a record', { topic: t.record.topic, partition: t.record.partition, offset: t.record.offset, reason: error.message })
    if (this.rt.monitor.wants('lock.expired')) this.rt.monitor.emit('lock.expired', { ...this.event(t), error })
    if (t.state === 'paused') this.#move(t, 'done')
    if (t.state === 'running' && t.message !== undefined) t.holder?.lockLost(t.message)
  }

  /** Renews the records' locks (sent at once): they run for another `lockDurationMs` from now. */
  renew (ts: readonly Tracked[], lockDurationMs: number): void {
    const deadline = this.rt.clock.now() + lockDurationMs
    for (const t of ts) {
      if (!this.#send(t, 'renew')) continue
      t.renewing = true
      t.lockDeadline = deadline
    }
    // A renewal is urgent: send it now rather than with the next fetch.
    this.rt.consumer.commitAsync()
  }

  /** Takes the outcome of sent acknowledgements: failures are reported; a refused renewal loses the lock. */
  acknowledged (results: readonly AckResult[]): void {
    for (const r of results) {
      const renewed: Tracked[] = []
      for (const offset of r.offsets ?? []) {
        const t = this.#entries.get(`${r.partition}:${offset}`)
        if (t?.renewing === true) {
          t.renewing = false
          renewed.push(t)
        }
      }
      if (r.error === null) continue
      this.rt.monitor.counters.ackErrors++
      this.error('acknowledgement', new AcknowledgementError(r.topic, r.partition, r.error), undefined, r.partition)
      for (const t of renewed) this.lose(t, new LockLostError(r.topic, r.partition, t.record.offset, 'the broker refused to renew the lock', r.error))
    }
  }

  /** How many records are paused. */
  get pausedCount (): number {
    let n = 0
    for (const t of this.#entries.values()) if (t.state === 'paused') n++
    return n
  }

  /** Resolves once no record is paused (without lock renewal, polling waits for this). */
  whenNoPaused (): Promise<void> {
    if (this.pausedCount === 0) return Promise.resolve()
    return new Promise((resolve) => this.#pausedWaiters.push(resolve))
  }

  /** Shutdown: releases paused records now and waits (until `deadline`, epoch ms) for pending DLQ writes. */
  async settle (deadline: number): Promise<void> {
    this.#settled = true
    for (const t of [...this.#entries.values()]) if (t.state === 'paused') this.release(t, 'shutdown')
    await finishedWithin(Promise.allSettled([...this.#dispatches]), deadline - this.rt.clock.now(), this.rt.clock)
    this.keeper.stop()
  }

  /** The monitor's description of a record. */
  event (t: Tracked): RecordEvent {
    return {
      groupId: this.rt.topic.group.id,
      topic: t.record.topic,
      partition: t.record.partition,
      offset: t.record.offset,
      deliveryAttempt: t.record.deliveryCount,
      heldMs: this.rt.clock.now() - t.handedOutAt
    }
  }

  /** Reports an error on the monitor and the log. */
  error (source: ErrorSource, error: unknown, t?: Tracked, partition?: number): void {
    const where = { groupId: this.rt.topic.group.id, topic: this.rt.topic.name, partition: t?.record.partition ?? partition, offset: t?.record.offset }
    this.rt.logger.error(error instanceof Error ? error.message : String(error), { source, ...where })
    this.rt.monitor.emit('error.occurred', { source, error, ...where })
  }

  // Sends a final acknowledgement unless the lock is lost (then it would hit a later delivery
  // of the same record, or be refused): that is reported instead. Returns whether it was sent.
  #final (t: Tracked, type: Exclude<AckType, 'renew'>): boolean {
    if (t.state === 'done') return false
    if (t.lost) this.#reportLost(t, type)
    else if (this.#send(t, type)) this.rt.monitor.counters.locksHeld--
    this.#move(t, 'done')
    return !t.lost
  }

  // Hands an acknowledgement to the client; one it refuses (e.g. the record is no longer held
  // by it) is reported, never thrown into the consumer's code.
  #send (t: Tracked, type: AckType): boolean {
    try {
      this.rt.consumer.acknowledge(t.record, type)
      return true
    } catch (err) {
      this.rt.monitor.counters.ackErrors++
      this.lose(t, new LockLostError(t.record.topic, t.record.partition, t.record.offset, `the client refused the ${type}: ${err instanceof Error ? err.message : String(err)}`, err))
      return false
    }
  }

  #reportLost (t: Tracked, type: string): void {
    const r = t.record
    this.error('lock', new LockLostError(r.topic, r.partition, r.offset, `${type} of ${r.topic}-${r.partition}@${r.offset} was not sent: its lock was lost`), t)
  }

  #move (t: Tracked, to: TrackedState): void {
    const c = this.rt.monitor.counters
    const inFlight = (s: TrackedState): number => s === 'waiting' || s === 'running' ? 1 : 0
    c.recordsInFlight += inFlight(to) - inFlight(t.state)
    c.paused += (to === 'paused' ? 1 : 0) - (t.state === 'paused' ? 1 : 0)
    t.state = to
    if (to === 'done' && this.#entries.get(t.key) === t) this.#entries.delete(t.key)
    if (to !== 'paused' && this.#pausedWaiters.length > 0 && this.pausedCount === 0) {
      const waiters = this.#pausedWaiters
      this.#pausedWaiters = []
      for (const resolve of waiters) resolve()
    }
  }
}
