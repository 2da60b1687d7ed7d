import { defineApi } from '../api.js'
import { array, int16, int32, int64, string, uuid } from '../schema.js'

/**
 * DescribeShareGroupOffsets (key 90): the start offset (first offset not yet delivered and
 * acknowledged) of each partition of share groups, asked of each group's coordinator.
 * v0 is 4.1+; v1 (4.2+) adds Lag (KIP-1226; -1 when unknown). A null `topics` in a request
 * group asks for every partition the group has state for.
 *
 * DescribeShareGroupOffsets Request (Version: 0-1) => [groups] _tagged_fields
 *   groups => group_id [topics] _tagged_fields
 *     topics => topic_name [partitions] _tagged_fields  (nullable array)
 * DescribeShareGroupOffsets Response (Version: 0-1) => throttle_time_ms [groups] _tagged_fields
 *   groups => group_id [topics] error_code error_message _tagged_fields
 *     error_message: nullable
 *     topics => topic_name topic_id [partitions] _tagged_fields
 *       partitions => partition_index start_offset leader_epoch lag(v1+) error_code error_message _tagged_fields
 *         error_message: nullable
 */
export const DescribeShareGroupOffsets = defineApi({
  name: 'DescribeShareGroupOffsets',
  apiKey: 90,
  versions: '0-1',
  flexibleVersions: '0+',
  request: {
    groups: array({
      groupId: string(),
      topics: array({
        topicName: string(),
        partitions: array(int32())
      }, { nullable: '0+' })
    })
  },
  response: {
    throttleTimeMs: int32(),
    groups: array({
      groupId: string(),
      topics: array({
        topicName: string(),
        topicId: uuid(),
        partitions: array({
          partitionIndex: int32(),
          startOffset: int64(),
          leaderEpoch: int32(),
          lag: int64({ versions: '1+', ignorable: true, default: -1n }),
          errorCode: int16(),
          errorMessage: string({ nullable: '0+', default: null })
        })
      }),
      errorCode: int16(),
      errorMessage: string({ nullable: '0+', default: null })
    })
  }
})
