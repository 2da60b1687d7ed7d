import type { Delivery } from './share-record.js'

function holdKey (topic: string, partition: number): string {
  return `${topic}:${partition}`
}

/**
 * The records handed to the application and not yet settled (accepted, released, rejected).
 * A renewed record stays here. Keyed by topic name, partition and offset: what the application
 * can name in `acknowledge({ topic, partition, offset }, type)`.
 */
export class HeldRecords {
  private readonly parts = new Map<string, Map<bigint, Delivery>>()
  private readonly perNode = new Map<number, number>()

  /** Holds `delivery`; a redelivery of the same offset replaces the older one. */
  hold (delivery: Delivery): void {
    const { topic, partition, offset } = delivery.record
    const key = holdKey(topic, partition)
    let offsets = this.parts.get(key)
    if (offsets === undefined) {
      offsets = new Map()
      this.parts.set(key, offsets)
    }
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
    return this.parts.get(holdKey(topic, partition))?.get(offset)
  }

  /** Stops holding `delivery` (settled); false when it was not held (or a newer delivery replaced it). */
  settle (delivery: Delivery): boolean {
    const { topic, partition, offset } = delivery.record
    const key = holdKey(topic, partition)
    const offsets = this.parts.get(key)
    if (offsets?.get(offset) !== delivery) return false
    offsets.delete(offset)
    this.count(delivery.nodeId, -1)
    if (offsets.size === 0) this.parts.delete(key)
    return true
  }

  /**
   * Forgets records whose lock ran out before `before` (epoch ms): the broker has given them to
   * someone else or will deliver them again. Returns how many were dropped.
   */
  dropExpired (before: number): number {
    let dropped = 0
    for (const [key, offsets] of this.parts) {
      for (const [offset, delivery] of offsets) {
        if (delivery.record.lockDeadline < before) {
          offsets.delete(offset)
          this.count(delivery.nodeId, -1)
          dropped++
        }
      }
      if (offsets.size === 0) this.parts.delete(key)
    }
    return dropped
  }

  private count (nodeId: number, delta: number): void {
    const n = (this.perNode.get(nodeId) ?? 0) + delta
    if (n === 0) this.perNode.delete(nodeId)
    else this.perNode.set(nodeId, n)
  }
}
