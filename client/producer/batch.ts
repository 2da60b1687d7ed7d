import type { KafkaError } from '../errors.js'
import type { PendingRecord } from './message.js'
import type { SendOperation } from './send-operation.js'

/** A run of consecutive records of one batch that belong to the same `send()`. */
interface OwnerRun {
  op: SendOperation
  first: number
  count: number
}

/**
 * Records for one partition that travel together as one record batch. Sequence and producer
 * epoch are fixed when the batch is first sent and kept across retries (the broker
 * de-duplicates by them); they are cleared only when the producer bumps its epoch.
 */
export class ProducerBatch {
  /** Records in offset order. */
  readonly records: PendingRecord[] = []
  /** Approximate uncompressed size. */
  bytes = 0
  /** Times sent so far. */
  attempts = 0
  /** Do not send again before this time (retry backoff), ms. */
  retryAt = 0
  /** First record's sequence number; -1 until assigned (idempotent producers only). */
  baseSequence = -1
  /** Producer epoch the sequence belongs to. */
  producerEpoch = -1
  /** Producer id the sequence belongs to. */
  producerId = -1n
  /** Set once the batch may take no more records (full, or drained). */
  closed = false
  /** Encoded record batch, kept for retries (same bytes, same sequence); cleared with the sequence. */
  encoded: Buffer | undefined
  /** Error of the last failed attempt (the cause of a delivery timeout). */
  lastError: KafkaError | undefined
  private readonly owners: OwnerRun[] = []

  /**
   * @param topic topic
   * @param partition partition
   * @param createdAt creation time, ms (linger and delivery timeout count from here)
   */
  constructor (readonly topic: string, readonly partition: number, readonly createdAt: number) {}

  /** Appends a record owned by `op`. */
  add (record: PendingRecord, op: SendOperation): void {
    const last = this.owners[this.owners.length - 1]
    if (last !== undefined && last.op === op) last.count++
    else this.owners.push({ op, first: this.records.length, count: 1 })
    this.records.push(record)
    this.bytes += record.size
  }

  /** Reports every record as written; `baseOffset` is the first record's offset (`-1n` unknown). */
  complete (baseOffset: bigint): void {
    for (const run of this.owners) {
      run.op.written(this.topic, this.partition, baseOffset < 0n ? -1n : baseOffset + BigInt(run.first), run.count)
    }
  }

  /** Reports every record as failed. */
  fail (error: KafkaError): void {
    for (const run of this.owners) run.op.failed(this.topic, this.partition, error, run.count)
  }

  /** Forgets the sequence (after an epoch bump the batch gets a new one). */
  resetSequence (): void {
    this.baseSequence = -1
    this.producerEpoch = -1
    this.producerId = -1n
    this.encoded = undefined
  }

  /**
   * Splits a batch the broker refused as too large into two halves (as Java does for
   * MESSAGE_TOO_LARGE); the halves have no sequence yet and keep their owners.
   */
  split (): [ProducerBatch, ProducerBatch] {
    const half = Math.ceil(this.records.length / 2)
    const parts: [ProducerBatch, ProducerBatch] = [
      new ProducerBatch(this.topic, this.partition, this.createdAt),
      new ProducerBatch(this.topic, this.partition, this.createdAt)
    ]
    for (const run of this.owners) {
      for (let i = run.first; i < run.first + run.count; i++) parts[i < half ? 0 : 1].add(this.records[i]!, run.op)
    }
    for (const b of parts) {
      b.closed = true
      b.attempts = this.attempts
      b.lastError = this.lastError
    }
    return parts
  }
}
