import { defineApi } from '../api.js'
import { array, bool, int16, int32, string, struct, uuid } from '../schema.js'
import { acknowledgeTopic, leaderIdAndEpoch, nodeEndpoint } from './share-structs.js'

/**
 * ShareAcknowledge (key 79): acknowledges acquired records to the partition leader that
 * delivered them, without fetching. v0 was the 4.0 early-access format; v1 is stable (4.1+);
 * v2 (4.2+) adds IsRenewAck and, in the response, AcquisitionLockTimeoutMs.
 *
 * It never opens a session: epoch 0 is refused (INVALID_SHARE_SESSION_EPOCH); it uses and
 * advances the ShareFetch session's epoch; -1 applies the acks, then closes the session and
 * releases everything the member still holds. Per partition, batches must be ascending and
 * non-overlapping, with one type for the whole range or one per offset (0 gap, 1 accept,
 * 2 release, 3 reject, 4 renew — renew only in v2 with isRenewAck).
 *
 * ShareAcknowledge Request (Version: 1-2) => group_id member_id share_session_epoch is_renew_ack(v2+) [topics] _tagged_fields
 *   group_id, member_id: nullable
 *   topics => topic_id [partitions] _tagged_fields
 *     partitions => partition_index [acknowledgement_batches] _tagged_fields
 *       acknowledgement_batches => first_offset last_offset [acknowledge_types] _tagged_fields
 * ShareAcknowledge Response (Version: 1-2) => throttle_time_ms error_code error_message acquisition_lock_timeout_ms(v2+) [responses] [node_endpoints] _tagged_fields
 *   error_message: nullable
 *   responses => topic_id [partitions] _tagged_fields
 *     partitions => partition_index error_code error_message current_leader _tagged_fields
 *       error_message: nullable
 *       current_leader => leader_id leader_epoch _tagged_fields
 *   node_endpoints => node_id host port rack _tagged_fields
 *     rack: nullable
 */
export const ShareAcknowledge = defineApi({
  name: 'ShareAcknowledge',
  apiKey: 79,
  versions: '1-2',
  flexibleVersions: '0+',
  request: {
    groupId: string({ nullable: '0+', default: null }),
    memberId: string({ nullable: '0+' }),
    shareSessionEpoch: int32(),
    isRenewAck: bool({ versions: '2+', default: false }),
    topics: array(acknowledgeTopic)
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    errorMessage: string({ nullable: '0+', default: null }),
    acquisitionLockTimeoutMs: int32({ versions: '2+', ignorable: true }),
    responses: array({
      topicId: uuid(),
      partitions: array({
        partitionIndex: int32(),
        errorCode: int16(),
        errorMessage: string({ nullable: '0+', default: null }),
        currentLeader: struct(leaderIdAndEpoch)
      })
    }),
    nodeEndpoints: array(nodeEndpoint)
  }
})
