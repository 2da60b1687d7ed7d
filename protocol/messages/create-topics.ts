import { defineApi } from '../api.js'
import { array, bool, int16, int32, int8, string, uuid } from '../schema.js'

/**
 * CreateTopics (key 19).
 *
 * We speak v5–v7: v5 is the first flexible version (and the first that returns the
 * created topic's configs, KIP-525); v7 adds the new topic's id. Unchanged in 4.2–4.4.
 *
 * CreateTopics Request (Version: 5+) => [topics] timeout_ms validate_only _tagged_fields
 *   topics => name num_partitions replication_factor [assignments] [configs] _tagged_fields
 *     assignments => partition_index [broker_ids] _tagged_fields
 *     configs => name value _tagged_fields                                   (value nullable)
 * CreateTopics Response (Version: 5+) => throttle_time_ms [topics] _tagged_fields
 *   topics => name topic_id error_code error_message num_partitions replication_factor [configs] _tagged_fields
 *     topic_id: v7+; configs nullable
 *     configs => name value read_only config_source is_sensitive _tagged_fields
 *     tagged: 0 topic_config_error_code
 */
export const CreateTopics = defineApi({
  name: 'CreateTopics',
  apiKey: 19,
  versions: '5-7',
  flexibleVersions: '5+',
  request: {
    topics: array({
      name: string(),
      numPartitions: int32(),
      replicationFactor: int16(),
      assignments: array({
        partitionIndex: int32(),
        brokerIds: array(int32())
      }),
      configs: array({
        name: string(),
        value: string({ nullable: '0+' })
      })
    }),
    timeoutMs: int32({ default: 60000 }),
    validateOnly: bool({ versions: '1+', default: false })
  },
  response: {
    throttleTimeMs: int32({ versions: '2+', ignorable: true }),
    topics: array({
      name: string(),
      topicId: uuid({ versions: '7+', ignorable: true }),
      errorCode: int16(),
      errorMessage: string({ versions: '1+', nullable: '0+', ignorable: true }),
      topicConfigErrorCode: int16({ versions: '5+', tag: 0, taggedVersions: '5+', ignorable: true }),
      numPartitions: int32({ versions: '5+', default: -1, ignorable: true }),
      replicationFactor: int16({ versions: '5+', default: -1, ignorable: true }),
      configs: array({
        name: string({ versions: '5+' }),
        value: string({ versions: '5+', nullable: '5+' }),
        readOnly: bool({ versions: '5+' }),
        configSource: int8({ versions: '5+', default: -1, ignorable: true }),
        isSensitive: bool({ versions: '5+' })
      }, { versions: '5+', nullable: '5+', ignorable: true })
    })
  }
})
