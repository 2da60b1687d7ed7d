import type { AcknowledgementResult } from './ack-results.js'
import { RENEW } from '../../protocol/acknowledge-type.js'
import { HeldRecords } from './held-records.js'
import { InvalidAcknowledgementError, LockExpiredError } from './share-errors.js'
import type { Delivery, RecordRef, ShareRecord } from './share-record.js'

/**
 * What the application has been handed and not settled, and what an acknowledge call means
 * for it: which delivery it settles, which batch implicit mode accepts next. No I/O: the
 * fetcher decides whether an acknowledgement can still be sent, and sends it.
 */
export class DeliveryLedger {
  private readonly held = new HeldRecords()
  private lastBatch: Delivery[] = []

  /** @param implicit implicit acknowledgement mode: the next poll accepts the batch handed out */
  constructor (private readonly implicit: boolean) {}

  /** Hands `deliveries` to the application: they are held until settled. */
  handOut (deliveries: Delivery[]): ShareRecord[] {
    for (const d of deliveries) this.held.hold(d)
    if (this.implicit) this.lastBatch = deliveries
    return deliveries.map(d => d.record)
  }

  /**
   * Implicit mode: settles the batch handed out last and returns what to ACCEPT: every
   * delivery of it still held, including those whose lock ran out and that came back (the
   * fetcher refuses those, so that the application learns the accept did not take effect).
   */
  takeImplicitAccepts (): Delivery[] {
    const accept = this.lastBatch.filter(d => this.held.settle(d))
    this.lastBatch = []
    return accept
  }

  /**
   * The held delivery an application acknowledgement names, or the result to report when the
   * record object is an older delivery of the record than the one held (its lock ran out and
   * the broker delivered it again). Throws {@link InvalidAcknowledgementError} for a record
   * that is not held (never delivered here, already settled, or forgotten long after expiry).
   */
  find (record: ShareRecord | RecordRef): Delivery | AcknowledgementResult {
    const { topic, partition, offset } = record
    const delivery = this.held.find(topic, partition, offset)
    if (delivery === undefined) {
      throw new InvalidAcknowledgementError(`${topic}-${partition} offset ${offset} is not held by this consumer: not delivered to it, already settled, or its lock ran out long ago`)
    }
    if ('deliveryCount' in record && record !== delivery.record) {
      return { topic, partition, offsets: [offset], error: new LockExpiredError(topic, partition, [offset], 'redelivered') }
    }
    return delivery
  }

  /**
   * Records what an acknowledgement did to `delivery`: a RENEW that was queued keeps it held
   * (until its result moves the lock deadline); anything else, or a refused one (the broker
   * has let go of the record), settles it.
   */
  settle (delivery: Delivery, typeId: number, refused: boolean, now: number): void {
    if (typeId === RENEW && !refused) delivery.renewAskedAt = now
    else this.held.settle(delivery)
  }

  /** New deliveries arrived: a held delivery of the same record has lost its lock. */
  markSuperseded (deliveries: readonly Delivery[]): void {
    for (const d of deliveries) {
      const old = this.held.find(d.record.topic, d.record.partition, d.record.offset)
      if (old !== undefined) old.superseded = true
    }
  }

  /** Successful renews move the records' lock deadline to the time they were asked for + `lockTimeoutMs`. */
  applyResults (results: readonly AcknowledgementResult[], lockTimeoutMs: number | undefined): void {
    for (const r of results) {
      for (const offset of r.offsets) {
        const d = this.held.find(r.topic, r.partition, offset)
        if (d === undefined || d.renewAskedAt < 0) continue
        if (r.error === null && lockTimeoutMs !== undefined) d.record.lockDeadline = d.renewAskedAt + lockTimeoutMs
        d.renewAskedAt = -1
      }
    }
  }

  /** How many records delivered by `nodeId` the application holds. */
  heldFrom (nodeId: number): number {
    return this.held.countFrom(nodeId)
  }

  /** Forgets held records whose lock ran out before `before` (memory bound for unacknowledged records). */
  forgetExpired (before: number): void {
    this.held.dropExpired(before)
  }
}

