import { AlterShareGroupOffsets, DeleteShareGroupOffsets, DescribeShareGroupOffsets } from '../../protocol/index.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { responseError, type KafkaError } from '../errors.js'
import { throwOnItemErrors } from './errors.js'
import { toCoordinator, type AdminContext } from './requests.js'

/** Which partitions `describeShareGroupOffsets` asks about. */
export interface TopicPartitionsFilter {
  topic: string
  /** Partitions; default: every partition of the topic. */
  partitions?: readonly number[]
}

/** A share group's position in one partition. */
export interface ShareGroupPartitionOffset {
  topic: string
  topicId: string
  partition: number
  /**
   * Share-partition start offset: records below it are all delivered and acknowledged (or
   * archived). `null` when the group has no state for the partition (never consumed).
   */
  startOffset: bigint | null
  /** Leader epoch of the state, -1 when unknown. */
  leaderEpoch: number
  /**
   * Records not yet acknowledged (KIP-1226; brokers 4.2+). `null` when unknown: older
   * broker, no state, or the broker could not compute it.
   */
  lag: bigint | null
  /** This partition's error, or null. A read reports per-partition errors here instead of failing. */
  error: KafkaError | null
}

/** A new start offset for a partition of a share group. */
export interface ShareGroupOffsetChange {
  topic: string
  partition: number
  /** New start offset: the group's next delivery in the partition starts here. */
  offset: bigint
}

/** A partition after `alterShareGroupOffsets`. */
export interface AlteredShareGroupOffset {
  topic: string
  partition: number
  /** Null; set in the results of an `AdminError`. */
  error: KafkaError | null
}

/** A topic after `deleteShareGroupOffsets`. */
export interface DeletedShareGroupOffsets {
  topic: string
  topicId: string
  /** Null; set in the results of an `AdminError`. */
  error: KafkaError | null
}

function nullIfNegative (v: bigint): bigint | null {
  return v < 0n ? null : v
}

function groupError (api: string, groupId: string, code: number, message: string | null): void {
  const error = responseError(code, { api, brokerMessage: message, what: `group ${groupId}` })
  if (error !== null) throw error
}

/**
 * Start offset and lag per partition of a share group (all partitions it has state for,
 * unless `topics` narrows it). A group-level error (GROUP_ID_NOT_FOUND, ...) rejects with a
 * `BrokerResponseError`; per-partition errors are in the results.
 */
export async function describeShareGroupOffsets (ctx: AdminContext, deadline: number, groupId: string,
  topics: readonly TopicPartitionsFilter[] | undefined): Promise<ShareGroupPartitionOffset[]> {
  let request: Array<{ topicName: string, partitions: number[] }> | null = null
  if (topics !== undefined) {
    request = []
    for (const t of topics) {
      // Every partition as the cluster has it now: cached metadata misses partitions added since.
      if (t.partitions === undefined) ctx.cluster.metadata.markStale({ topic: t.topic })
      const partitions = t.partitions !== undefined
        ? [...t.partitions]
        : (await ctx.cluster.topic({ topic: t.topic })).partitions.map(p => p.partition)
      request.push({ topicName: t.topic, partitions })
    }
  }
  const res = await toCoordinator(ctx, deadline, groupId, DescribeShareGroupOffsets, { groups: [{ groupId, topics: request }] },
    r => r.groups.find(g => g.groupId === groupId)?.errorCode ?? ErrorCode.NONE, true)
  const g = res.groups.find(x => x.groupId === groupId)
  if (g === undefined) return []
  groupError('DescribeShareGroupOffsets', groupId, g.errorCode, g.errorMessage)
  const out: ShareGroupPartitionOffset[] = []
  for (const t of g.topics) {
    for (const p of t.partitions) {
      out.push({
        topic: t.topicName,
        topicId: t.topicId,
        partition: p.partitionIndex,
        startOffset: nullIfNegative(p.startOffset),
        leaderEpoch: p.leaderEpoch,
        lag: nullIfNegative(p.lag),
        error: responseError(p.errorCode, { api: 'DescribeShareGroupOffsets', brokerMessage: p.errorMessage, what: `group ${groupId} partition ${t.topicName}-${p.partitionIndex}` })
      })
    }
  }
  return out.sort((a, b) => a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition)
}

/**
 * Sets start offsets of a share group. The group must be empty (else NON_EMPTY_GROUP rejects
 * with a `BrokerResponseError`); per-partition failures reject with an `AdminError`.
 */
export async function alterShareGroupOffsets (ctx: AdminContext, deadline: number, groupId: string,
  changes: readonly ShareGroupOffsetChange[]): Promise<AlteredShareGroupOffset[]> {
  const topics = new Map<string, Array<{ partitionIndex: number, startOffset: bigint }>>()
  for (const c of changes) {
    let list = topics.get(c.topic)
    if (list === undefined) topics.set(c.topic, list = [])
    list.push({ partitionIndex: c.partition, startOffset: c.offset })
  }
  const res = await toCoordinator(ctx, deadline, groupId, AlterShareGroupOffsets,
    { groupId, topics: [...topics].map(([topicName, partitions]) => ({ topicName, partitions })) }, r => r.errorCode, true)
  groupError('AlterShareGroupOffsets', groupId, res.errorCode, res.errorMessage)
  const results = changes.map(c => {
    const p = res.responses.find(t => t.topicName === c.topic)?.partitions.find(x => x.partitionIndex === c.partition)
    return {
      topic: c.topic,
      partition: c.partition,
      error: responseError(p === undefined ? ErrorCode.UNKNOWN_SERVER_ERROR : p.errorCode,
        { api: 'AlterShareGroupOffsets', brokerMessage: p?.errorMessage, what: `group ${groupId} partition ${c.topic}-${c.partition}` })
    }
  })
  return throwOnItemErrors('alterShareGroupOffsets', results, r => `${r.topic}-${r.partition}`)
}

/**
 * Deletes a share group's state for whole topics (consumption restarts from
 * `share.auto.offset.reset`). The group must be empty; per-topic failures reject with an
 * `AdminError`.
 */
export async function deleteShareGroupOffsets (ctx: AdminContext, deadline: number, groupId: string,
  topicNames: readonly string[]): Promise<DeletedShareGroupOffsets[]> {
  const res = await toCoordinator(ctx, deadline, groupId, DeleteShareGroupOffsets,
    { groupId, topics: topicNames.map(topicName => ({ topicName })) }, r => r.errorCode, true)
  groupError('DeleteShareGroupOffsets', groupId, res.errorCode, res.errorMessage)
  const results = topicNames.map(topic => {
    const r = res.responses.find(t => t.topicName === topic)
    return {
      topic,
      topicId: r?.topicId ?? '',
      error: responseError(r === undefined ? ErrorCode.UNKNOWN_SERVER_ERROR : r.errorCode,
        { api: 'DeleteShareGroupOffsets', brokerMessage: r?.errorMessage, what: `group ${groupId} topic ${topic}` })
    }
  })
  return throwOnItemErrors('deleteShareGroupOffsets', results, r => `topic ${r.topic}`)
}
