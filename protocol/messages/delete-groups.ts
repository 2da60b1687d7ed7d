import { defineApi } from '../api.js'
import { array, int16, int32, string } from '../schema.js'

/**
 * DeleteGroups (key 42): deletes groups, including empty share groups (the admin client's
 * share-group delete is this API), sent to each group's coordinator. v2 is the first flexible
 * version; v3 (4.4) adds a per-group ErrorMessage. 4.2 and 4.3 brokers speak 0-2, 4.4 0-3.
 *
 * DeleteGroups Request (Version: 0-3) => [groups_names] _tagged_fields(v2+)
 * DeleteGroups Response (Version: 0-3) => throttle_time_ms [results] _tagged_fields(v2+)
 *   results => group_id error_code error_message(v3+) _tagged_fields(v2+)
 *     error_message: nullable
 */
export const DeleteGroups = defineApi({
  name: 'DeleteGroups',
  apiKey: 42,
  versions: '0-3',
  flexibleVersions: '2+',
  request: {
    groupsNames: array(string())
  },
  response: {
    throttleTimeMs: int32(),
    results: array({
      groupId: string(),
      errorCode: int16(),
      errorMessage: string({ versions: '3+', nullable: '3+', ignorable: true, default: null })
    })
  }
})
