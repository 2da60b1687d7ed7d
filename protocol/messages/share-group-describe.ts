import { defineApi } from '../api.js'
import { array, bool, int16, int32, string, struct, uuid } from '../schema.js'

/**
 * ShareGroupDescribe (key 77): state, epochs and members (with their assignments) of share
 * groups, asked of each group's coordinator. v0 was the 4.0 early-access format; v1 is stable.
 * Share group states are "Empty", "Stable", "Dead" and "Unknown". AuthorizedOperations is
 * -2147483648 (unset) unless the request asked for it.
 *
 * ShareGroupDescribe Request (Version: 1) => [group_ids] include_authorized_operations _tagged_fields
 * ShareGroupDescribe Response (Version: 1) => throttle_time_ms [groups] _tagged_fields
 *   groups => error_code error_message group_id group_state group_epoch assignment_epoch assignor_name [members] authorized_operations _tagged_fields
 *     error_message: nullable
 *     members => member_id rack_id member_epoch client_id client_host [subscribed_topic_names] assignment _tagged_fields
 *       rack_id: nullable
 *       assignment => [topic_partitions] _tagged_fields  (not nullable: no presence byte)
 *         topic_partitions => topic_id topic_name [partitions] _tagged_fields
 */
export const ShareGroupDescribe = defineApi({
  name: 'ShareGroupDescribe',
  apiKey: 77,
  versions: '1',
  flexibleVersions: '0+',
  request: {
    groupIds: array(string()),
    includeAuthorizedOperations: bool()
  },
  response: {
    throttleTimeMs: int32(),
    groups: array({
      errorCode: int16(),
      errorMessage: string({ nullable: '0+', default: null }),
      groupId: string(),
      groupState: string(),
      groupEpoch: int32(),
      assignmentEpoch: int32(),
      assignorName: string(),
      members: array({
        memberId: string(),
        rackId: string({ nullable: '0+', default: null }),
        memberEpoch: int32(),
        clientId: string(),
        clientHost: string(),
        subscribedTopicNames: array(string()),
        assignment: struct({
          topicPartitions: array({
            topicId: uuid(),
            topicName: string(),
            partitions: array(int32())
          })
        })
      }),
      authorizedOperations: int32({ default: -2147483648 })
    })
  }
})
