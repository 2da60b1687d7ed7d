import { defineApi } from '../api.js'
import { array, bool, int16, int32, string, uuid } from '../schema.js'

/**
 * Metadata (key 3): brokers, topics, partition leaders. A null `topics` asks for every topic.
 *
 * We speak v10–v13. v10 is the first version whose response carries topic ids, and
 * kshare keys topics by id (share-group assignments and ShareFetch name topics only by
 * id), so older versions are of no use to us. Looking topics up *by id* needs v12+: in
 * v10–v11 the broker ignores `topicId` and needs a non-null name. Every Kafka 4.x broker
 * speaks up to v13 (unchanged in 4.2–4.4).
 *
 * Metadata Request (Version: 10+) => [topics] allow_auto_topic_creation include_cluster_authorized_operations include_topic_authorized_operations _tagged_fields
 *   topics (nullable) => topic_id name _tagged_fields             (name nullable)
 *   include_cluster_authorized_operations: v8–v10 only
 * Metadata Response (Version: 10+) => throttle_time_ms [brokers] cluster_id controller_id [topics] cluster_authorized_operations error_code _tagged_fields
 *   brokers => node_id host port rack _tagged_fields
 *   topics => error_code name topic_id is_internal [partitions] topic_authorized_operations _tagged_fields   (name nullable v12+)
 *     partitions => error_code partition_index leader_id leader_epoch [replica_nodes] [isr_nodes] [offline_replicas] _tagged_fields
 *   cluster_authorized_operations: v8–v10 only; error_code: v13+
 */
export const Metadata = defineApi({
  name: 'Metadata',
  apiKey: 3,
  versions: '10-13',
  flexibleVersions: '9+',
  request: {
    topics: array({
      topicId: uuid({ versions: '10+', ignorable: true }),
      name: string({ nullable: '10+' })
    }, { nullable: '1+' }),
    allowAutoTopicCreation: bool({ versions: '4+', default: true }),
    includeClusterAuthorizedOperations: bool({ versions: '8-10' }),
    includeTopicAuthorizedOperations: bool({ versions: '8+' })
  },
  response: {
    throttleTimeMs: int32({ versions: '3+', ignorable: true }),
    brokers: array({
      nodeId: int32(),
      host: string(),
      port: int32(),
      rack: string({ versions: '1+', nullable: '1+', ignorable: true, default: null })
    }),
    clusterId: string({ versions: '2+', nullable: '2+', ignorable: true, default: null }),
    controllerId: int32({ versions: '1+', default: -1, ignorable: true }),
    topics: array({
      errorCode: int16(),
      name: string({ nullable: '12+' }),
      topicId: uuid({ versions: '10+', ignorable: true }),
      isInternal: bool({ versions: '1+', default: false, ignorable: true }),
      partitions: array({
        errorCode: int16(),
        partitionIndex: int32(),
        leaderId: int32(),
        leaderEpoch: int32({ versions: '7+', default: -1, ignorable: true }),
        replicaNodes: array(int32()),
        isrNodes: array(int32()),
        offlineReplicas: array(int32(), { versions: '5+', ignorable: true })
      }),
      topicAuthorizedOperations: int32({ versions: '8+', default: -2147483648 })
    }),
    clusterAuthorizedOperations: int32({ versions: '8-10', default: -2147483648 }),
    errorCode: int16({ versions: '13+', ignorable: true })
  }
})
