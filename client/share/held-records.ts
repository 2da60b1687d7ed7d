import type { Delivery } from './share-record.js'

/**
 * The records handed to the application and not yet settled (accepted, released, rejected).
 * A renewed record stays here. Keyed by topic name, partition and offset: what the application
 * can name in `acknowledge({ topic, partition, offset }, type)`.
 */
export class HeldRecords {
  // Topic, then partition: each record passes here three times (held, checked for an older
  // delivery, settled), and a "topic:partition" string key cost an allocation and a hash each.
  private readonly topics = new Map<string, Map<number, Map<bigint, Delivery>>>()
  private readonly perNode = new Map<number, number>()

  /** Holds `delivery`; a redelivery of the same offset replaces the older one. */
  hold (delivery: Delivery): void {
    const { topic, partition, offset } = delivery.record
    let partitions = this.topics.get(topic)
    if (partitions === undefined) this.topics.set(topic, partitions = new Map())
    let offsets = partitions.get(partition)
    if (offsets === undefined) partitions.set(partition, offsets = new Map())
    const replaced = offsets.get(offset)
    if (replaced !== undefined) this.count(replaced.nodeId, -1)
    offsets.set(offset, delivery)
    this.count(delivery.nodeId, 1)
  }

  /** How many held records `nodeId` delivered. */
  countFrom (nodeId: number): number {
    return this.perNode.get(nodeId) ?? 0
  }

  /** The held delivery of that record. */
  find (topic: string, partition: number, offset: bigint): Delivery | undefined {
    return this.topics.get(topic)?.get(partition)?.get(offset)
  }

  /** Stops holding `delivery` (settled); false when it was not held (or a newer delivery replaced it). */
  settle (delivery: Delivery): boolean {
    const { topic, partition, offset } = delivery.record
    const partitions = this.topics.get(topic)
    const offsets = partitions?.get(partition)
    if (offsets?.get(offset) !== delivery) return false
    offsets.delete(offset)
    this.count(delivery.nodeId, -1)
    if (offsets.size === 0) this.forgetPartition(topic, partitions!, partition)
    return true
  }

  /**
   * Forgets records whose lock ran out before `before` (epoch ms): the broker has given them to
   * someone else or will deliver them again. Returns how many were dropped.
   */
  dropExpired (before: number): number {
    let dropped = 0
    for (const [topic, partitions] of this.topics) {
      for (const [partition, offsets] of partitions) {
        for (const [offset, delivery] of offsets) {
          if (delivery.record.lockDeadline < before) {
            offsets.delete(offset)
            this.count(delivery.nodeId, -1)
            dropped++
          }
        }
        if (offsets.size === 0) this.forgetPartition(topic, partitions, partition)
      }
    }
    return dropped
  }

  private forgetPartition (topic: string, partitions: Map<number, Map<bigint, Delivery>>, partition: number): void {
    partitions.delete(partition)
    if (partitions.size === 0) this.topics.delete(topic)
  }

  private count (nodeId: number, delta: number): void {
    const n = (this.perNode.get(nodeId) ?? 0) + delta
    if (n === 0) this.perNode.delete(nodeId)
    else this.perNode.set(nodeId, n)
  }
}
