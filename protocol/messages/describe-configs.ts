import { defineApi } from '../api.js'
import { array, bool, int8, int16, int32, string } from '../schema.js'

/**
 * DescribeConfigs (key 32): configuration of topics (resource type 2), brokers (4), broker
 * loggers (8), client-metrics subscriptions (16) and groups (32; share-group settings such as
 * share.auto.offset.reset). v0 was removed in Kafka 4.0; v3 adds config types and
 * documentation; v4 is the first flexible version. Null ConfigurationKeys asks for all keys.
 * ConfigSource: 0 unknown, 1 dynamic topic, 2 dynamic broker, 3 dynamic default broker,
 * 4 static broker, 5 default, 6 dynamic broker logger, 7 client metrics, 8 group.
 *
 * DescribeConfigs Request (Version: 1-4) => [resources] include_synonyms include_documentation(v3+) _tagged_fields(v4+)
 *   resources => resource_type resource_name [configuration_keys] _tagged_fields(v4+)
 *     configuration_keys: nullable array
 * DescribeConfigs Response (Version: 1-4) => throttle_time_ms [results] _tagged_fields(v4+)
 *   results => error_code error_message resource_type resource_name [configs] _tagged_fields(v4+)
 *     error_message: nullable
 *     configs => name value read_only config_source is_sensitive [synonyms] config_type(v3+) documentation(v3+) _tagged_fields(v4+)
 *       value, documentation: nullable
 *       synonyms => name value source _tagged_fields(v4+)
 *         value: nullable
 */
export const DescribeConfigs = defineApi({
  name: 'DescribeConfigs',
  apiKey: 32,
  versions: '1-4',
  flexibleVersions: '4+',
  request: {
    resources: array({
      resourceType: int8(),
      resourceName: string(),
      configurationKeys: array(string(), { nullable: '0+' })
    }),
    includeSynonyms: bool({ versions: '1+', default: false, ignorable: false }),
    includeDocumentation: bool({ versions: '3+', default: false, ignorable: false })
  },
  response: {
    throttleTimeMs: int32(),
    results: array({
      errorCode: int16(),
      errorMessage: string({ nullable: '0+' }),
      resourceType: int8(),
      resourceName: string(),
      configs: array({
        name: string(),
        value: string({ nullable: '0+' }),
        readOnly: bool(),
        configSource: int8({ versions: '1+', default: -1, ignorable: true }),
        isSensitive: bool(),
        synonyms: array({
          name: string({ versions: '1+' }),
          value: string({ versions: '1+', nullable: '0+' }),
          source: int8({ versions: '1+' })
        }, { versions: '1+', ignorable: true }),
        configType: int8({ versions: '3+', default: 0, ignorable: true }),
        documentation: string({ versions: '3+', nullable: '0+', ignorable: true })
      })
    })
  }
})
