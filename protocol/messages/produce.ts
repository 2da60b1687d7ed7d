import { defineApi } from '../api.js'
import { array, int16, int32, int64, records, string, struct, uuid } from '../schema.js'

/**
 * Produce (key 0): append record batches to partition logs. `records` are raw
 * record-batch bytes (`protocol/records/` builds and reads them).
 *
 * We speak v9–v13: v9 is the first flexible version; v13 (KIP-516) names topics by id
 * instead of name and is stable from Kafka 4.1 on, so every 4.2–4.4 broker accepts it
 * (4.0 stops at v12). A caller that only knows topic names caps the version at 12.
 * Brokers advertise Produce from v0 (a librdkafka workaround, KAFKA-18659) but reject v0–v2.
 *
 * Produce Request (Version: 9+) => transactional_id acks timeout_ms [topic_data] _tagged_fields
 *   topic_data => name topic_id [partition_data] _tagged_fields          (name: v0–v12; topic_id: v13+)
 *     partition_data => index records _tagged_fields                     (records nullable)
 * Produce Response (Version: 9+) => [responses] throttle_time_ms _tagged_fields
 *   responses => name topic_id [partition_responses] _tagged_fields      (name: v0–v12; topic_id: v13+)
 *     partition_responses => index error_code base_offset log_append_time_ms log_start_offset [record_errors] error_message _tagged_fields
 *       record_errors => batch_index batch_index_error_message _tagged_fields
 *       tagged (v10+): 0 current_leader => leader_id leader_epoch _tagged_fields
 *   tagged (v10+): 0 node_endpoints => [node_id host port rack _tagged_fields]
 */
export const Produce = defineApi({
  name: 'Produce',
  apiKey: 0,
  versions: '9-13',
  flexibleVersions: '9+',
  request: {
    transactionalId: string({ versions: '3+', nullable: '3+', default: null }),
    acks: int16(),
    timeoutMs: int32(),
    topicData: array({
      name: string({ versions: '0-12', ignorable: true }),
      topicId: uuid({ versions: '13+', ignorable: true }),
      partitionData: array({
        index: int32(),
        records: records({ nullable: '0+' })
      })
    })
  },
  response: {
    responses: array({
      name: string({ versions: '0-12', ignorable: true }),
      topicId: uuid({ versions: '13+', ignorable: true }),
      partitionResponses: array({
        index: int32(),
        errorCode: int16(),
        baseOffset: int64(),
        logAppendTimeMs: int64({ versions: '2+', default: -1n, ignorable: true }),
        logStartOffset: int64({ versions: '5+', default: -1n, ignorable: true }),
        recordErrors: array({
          batchIndex: int32({ versions: '8+' }),
          batchIndexErrorMessage: string({ versions: '8+', nullable: '8+', default: null })
        }, { versions: '8+', ignorable: true }),
        errorMessage: string({ versions: '8+', nullable: '8+', default: null, ignorable: true }),
        currentLeader: struct({
          leaderId: int32({ versions: '10+', default: -1 }),
          leaderEpoch: int32({ versions: '10+', default: -1 })
        }, { versions: '10+', taggedVersions: '10+', tag: 0 })
      })
    }),
    throttleTimeMs: int32({ versions: '1+', ignorable: true, default: 0 }),
    nodeEndpoints: array({
      nodeId: int32({ versions: '10+' }),
      host: string({ versions: '10+' }),
      port: int32({ versions: '10+' }),
      rack: string({ versions: '10+', nullable: '10+', default: null })
    }, { versions: '10+', taggedVersions: '10+', tag: 0 })
  }
})
