import type { ShareRecord as AssembledRecord } from '../../protocol/records/share-records.js'
import type { TopicIdPartition } from './ack-outbox.js'

/**
 * A record delivered to this share-group member: topic, partition, offset, timestamp (epoch
 * ms), key, value, headers, deliveryCount (1 on first delivery) — and its lock deadline.
 */
export interface ShareRecord extends AssembledRecord {
  /**
   * When this member's acquisition lock on the record runs out at the earliest, epoch ms: time
   * the ShareFetch was sent + AcquisitionLockTimeoutMs (the broker acquired the record after
   * that). Moved forward when a `renew` succeeds.
   */
  lockDeadline: number
}

/** Names a record without holding it, e.g. one whose value could not be deserialized. */
export interface RecordRef {
  /** Topic name. */
  topic: string
  /** Partition index. */
  partition: number
  /** Offset. */
  offset: bigint
}

/** A record as the consumer tracks it: which partition id, leader and session delivered it. */
export interface Delivery {
  /** What the application sees. */
  record: ShareRecord
  /** The partition, with its topic id (acks are sent by id). */
  target: TopicIdPartition
  /** Leader that delivered it: its acks go there and nowhere else. */
  nodeId: number
  /** Generation of that leader's session; acks for an older generation cannot be sent. */
  generation: number
  /**
   * When the pending renew was asked for (epoch ms), or -1: its success moves
   * `record.lockDeadline` to that time + the lock duration, the earliest the new lock can end.
   */
  renewAskedAt: number
  /** The lock ran out and the broker delivered the record to us again: this delivery can no longer be acknowledged. */
  superseded: boolean
}
