import type { ResponseOf } from '../../protocol/api.js'
import type { ShareFetch } from '../../protocol/messages/share-fetch.js'
import type { RecordBatchError } from '../../protocol/records/errors.js'
import { assembleShareRecords, type OffsetRange } from '../../protocol/records/share-records.js'
import type { TopicIdPartition } from './ack-outbox.js'
import { GAP, REJECT, RELEASE } from '../../protocol/acknowledge-type.js'
import type { Delivery, ShareRecord } from './share-record.js'

/** One partition of a ShareFetch response. */
export type ShareFetchPartition = ResponseOf<typeof ShareFetch>['responses'][number]['partitions'][number]

/** What the assembler needs besides the partition data. */
export interface AssemblyContext {
  /** The partition. */
  target: TopicIdPartition
  /** The leader that answered. */
  nodeId: number
  /** Its session generation. */
  generation: number
  /** Lock deadline of the records (response time + AcquisitionLockTimeoutMs), epoch ms. */
  lockDeadline: number
}

/** An inclusive offset range the consumer acknowledges by itself, with the type. */
export interface AutomaticAck extends OffsetRange {
  /** GAP for acquired offsets without a record, REJECT for undecodable batches, RELEASE for offsets past a cut batch. */
  typeId: number
}

/** What one partition yields. */
export interface AssembledPartition {
  /** Records for the application. */
  deliveries: Delivery[]
  /** Acknowledgements the consumer sends by itself. */
  acks: AutomaticAck[]
  /** Why batches were rejected (to log). */
  corrupt: RecordBatchError[]
}

/** Turns one ShareFetch partition into deliveries and automatic acks. */
export type PartitionAssembler = (data: ShareFetchPartition, context: AssemblyContext) => AssembledPartition

/**
 * Builds the deliveries of one ShareFetch partition with `assembleShareRecords`, and the acks
 * the consumer sends by itself: gaps (type 0, required by the broker), batches that fail to
 * decode (REJECT, as the Java client: redelivering them would fail again), offsets past a
 * truncated batch (RELEASE: nobody saw them). `corrupt` lists the decode errors to report.
 */
export const assembleDeliveries: PartitionAssembler = (data: ShareFetchPartition, context: AssemblyContext) => {
  const { target, nodeId, generation, lockDeadline } = context
  const assembled = assembleShareRecords(target.topic, target.partition, data.records, data.acquiredRecords)
  const deliveries: Delivery[] = new Array(assembled.records.length)
  for (let i = 0; i < assembled.records.length; i++) {
    const record = assembled.records[i] as ShareRecord
    record.lockDeadline = lockDeadline
    deliveries[i] = { record, target, nodeId, generation, renewAskedAt: -1, superseded: false }
  }
  const acks: AutomaticAck[] = []
  for (const r of assembled.gaps) acks.push({ ...r, typeId: GAP })
  for (const r of assembled.corrupt) acks.push({ firstOffset: r.firstOffset, lastOffset: r.lastOffset, typeId: REJECT })
  for (const r of assembled.truncated) acks.push({ ...r, typeId: RELEASE })
  return { deliveries, acks, corrupt: assembled.corrupt.map(c => c.error) }
}
