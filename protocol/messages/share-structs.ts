import { array, int8, int32, int64, string, uuid } from '../schema.js'

/**
 * Structs that ShareFetch and ShareAcknowledge declare identically (each JSON repeats them).
 * Not an API: deliberately not exported from `index.ts`, which lists APIs only.
 */

/** AcknowledgementBatch: an inclusive offset range and one type for it, or one type per offset. */
export const acknowledgementBatch = {
  firstOffset: int64(),
  lastOffset: int64(),
  acknowledgeTypes: array(int8())
}

/**
 * A topic's partitions with their acknowledgements: ShareAcknowledge's AcknowledgeTopic, and
 * ShareFetch's FetchTopic from v1 on (v0 also had PartitionMaxBytes).
 */
export const acknowledgeTopic = {
  topicId: uuid(),
  partitions: array({
    partitionIndex: int32(),
    acknowledgementBatches: array(acknowledgementBatch)
  })
}

/** LeaderIdAndEpoch: the current leader, filled on NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH (otherwise left at 0/0, not -1/-1). */
export const leaderIdAndEpoch = {
  leaderId: int32(),
  leaderEpoch: int32()
}

/** NodeEndpoint: how to reach a leader named in `currentLeader`. */
export const nodeEndpoint = {
  nodeId: int32(),
  host: string(),
  port: int32(),
  rack: string({ nullable: '0+', default: null })
}
