import { defineApi } from '../api.js'
import { array, int16, int32, string, uuid } from '../schema.js'

/**
 * DeleteTopics (key 20).
 *
 * We speak v4–v6: v4 is the first flexible version, v5 adds error messages, v6 deletes
 * by topic id (names may then be null). Unchanged in 4.2–4.4.
 *
 * DeleteTopics Request (Version: 6+) => [topics] timeout_ms _tagged_fields
 *   topics => name topic_id _tagged_fields                                   (name nullable)
 * DeleteTopics Request (Version: 4-5) => [topic_names] timeout_ms _tagged_fields
 * DeleteTopics Response (Version: 4+) => throttle_time_ms [responses] _tagged_fields
 *   responses => name topic_id error_code error_message _tagged_fields
 *     name nullable v6+; topic_id: v6+; error_message: v5+
 */
export const DeleteTopics = defineApi({
  name: 'DeleteTopics',
  apiKey: 20,
  versions: '4-6',
  flexibleVersions: '4+',
  request: {
    topics: array({
      name: string({ versions: '6+', nullable: '6+', default: null }),
      topicId: uuid({ versions: '6+' })
    }, { versions: '6+' }),
    topicNames: array(string(), { versions: '0-5', ignorable: true }),
    timeoutMs: int32()
  },
  response: {
    throttleTimeMs: int32({ versions: '1+', ignorable: true }),
    responses: array({
      name: string({ nullable: '6+' }),
      topicId: uuid({ versions: '6+', ignorable: true }),
      errorCode: int16(),
      errorMessage: string({ versions: '5+', nullable: '5+', ignorable: true, default: null })
    })
  }
})
