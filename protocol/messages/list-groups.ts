import { defineApi } from '../api.js'
import { array, int16, int32, string } from '../schema.js'

/**
 * ListGroups (key 16): the groups a broker coordinates. Ask every broker for the full list.
 * v4 adds a state filter (KIP-518), v5 a type filter and the group type (KIP-848): list only
 * share groups with `typesFilter: ['share']` (needs v5; every 4.x broker speaks 0-5; matched
 * case-insensitively: the Java admin client sends "Share"). Older versions have the same shape
 * with fewer fields, so we speak them all.
 *
 * ListGroups Request (Version: 0-2) => (empty)
 * ListGroups Request (Version: 3-5) => [states_filter](v4+) [types_filter](v5+) _tagged_fields
 * ListGroups Response (Version: 0-5) => throttle_time_ms(v1+) error_code [groups] _tagged_fields(v3+)
 *   groups => group_id protocol_type group_state(v4+) group_type(v5+) _tagged_fields(v3+)
 */
export const ListGroups = defineApi({
  name: 'ListGroups',
  apiKey: 16,
  versions: '0-5',
  flexibleVersions: '3+',
  request: {
    statesFilter: array(string(), { versions: '4+' }),
    typesFilter: array(string(), { versions: '5+' })
  },
  response: {
    throttleTimeMs: int32({ versions: '1+', ignorable: true }),
    errorCode: int16(),
    groups: array({
      groupId: string(),
      protocolType: string(),
      groupState: string({ versions: '4+', ignorable: true }),
      groupType: string({ versions: '5+', ignorable: true })
    })
  }
})
