import { defineApi } from '../api.js'
import { array, bool, int16, int32, string } from '../schema.js'

/**
 * CreatePartitions (key 37): raise a topic's partition count.
 *
 * We speak v2–v3: v2 is the first flexible version; v3 only adds the
 * THROTTLING_QUOTA_EXCEEDED error (KIP-599). Unchanged in 4.2–4.4.
 *
 * CreatePartitions Request (Version: 2+) => [topics] timeout_ms validate_only _tagged_fields
 *   topics => name count [assignments] _tagged_fields                        (assignments nullable)
 *     assignments => [broker_ids] _tagged_fields
 * CreatePartitions Response (Version: 2+) => throttle_time_ms [results] _tagged_fields
 *   results => name error_code error_message _tagged_fields                  (error_message nullable)
 */
export const CreatePartitions = defineApi({
  name: 'CreatePartitions',
  apiKey: 37,
  versions: '2-3',
  flexibleVersions: '2+',
  request: {
    topics: array({
      name: string(),
      count: int32(),
      assignments: array({
        brokerIds: array(int32())
      }, { nullable: '0+' })
    }),
    timeoutMs: int32(),
    validateOnly: bool()
  },
  response: {
    throttleTimeMs: int32(),
    results: array({
      name: string(),
      errorCode: int16(),
      errorMessage: string({ nullable: '0+', default: null })
    })
  }
})
