import { Produce, type RequestInput, type ResponseOf } from '../../protocol/index.js'
import { encodeRecordBatch, type CompressionCodec } from '../../protocol/records/index.js'
import type { MetadataCache } from '../metadata.js'
import type { ProducerBatch } from './batch.js'

/** A batch of a Produce request. */
export interface OutgoingBatch {
  batch: ProducerBatch
  /** Topic id from metadata (Produce v13 names topics by id). */
  topicId: string
}

/** What the broker said about one batch. */
export interface BatchOutcome {
  errorCode: number
  baseOffset: bigint
  /** The broker's error message and per-record errors, joined (empty when none). */
  errorMessage: string
  /** Leader hint sent with NOT_LEADER_OR_FOLLOWER (-1 when none). */
  currentLeader: { leaderId: number, leaderEpoch: number }
}

/** Encodes a batch once; retries reuse the bytes (same sequence, same CRC). */
export function encodeBatch (batch: ProducerBatch, compression: CompressionCodec): Buffer {
  batch.encoded ??= encodeRecordBatch(batch.records, {
    compression,
    producerId: batch.producerId,
    producerEpoch: batch.producerEpoch,
    baseSequence: batch.baseSequence
  })
  return batch.encoded
}

/** The Produce request body for batches bound for one broker (one batch per partition). */
export function produceBody (batches: readonly OutgoingBatch[], compression: CompressionCodec, acks: number, timeoutMs: number): RequestInput<typeof Produce> {
  const topics = new Map<string, { name: string, topicId: string, partitionData: Array<{ index: number, records: Buffer }> }>()
  for (const { batch, topicId } of batches) {
    let t = topics.get(batch.topic)
    if (t === undefined) topics.set(batch.topic, t = { name: batch.topic, topicId, partitionData: [] })
    t.partitionData.push({ index: batch.partition, records: encodeBatch(batch, compression) })
  }
  return { transactionalId: null, acks, timeoutMs, topicData: [...topics.values()] }
}

/**
 * Finds each batch's answer in a Produce response (by topic name up to v12, by topic id
 * from v13). A batch the response does not mention gets `undefined`.
 */
export function batchOutcomes (res: ResponseOf<typeof Produce>, batches: readonly OutgoingBatch[], metadata: MetadataCache): Array<BatchOutcome | undefined> {
  const byKey = new Map<string, BatchOutcome>()
  for (const t of res.responses) {
    const name = t.name !== '' ? t.name : metadata.topic({ topicId: t.topicId })?.name
    for (const p of t.partitionResponses) {
      const messages = [p.errorMessage, ...p.recordErrors.map(e => `record ${e.batchIndex}: ${e.batchIndexErrorMessage ?? ''}`)].filter(m => m !== null && m !== '')
      const outcome = { errorCode: p.errorCode, baseOffset: p.baseOffset, errorMessage: messages.join('; '), currentLeader: p.currentLeader }
      byKey.set(`${p.index}:${name ?? ''}`, outcome)
      byKey.set(`${p.index}#${t.topicId}`, outcome)
    }
  }
  return batches.map(({ batch, topicId }) => byKey.get(`${batch.partition}:${batch.topic}`) ?? byKey.get(`${batch.partition}#${topicId}`))
}
