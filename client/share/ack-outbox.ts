import { PartitionAcks } from './partition-acks.js'

/** A share-partition as the session and the acks see it: topic id on the wire, name for the application. */
export interface TopicIdPartition {
  /** Topic id (Kafka UUID text form). */
  topicId: string
  /** Topic name. */
  topic: string
  /** Partition index. */
  partition: number
}

/** Map key of a topic-id partition. */
export function partitionKey (topicId: string, partition: number): string {
  return `${topicId}:${partition}`
}

/** The acknowledgements of one partition, with the partition they belong to. */
export interface PartitionAckEntry {
  /** The partition. */
  target: TopicIdPartition
  /** Its acknowledgements. */
  acks: PartitionAcks
}

/** Acknowledgements of several partitions, keyed by {@link partitionKey}. */
export type AckSet = Map<string, PartitionAckEntry>

/**
 * The acknowledgements waiting to be sent to one node. Taking them moves them out, so what
 * the application acknowledges while a request is in flight is never confused with what that
 * request carries (KAFKA-18016: the Java client once shared one map for both).
 */
export class AckOutbox {
  private parts: AckSet = new Map()
  private renewCount = 0

  /** True when nothing waits. */
  get isEmpty (): boolean {
    return this.parts.size === 0
  }

  /** True when a waiting acknowledgement is a RENEW. */
  get hasRenew (): boolean {
    return this.renewCount > 0
  }

  /** Queues `typeId` for `offset`, whose lock runs until `lockDeadline` ({@link PartitionAcks.set}); false when ignored. */
  add (target: TopicIdPartition, offset: bigint, typeId: number, lockDeadline = Infinity): boolean {
    const entry = this.entry(target)
    const hadRenew = entry.acks.hasRenew
    const added = entry.acks.set(offset, typeId, lockDeadline)
    if (hadRenew !== entry.acks.hasRenew) this.renewCount += entry.acks.hasRenew ? 1 : -1
    return added
  }

  /** A shallow copy of what waits (the partitions and their ack objects), for reporting. */
  snapshot (): AckSet {
    return new Map(this.parts)
  }

  /** Takes everything waiting; the outbox is empty afterwards. */
  take (): AckSet {
    const taken = this.parts
    this.parts = new Map()
    this.renewCount = 0
    return taken
  }

  private entry (target: TopicIdPartition): PartitionAckEntry {
    const key = partitionKey(target.topicId, target.partition)
    let entry = this.parts.get(key)
    if (entry === undefined) {
      entry = { target, acks: new PartitionAcks() }
      this.parts.set(key, entry)
    }
    return entry
  }
}

/** True when some partition of `set` carries a RENEW. */
export function setHasRenew (set: AckSet): boolean {
  for (const { acks } of set.values()) if (acks.hasRenew) return true
  return false
}
