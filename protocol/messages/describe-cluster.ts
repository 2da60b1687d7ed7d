import { defineApi } from '../api.js'
import { array, bool, int16, int32, int8, string } from '../schema.js'

/**
 * DescribeCluster (key 60, KIP-700): cluster id, controller and brokers, without topics.
 *
 * We speak v0–v2, all of them (every version is flexible; v1 adds `endpoint_type`
 * (KIP-919), v2 `include_fenced_brokers` / `is_fenced` (KIP-1073)). Unchanged in 4.2–4.4.
 *
 * DescribeCluster Request (Version: 0+) => include_cluster_authorized_operations endpoint_type include_fenced_brokers _tagged_fields
 *   endpoint_type: v1+ (1 = brokers, 2 = controllers); include_fenced_brokers: v2+
 * DescribeCluster Response (Version: 0+) => throttle_time_ms error_code error_message endpoint_type cluster_id controller_id [brokers] cluster_authorized_operations _tagged_fields
 *   brokers => broker_id host port rack is_fenced _tagged_fields   (is_fenced: v2+)
 *   endpoint_type: v1+
 */
export const DescribeCluster = defineApi({
  name: 'DescribeCluster',
  apiKey: 60,
  versions: '0-2',
  flexibleVersions: '0+',
  request: {
    includeClusterAuthorizedOperations: bool(),
    endpointType: int8({ versions: '1+', default: 1 }),
    includeFencedBrokers: bool({ versions: '2+' })
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    errorMessage: string({ nullable: '0+', default: null }),
    endpointType: int8({ versions: '1+', default: 1 }),
    clusterId: string(),
    controllerId: int32({ default: -1 }),
    brokers: array({
      brokerId: int32(),
      host: string(),
      port: int32(),
      rack: string({ nullable: '0+', default: null }),
      isFenced: bool({ versions: '2+' })
    }),
    clusterAuthorizedOperations: int32({ default: -2147483648 })
  }
})
