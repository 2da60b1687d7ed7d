import { defineApi } from '../api.js'
import { array, bool, int8, int16, int32, int64, records, string, struct, uuid } from '../schema.js'
import { acknowledgeTopic, leaderIdAndEpoch, nodeEndpoint } from './share-structs.js'

/**
 * ShareFetch (key 78): fetches records from a partition leader for a share group, acquiring
 * them for this member, and carries piggy-backed acknowledgements. v0 was the 4.0
 * early-access format (it had PartitionMaxBytes and a nullable Records, both left out here);
 * v1 is the stable format (4.1+); v2 (4.2+) adds ShareAcquireMode and Renew acks.
 *
 * Sessions (per group, member and broker): epoch 0 opens (or replaces) a session and must
 * carry no acknowledgements; then 1, 2, ... (wrapping to 1); -1 closes it and fetches nothing.
 * Incremental requests add `topics` to the session and remove `forgottenTopicsData`, and fetch
 * every partition of the session. Only offsets inside `acquiredRecords` belong to the member;
 * `records` holds whole log batches, and acquired offsets without a record are gaps to ack
 * with type 0. A renew-only fetch (isRenewAck) needs maxWaitMs = minBytes = maxBytes =
 * maxRecords = 0. Acknowledge types: 0 gap, 1 accept, 2 release, 3 reject, 4 renew (v2).
 *
 * ShareFetch Request (Version: 1-2) => group_id member_id share_session_epoch max_wait_ms min_bytes max_bytes max_records batch_size share_acquire_mode(v2+) is_renew_ack(v2+) [topics] [forgotten_topics_data] _tagged_fields
 *   group_id, member_id: nullable
 *   topics => topic_id [partitions] _tagged_fields
 *     partitions => partition_index [acknowledgement_batches] _tagged_fields
 *       acknowledgement_batches => first_offset last_offset [acknowledge_types] _tagged_fields
 *   forgotten_topics_data => topic_id [partitions] _tagged_fields
 * ShareFetch Response (Version: 1-2) => throttle_time_ms error_code error_message acquisition_lock_timeout_ms [responses] [node_endpoints] _tagged_fields
 *   error_message: nullable
 *   responses => topic_id [partitions] _tagged_fields
 *     partitions => partition_index error_code error_message acknowledge_error_code acknowledge_error_message current_leader records [acquired_records] _tagged_fields
 *       error_message, acknowledge_error_message: nullable
 *       current_leader => leader_id leader_epoch _tagged_fields
 *       acquired_records => first_offset last_offset delivery_count _tagged_fields
 *   node_endpoints => node_id host port rack _tagged_fields
 *     rack: nullable
 */
export const ShareFetch = defineApi({
  name: 'ShareFetch',
  apiKey: 78,
  versions: '1-2',
  flexibleVersions: '0+',
  request: {
    groupId: string({ nullable: '0+', default: null }),
    memberId: string({ nullable: '0+' }),
    shareSessionEpoch: int32(),
    maxWaitMs: int32(),
    minBytes: int32(),
    maxBytes: int32({ default: 0x7fffffff }),
    maxRecords: int32({ versions: '1+' }),
    batchSize: int32({ versions: '1+' }),
    shareAcquireMode: int8({ versions: '2+', default: 0, ignorable: true }),
    isRenewAck: bool({ versions: '2+', default: false }),
    topics: array(acknowledgeTopic),
    forgottenTopicsData: array({
      topicId: uuid(),
      partitions: array(int32())
    })
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    errorMessage: string({ nullable: '0+', default: null }),
    acquisitionLockTimeoutMs: int32({ versions: '1+' }),
    responses: array({
      topicId: uuid(),
      partitions: array({
        partitionIndex: int32(),
        errorCode: int16(),
        errorMessage: string({ nullable: '0+', default: null }),
        acknowledgeErrorCode: int16(),
        acknowledgeErrorMessage: string({ nullable: '0+', default: null }),
        currentLeader: struct(leaderIdAndEpoch),
        records: records(),
        acquiredRecords: array({
          firstOffset: int64(),
          lastOffset: int64(),
          deliveryCount: int16()
        })
      })
    }),
    nodeEndpoints: array(nodeEndpoint)
  }
})
