import { defineApi } from '../api.js'
import { array, int16, int32, int64, string, uuid } from '../schema.js'

/**
 * AlterShareGroupOffsets (key 91, v0, 4.1+): sets the start offset of partitions of a share
 * group, sent to the group's coordinator. The group must have no active members
 * (NON_EMPTY_GROUP otherwise).
 *
 * AlterShareGroupOffsets Request (Version: 0) => group_id [topics] _tagged_fields
 *   topics => topic_name [partitions] _tagged_fields
 *     partitions => partition_index start_offset _tagged_fields
 * AlterShareGroupOffsets Response (Version: 0) => throttle_time_ms error_code error_message [responses] _tagged_fields
 *   error_message: nullable
 *   responses => topic_name topic_id [partitions] _tagged_fields
 *     partitions => partition_index error_code error_message _tagged_fields
 *       error_message: nullable
 */
export const AlterShareGroupOffsets = defineApi({
  name: 'AlterShareGroupOffsets',
  apiKey: 91,
  versions: '0',
  flexibleVersions: '0+',
  request: {
    groupId: string(),
    topics: array({
      topicName: string(),
      partitions: array({
        partitionIndex: int32(),
        startOffset: int64()
      })
    })
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    errorMessage: string({ nullable: '0+', default: null }),
    responses: array({
      topicName: string(),
      topicId: uuid(),
      partitions: array({
        partitionIndex: int32(),
        errorCode: int16(),
        errorMessage: string({ nullable: '0+', default: null })
      })
    })
  }
})
