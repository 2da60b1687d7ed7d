import { InitProducerId } from '../../protocol/index.js'
import type { Cluster } from '../cluster.js'
import { responseError } from '../errors.js'
import type { PartitionQueue } from './accumulator.js'
import type { ProducerBatch } from './batch.js'

const MAX_SEQUENCE = 0x7fffffff
// Java bumps the epoch locally until it would overflow, then asks for a new producer id.
const MAX_EPOCH = 0x7fff - 1

/**
 * The idempotent producer's identity and sequence numbering. The broker keeps, per producer
 * id and partition, the last five batches' sequences: a retried batch carrying the same
 * (producer id, epoch, sequence) is recognised and not written twice, and a batch whose
 * sequence is not the next one is refused with OUT_OF_ORDER_SEQUENCE_NUMBER.
 *
 * When a sequence hole appears that no retry can fill (a batch with a sequence failed for
 * good), sequences restart at 0 under a higher epoch, which the broker accepts for a
 * non-transactional producer (KIP-360): {@link requestBump} marks it, {@link bump} does it
 * once nothing is in flight.
 */
export class ProducerIdentity {
  /** Producer id from InitProducerId; -1 until known. */
  producerId = -1n
  /** Producer epoch; -1 until known. */
  producerEpoch = -1
  /** A bump is due (see class doc). */
  bumpPending = false
  private needNewId = false

  /** True once a producer id is known. */
  get ready (): boolean {
    return this.producerId >= 0n
  }

  /**
   * Gets a producer id (a new one; the broker needs no transactional id for this). Rejects
   * with a `BrokerResponseError` (e.g. CLUSTER_AUTHORIZATION_FAILED: the principal lacks
   * IdempotentWrite) or a connection error.
   */
  async init (cluster: Cluster): Promise<void> {
    const conn = await cluster.anyConnection()
    // Java's idempotent (non-transactional) producer sends Integer.MAX_VALUE as timeout.
    const res = await conn.send(InitProducerId, { transactionalId: null, transactionTimeoutMs: 0x7fffffff })
    const error = responseError(res.errorCode, { api: 'InitProducerId', brokerId: conn.nodeId < 0 ? undefined : conn.nodeId })
    if (error !== null) throw error
    this.producerId = res.producerId
    this.producerEpoch = res.producerEpoch
  }

  /**
   * Marks that sequences must restart under a new epoch, or under a new producer id when
   * `newId` (the broker fenced our epoch).
   */
  requestBump (newId = false): void {
    this.bumpPending = true
    if (newId) this.needNewId = true
  }

  /**
   * Restarts every partition's sequence at 0 under epoch + 1 and forgets the sequences of
   * queued batches. Call only with nothing in flight. When the epoch is exhausted or a new
   * id is needed the producer id is dropped: {@link ready} turns false, {@link init} is due.
   */
  bump (queues: Iterable<PartitionQueue>): void {
    for (const q of queues) {
      q.nextSequence = 0
      q.sequenceKnown = false
      for (let i = 0; i < q.batches.length; i++) q.batches.get(i)!.resetSequence()
    }
    this.bumpPending = false
    if (this.needNewId || this.producerEpoch >= MAX_EPOCH) {
      this.needNewId = false
      this.producerId = -1n
      this.producerEpoch = -1
    } else if (this.ready) {
      this.producerEpoch++
    }
  }

  /** Gives a batch its sequence numbers (kept across retries) unless it has them. */
  assign (q: PartitionQueue, batch: ProducerBatch): void {
    if (batch.baseSequence >= 0) return
    batch.producerId = this.producerId
    batch.producerEpoch = this.producerEpoch
    batch.baseSequence = q.nextSequence
    // Sequences wrap from Integer.MAX_VALUE to 0, as the broker expects.
    q.nextSequence = (q.nextSequence + batch.records.length) % (MAX_SEQUENCE + 1)
  }
}
