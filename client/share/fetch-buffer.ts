import type { Delivery } from './share-record.js'

interface NodeQueue {
  items: Delivery[]
  head: number
}

/** What {@link FetchBuffer.take} hands out. */
export interface TakenRecords {
  /** Records for the application, at most the number asked for. */
  records: Delivery[]
  /** Records skipped because their lock had already run out (the broker has taken them back). */
  expired: number
}

/**
 * Records fetched and not yet handed to the application, per leader node. The fetcher only
 * fetches from a node whose queue is empty, so at most one response per node waits here:
 * memory stays bounded by nodes × fetchMaxBytes however slow the application is.
 */
export class FetchBuffer {
  private readonly queues = new Map<number, NodeQueue>()
  private total = 0
  private nextNode = 0

  /** Records waiting, all nodes. */
  get size (): number {
    return this.total
  }

  /** Records waiting from `nodeId`. */
  sizeOf (nodeId: number): number {
    const q = this.queues.get(nodeId)
    return q === undefined ? 0 : q.items.length - q.head
  }

  /** Adds the records of one response from `nodeId`. */
  push (nodeId: number, deliveries: Delivery[]): void {
    if (deliveries.length === 0) return
    const q = this.queues.get(nodeId)
    if (q === undefined || q.head === q.items.length) {
      this.queues.set(nodeId, { items: deliveries, head: 0 })
    } else {
      for (const d of deliveries) q.items.push(d)
    }
    this.total += deliveries.length
  }

  /**
   * Takes up to `max` records, visiting nodes in turn so that one busy leader does not starve
   * the others. Records whose lock ran out before `now` are dropped, not handed out: their
   * acknowledgements could only fail and someone else may already hold them.
   */
  take (max: number, now: number): TakenRecords {
    const records: Delivery[] = []
    let expired = 0
    const nodes = [...this.queues.keys()]
    for (let visited = 0; visited < nodes.length && records.length < max; visited++) {
      const nodeId = nodes[(this.nextNode + visited) % nodes.length]!
      const q = this.queues.get(nodeId)!
      while (q.head < q.items.length && records.length < max) {
        const d = q.items[q.head++]!
        if (d.record.lockDeadline <= now) expired++
        else records.push(d)
      }
      if (q.head === q.items.length) this.queues.delete(nodeId)
    }
    this.nextNode++
    this.total -= records.length + expired
    return { records, expired }
  }

  /** Drops what waits from `nodeId` for which `gone(delivery)` holds (e.g. its partition's leader moved); returns how many. */
  dropIf (nodeId: number, gone: (delivery: Delivery) => boolean): number {
    const q = this.queues.get(nodeId)
    if (q === undefined) return 0
    const kept = q.items.slice(q.head).filter(d => !gone(d))
    const dropped = q.items.length - q.head - kept.length
    if (kept.length === 0) this.queues.delete(nodeId)
    else this.queues.set(nodeId, { items: kept, head: 0 })
    this.total -= dropped
    return dropped
  }

  /** Drops everything waiting from `nodeId` (its session ended, so the broker released those records). */
  drop (nodeId: number): number {
    const n = this.sizeOf(nodeId)
    this.queues.delete(nodeId)
    this.total -= n
    return n
  }
}
