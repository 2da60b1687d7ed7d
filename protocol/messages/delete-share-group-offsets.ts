import { defineApi } from '../api.js'
import { array, int16, int32, string, uuid } from '../schema.js'

/**
 * DeleteShareGroupOffsets (key 92, v0, 4.1+): deletes a share group's state for whole
 * topics, sent to the group's coordinator. The group must have no active members
 * (NON_EMPTY_GROUP otherwise).
 *
 * DeleteShareGroupOffsets Request (Version: 0) => group_id [topics] _tagged_fields
 *   topics => topic_name _tagged_fields
 * DeleteShareGroupOffsets Response (Version: 0) => throttle_time_ms error_code error_message [responses] _tagged_fields
 *   error_message: nullable
 *   responses => topic_name topic_id error_code error_message _tagged_fields
 *     error_message: nullable
 */
export const DeleteShareGroupOffsets = defineApi({
  name: 'DeleteShareGroupOffsets',
  apiKey: 92,
  versions: '0',
  flexibleVersions: '0+',
  request: {
    groupId: string(),
    topics: array({
      topicName: string()
    })
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    errorMessage: string({ nullable: '0+', default: null }),
    responses: array({
      topicName: string(),
      topicId: uuid(),
      errorCode: int16(),
      errorMessage: string({ nullable: '0+', default: null })
    })
  }
})
