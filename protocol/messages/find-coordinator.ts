import { defineApi } from '../api.js'
import { array, int8, int16, int32, string } from '../schema.js'

/**
 * FindCoordinator (key 10): which broker coordinates a group (key type 0, what the share
 * consumer uses with its group id) or a transactional id (1); key type 2 (v6, "share")
 * locates the share-state coordinator of "groupId:topicId:partition" and only brokers use it.
 *
 * We speak v4-v6: every Kafka 4.x broker accepts 0-6, and from v4 on (KIP-699) the request
 * carries a batch of keys and the response one entry per key, so one shape serves every
 * version we send; v0-v3 (one key, top-level node/error fields) are left out of the
 * declaration. v5 only adds TRANSACTION_ABORTABLE, v6 the share key type: same bytes.
 *
 * FindCoordinator Request (Version: 4-6) => key_type [coordinator_keys] _tagged_fields
 * FindCoordinator Response (Version: 4-6) => throttle_time_ms [coordinators] _tagged_fields
 *   coordinators => key node_id host port error_code error_message _tagged_fields
 *     error_message: nullable
 */
export const FindCoordinator = defineApi({
  name: 'FindCoordinator',
  apiKey: 10,
  versions: '4-6',
  flexibleVersions: '3+',
  request: {
    keyType: int8({ versions: '1+', default: 0, ignorable: false }),
    coordinatorKeys: array(string(), { versions: '4+' })
  },
  response: {
    throttleTimeMs: int32({ versions: '1+', ignorable: true }),
    coordinators: array({
      key: string({ versions: '4+' }),
      nodeId: int32({ versions: '4+' }),
      host: string({ versions: '4+' }),
      port: int32({ versions: '4+' }),
      errorCode: int16({ versions: '4+' }),
      errorMessage: string({ versions: '4+', nullable: '4+', ignorable: true })
    }, { versions: '4+' })
  }
})
