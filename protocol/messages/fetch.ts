import { defineApi } from '../api.js'
import { array, int16, int32, int64, int8, records, string } from '../schema.js'

/**
 * Fetch (key 1), the classic consumer read: records of a partition from an offset. Hand-written
 * and minimal for the dashboard's partition reader: only v12, the first flexible version
 * and the last that names topics (v13+ send topic ids), which every Kafka 4 broker speaks
 * (4.x serves v4–v18). No fetch sessions (sessionId 0, epoch -1: a full fetch each time).
 * Tagged fields (DivergingEpoch, CurrentLeader, SnapshotId, ClusterId) are left out: the
 * decoder keeps them as unknown tagged fields.
 *
 * Fetch Request (Version: 12) => replica_id max_wait_ms min_bytes max_bytes isolation_level session_id session_epoch [topics] [forgotten_topics_data] rack_id _tagged_fields
 *   topics => topic [partitions] _tagged_fields
 *     partitions => partition current_leader_epoch fetch_offset last_fetched_epoch log_start_offset partition_max_bytes _tagged_fields
 *   forgotten_topics_data => topic [partitions] _tagged_fields
 * Fetch Response (Version: 12) => throttle_time_ms error_code session_id [responses] _tagged_fields
 *   responses => topic [partitions] _tagged_fields
 *     partitions => partition_index error_code high_watermark last_stable_offset log_start_offset [aborted_transactions] preferred_read_replica records _tagged_fields
 *       aborted_transactions => producer_id first_offset _tagged_fields   (nullable)
 *       records: nullable
 */
export const Fetch = defineApi({
  name: 'Fetch',
  apiKey: 1,
  versions: '12',
  flexibleVersions: '12+',
  request: {
    replicaId: int32({ default: -1 }),
    maxWaitMs: int32(),
    minBytes: int32(),
    maxBytes: int32({ default: 0x7fffffff }),
    isolationLevel: int8({ default: 0 }),
    sessionId: int32({ default: 0 }),
    sessionEpoch: int32({ default: -1 }),
    topics: array({
      topic: string(),
      partitions: array({
        partition: int32(),
        currentLeaderEpoch: int32({ default: -1 }),
        fetchOffset: int64(),
        lastFetchedEpoch: int32({ default: -1 }),
        logStartOffset: int64({ default: -1n }),
        partitionMaxBytes: int32()
      })
    }),
    forgottenTopicsData: array({
      topic: string(),
      partitions: array(int32())
    }),
    rackId: string({ default: '' })
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    sessionId: int32(),
    responses: array({
      topic: string(),
      partitions: array({
        partitionIndex: int32(),
        errorCode: int16(),
        highWatermark: int64(),
        lastStableOffset: int64({ default: -1n }),
        logStartOffset: int64({ default: -1n }),
        abortedTransactions: array({
          producerId: int64(),
          firstOffset: int64()
        }, { nullable: '4+', default: null }),
        preferredReadReplica: int32({ default: -1 }),
        records: records({ nullable: '0+' })
      })
    })
  }
})
