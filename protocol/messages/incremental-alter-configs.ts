import { defineApi } from '../api.js'
import { array, bool, int8, int16, int32, string } from '../schema.js'

/**
 * IncrementalAlterConfigs (key 44): changes individual config entries of topics (resource
 * type 2), brokers (4), broker loggers (8), client metrics (16) or groups (32; e.g.
 * share.auto.offset.reset=earliest for a share group, whose default is latest).
 * ConfigOperation: 0 set, 1 delete, 2 append, 3 subtract. v1 is the first flexible version.
 *
 * IncrementalAlterConfigs Request (Version: 0-1) => [resources] validate_only _tagged_fields(v1+)
 *   resources => resource_type resource_name [configs] _tagged_fields(v1+)
 *     configs => name config_operation value _tagged_fields(v1+)
 *       value: nullable
 * IncrementalAlterConfigs Response (Version: 0-1) => throttle_time_ms [responses] _tagged_fields(v1+)
 *   responses => error_code error_message resource_type resource_name _tagged_fields(v1+)
 *     error_message: nullable
 */
export const IncrementalAlterConfigs = defineApi({
  name: 'IncrementalAlterConfigs',
  apiKey: 44,
  versions: '0-1',
  flexibleVersions: '1+',
  request: {
    resources: array({
      resourceType: int8(),
      resourceName: string(),
      configs: array({
        name: string(),
        configOperation: int8(),
        value: string({ nullable: '0+' })
      })
    }),
    validateOnly: bool()
  },
  response: {
    throttleTimeMs: int32(),
    responses: array({
      errorCode: int16(),
      errorMessage: string({ nullable: '0+' }),
      resourceType: int8(),
      resourceName: string()
    })
  }
})
