import { defineApi } from '../api.js'
import { array, bool, int16, int32, int64, string } from '../schema.js'

/**
 * ApiVersions (key 18): which APIs and versions a broker speaks, and the cluster's
 * finalized features (`share.version` tells whether share groups are enabled).
 * v3 is the first flexible version; the response header is v0 in every version.
 * v5 (Kafka 4.4, KIP-1242) lets the client name the cluster and node it expects.
 *
 * ApiVersions Request (Version: 3+) => client_software_name client_software_version [cluster_id node_id] _tagged_fields
 * ApiVersions Response (Version: 3+) => error_code [api_keys] throttle_time_ms _tagged_fields
 *   api_keys => api_key min_version max_version _tagged_fields
 *   tagged: 0 supported_features, 1 finalized_features_epoch, 2 finalized_features, 3 zk_migration_ready
 */
export const ApiVersions = defineApi({
  name: 'ApiVersions',
  apiKey: 18,
  versions: '0-5',
  flexibleVersions: '3+',
  responseHeaderAlwaysV0: true,
  request: {
    clientSoftwareName: string({ versions: '3+', ignorable: true }),
    clientSoftwareVersion: string({ versions: '3+', ignorable: true }),
    clusterId: string({ versions: '5+', nullable: '5+', default: null, ignorable: true }),
    nodeId: int32({ versions: '5+', default: -1, ignorable: true })
  },
  response: {
    errorCode: int16(),
    apiKeys: array({
      apiKey: int16(),
      minVersion: int16(),
      maxVersion: int16()
    }),
    throttleTimeMs: int32({ versions: '1+', ignorable: true }),
    supportedFeatures: array({
      name: string(),
      minVersion: int16(),
      maxVersion: int16()
    }, { versions: '3+', tag: 0, ignorable: true }),
    finalizedFeaturesEpoch: int64({ versions: '3+', tag: 1, default: -1n, ignorable: true }),
    finalizedFeatures: array({
      name: string(),
      maxVersionLevel: int16(),
      minVersionLevel: int16()
    }, { versions: '3+', tag: 2, ignorable: true }),
    zkMigrationReady: bool({ versions: '3+', tag: 3, default: false, ignorable: true })
  }
})
