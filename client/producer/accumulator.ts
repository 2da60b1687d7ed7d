import Denque from 'denque'
import { ProducerBatch } from './batch.js'
import type { PendingRecord } from './message.js'
import type { SendOperation } from './send-operation.js'

/** Per-partition state: queued batches, what is in flight, and idempotence sequences. */
export class PartitionQueue {
  /** Batches not yet sent or waiting for a retry, in send order. */
  readonly batches = new Denque<ProducerBatch>()
  /** Batches sent and not yet answered, in sequence order. */
  readonly inFlight: ProducerBatch[] = []
  /** Next sequence number to hand out (idempotent producers). */
  nextSequence = 0
  /**
   * The broker acknowledged a batch of this partition under the current epoch, so it holds
   * our sequence state and refuses gaps (idempotent producers). Until then it would accept a
   * later batch as the first one, so only one batch may be in flight.
   */
  sequenceKnown = false

  /** @param topic topic @param partition partition */
  constructor (readonly topic: string, readonly partition: number) {}
}

/** What the sender may do now, and when to look again. */
export interface ReadyCheck {
  /** Partitions whose first batch may be sent now (leader and in-flight limits not checked). */
  ready: PartitionQueue[]
  /** Queued batches older than `deliveryTimeoutMs`, removed from their queues. */
  expired: Array<[PartitionQueue, ProducerBatch]>
  /** Ms until the next batch becomes ready by linger or backoff, or expires; `Infinity` when none waits. */
  nextCheckMs: number
}

/**
 * Collects records into one open batch per partition. A batch is ready at `batchSize`, when
 * `lingerMs` passed since it was opened, or while a flush runs; it takes records until it is
 * sent or the next record would push it past `maxBatchSize` (KIP-782), so batches grow only
 * while the sender cannot take them. A record larger than `batchSize` gets a batch to itself.
 */
export class RecordAccumulator {
  private readonly partitions = new Map<string, PartitionQueue>()
  private flushes = 0
  /** Batches queued (not in flight). */
  queuedBatches = 0

  /**
   * @param batchSize bytes at which a batch is ready (uncompressed, approximate)
   * @param lingerMs how long an open batch waits for more records
   * @param deliveryTimeoutMs age at which a queued batch expires
   * @param maxBatchSize bytes a batch may grow to while it waits to be sent
   */
  constructor (private readonly batchSize: number, private readonly lingerMs: number, private readonly deliveryTimeoutMs: number,
    private readonly maxBatchSize = batchSize) {}

  /** The queue of a partition, created on first use. */
  queue (topic: string, partition: number): PartitionQueue {
    const key = `${partition}:${topic}`
    let q = this.partitions.get(key)
    if (q === undefined) {
      q = new PartitionQueue(topic, partition)
      this.partitions.set(key, q)
    }
    return q
  }

  /** Every partition queue (for the sender's epoch reset and close). */
  all (): IterableIterator<PartitionQueue> {
    return this.partitions.values()
  }

  /** Adds a record to the partition's open batch, opening a new one when it is full. */
  append (topic: string, partition: number, record: PendingRecord, op: SendOperation, now: number): void {
    const q = this.queue(topic, partition)
    let batch = q.batches.peekBack()
    const oversized = record.size > this.batchSize
    if (batch !== undefined && !batch.closed && batch.records.length > 0 && (oversized || batch.bytes + record.size > this.maxBatchSize)) batch.closed = true
    if (batch === undefined || batch.closed) {
      batch = new ProducerBatch(topic, partition, now)
      q.batches.push(batch)
      this.queuedBatches++
    }
    batch.add(record, op)
    if (oversized || batch.bytes >= this.maxBatchSize) batch.closed = true
  }

  /** Starts a flush: every batch is ready regardless of linger until {@link endFlush}. */
  beginFlush (): void {
    this.flushes++
  }

  /** Ends a flush started with {@link beginFlush}. */
  endFlush (): void {
    this.flushes--
  }

  /**
   * Which partitions have a batch to send at `now`, and which queued batches expired (the
   * oldest are first in each queue: retries go back to the front).
   */
  check (now: number): ReadyCheck {
    const ready: PartitionQueue[] = []
    const expired: Array<[PartitionQueue, ProducerBatch]> = []
    let nextCheckMs = Infinity
    for (const q of this.partitions.values()) {
      let head = q.batches.peekFront()
      while (head !== undefined && head.createdAt + this.deliveryTimeoutMs <= now) {
        expired.push([q, this.take(q)])
        head = q.batches.peekFront()
      }
      if (head === undefined) continue
      nextCheckMs = Math.min(nextCheckMs, head.createdAt + this.deliveryTimeoutMs - now)
      let at: number
      if (head.attempts > 0) at = head.retryAt
      else if (head.closed || head.bytes >= this.batchSize || q.batches.length > 1 || this.flushes > 0) at = now
      else at = head.createdAt + this.lingerMs
      if (at <= now) ready.push(q)
      else nextCheckMs = Math.min(nextCheckMs, at - now)
    }
    return { ready, expired, nextCheckMs }
  }

  /** Takes the first batch of a partition for sending; it takes no more records. */
  take (q: PartitionQueue): ProducerBatch {
    const batch = q.batches.shift()!
    batch.closed = true
    this.queuedBatches--
    return batch
  }

  /** Puts a batch back for a retry, ahead of later batches and in sequence order. */
  requeue (q: PartitionQueue, batch: ProducerBatch): void {
    let i = 0
    // Retried batches keep their sequence; a later one must not overtake an earlier one.
    while (i < q.batches.length) {
      const b = q.batches.get(i)!
      if (b.baseSequence < 0 || (batch.baseSequence >= 0 && b.baseSequence > batch.baseSequence)) break
      i++
    }
    if (i === 0) q.batches.unshift(batch)
    else q.batches.splice(i, 0, batch)
    this.queuedBatches++
  }

  /** Removes and returns every queued batch (close without flush, fatal errors). */
  takeAll (): ProducerBatch[] {
    const out: ProducerBatch[] = []
    for (const q of this.partitions.values()) {
      for (let b = q.batches.shift(); b !== undefined; b = q.batches.shift()) out.push(b)
    }
    this.queuedBatches = 0
    return out
  }
}
