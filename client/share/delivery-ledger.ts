import { ErrorCode } from '../../protocol/error-codes.js'
import { BrokerResponseError } from '../errors.js'
import type { AcknowledgementResult } from './ack-results.js'
import { RENEW } from './acknowledge-type.js'
import { HeldRecords } from './held-records.js'
import { InvalidAcknowledgementError } from './share-errors.js'
import type { Delivery, RecordRef, ShareRecord } from './share-record.js'

/**
 * What the application has been handed and not settled, and what an acknowledge call means
 * for it: which delivery it settles, whether it is too late, which batch implicit mode
 * accepts next. No I/O: the consumer sends what this decides.
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
   * Implicit mode: settles the batch handed out last and returns what to ACCEPT (deliveries
   * superseded by a redelivery are settled without an ack: it would settle the new one).
   */
  takeImplicitAccepts (): Delivery[] {
    const accept = this.lastBatch.filter(d => this.held.settle(d) && !d.superseded)
    this.lastBatch = []
    return accept
  }

  /**
   * The delivery an application acknowledgement settles (held no longer, unless it is a
   * RENEW), or the result to report when it cannot be sent: `refusal` says why (the leader
   * moved, the session ended: the delivery is settled, the broker has let go of the record),
   * else it comes too late (the lock ran out and the broker delivered the record to us again).
   * Throws {@link InvalidAcknowledgementError} for a record that is not held (never delivered
   * here, already settled, or forgotten long after expiry).
   */
  resolve (record: ShareRecord | RecordRef, typeId: number, refusal: (delivery: Delivery) => AcknowledgementResult | undefined = () => undefined): Delivery | AcknowledgementResult {
    const { topic, partition, offset } = record
    const delivery = this.held.find(topic, partition, offset)
    if (delivery === undefined) {
      throw new InvalidAcknowledgementError(`${topic}-${partition} offset ${offset} is not held by this consumer: not delivered to it, already settled, or its lock ran out long ago`)
    }
    if ('deliveryCount' in record && record !== delivery.record) {
      return { topic, partition, offsets: [offset], error: supersededError(topic, partition) }
    }
    // Before the superseded check: a new leader redelivers the records of a moved partition at once.
    const refused = refusal(delivery)
    if (refused !== undefined) {
      this.held.settle(delivery)
      return refused
    }
    if (delivery.superseded) return { topic, partition, offsets: [offset], error: supersededError(topic, partition) }
    if (typeId === RENEW) delivery.renewing = true
    else this.held.settle(delivery)
    return delivery
  }

  /** New deliveries arrived: a held delivery of the same record has lost its lock. */
  markSuperseded (deliveries: readonly Delivery[]): void {
    for (const d of deliveries) {
      const old = this.held.find(d.record.topic, d.record.partition, d.record.offset)
      if (old !== undefined) old.superseded = true
    }
  }

  /** Successful renews move the records' lock deadline to `now + lockTimeoutMs`. */
  applyResults (results: readonly AcknowledgementResult[], now: number, lockTimeoutMs: number | undefined): void {
    for (const r of results) {
      for (const offset of r.offsets) {
        const d = this.held.find(r.topic, r.partition, offset)
        if (d === undefined || !d.renewing) continue
        d.renewing = false
        if (r.error === null && lockTimeoutMs !== undefined) d.record.lockDeadline = now + lockTimeoutMs
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

function supersededError (topic: string, partition: number): BrokerResponseError {
  return new BrokerResponseError(`INVALID_RECORD_STATE (${ErrorCode.INVALID_RECORD_STATE}): the lock on this delivery of ${topic}-${partition} ran out and the record was delivered again; acknowledge the newer delivery`,
    ErrorCode.INVALID_RECORD_STATE, 'INVALID_RECORD_STATE', false, null, { api: 'ShareAcknowledge' })
}
