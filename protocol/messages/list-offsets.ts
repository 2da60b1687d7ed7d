import { defineApi } from '../api.js'
import { array, int16, int32, int64, int8, string } from '../schema.js'

/**
 * ListOffsets (key 2): the offset for a timestamp, or a special one (-1 latest, -2 earliest,
 * -3 max timestamp (v7+), -4 local log start (v8+), -5 last tiered (v9+), -6 earliest
 * pending upload (v11+)).
 *
 * We speak v6–v11: v6 is the first flexible version (a Kafka-4-only client has no use for
 * the classic encodings), v11 the newest in 4.2–4.4 (stable, unchanged across them).
 *
 * ListOffsets Request (Version: 6+) => replica_id isolation_level [topics] timeout_ms _tagged_fields
 *   topics => name [partitions] _tagged_fields
 *     partitions => partition_index current_leader_epoch timestamp _tagged_fields
 *   timeout_ms: v10+
 * ListOffsets Response (Version: 6+) => throttle_time_ms [topics] _tagged_fields
 *   topics => name [partitions] _tagged_fields
 *     partitions => partition_index error_code timestamp offset leader_epoch _tagged_fields
 */
export const ListOffsets = defineApi({
  name: 'ListOffsets',
  apiKey: 2,
  versions: '6-11',
  flexibleVersions: '6+',
  request: {
    replicaId: int32(),
    isolationLevel: int8({ versions: '2+' }),
    topics: array({
      name: string(),
      partitions: array({
        partitionIndex: int32(),
        currentLeaderEpoch: int32({ versions: '4+', default: -1, ignorable: true }),
        timestamp: int64()
      })
    }),
    timeoutMs: int32({ versions: '10+', ignorable: true })
  },
  response: {
    throttleTimeMs: int32({ versions: '2+', ignorable: true }),
    topics: array({
      name: string(),
      partitions: array({
        partitionIndex: int32(),
        errorCode: int16(),
        timestamp: int64({ versions: '1+', default: -1n }),
        offset: int64({ versions: '1+', default: -1n }),
        leaderEpoch: int32({ versions: '4+', default: -1 })
      })
    })
  }
})
