import { defineApi } from '../api.js'
import { int16, int32, int64, string } from '../schema.js'

/**
 * InitProducerId (key 22): a producer id and epoch for idempotent or transactional producing.
 *
 * We speak v2–v5: v2 is the first flexible version, v5 (KIP-890, TRANSACTION_ABORTABLE)
 * the newest stable one. v6 (KIP-939 two-phase commit: Enable2Pc, KeepPreparedTxn and
 * OngoingTxnProducerId/Epoch) is `latestVersionUnstable` in Kafka 4.1–4.4, so brokers
 * only accept it with `unstable.api.versions.enable`; its fields are not declared here.
 *
 * InitProducerId Request (Version: 2+) => transactional_id transaction_timeout_ms producer_id producer_epoch _tagged_fields
 *   producer_id, producer_epoch: v3+ (resume after INVALID_PRODUCER_EPOCH)
 * InitProducerId Response (Version: 2+) => throttle_time_ms error_code producer_id producer_epoch _tagged_fields
 */
export const InitProducerId = defineApi({
  name: 'InitProducerId',
  apiKey: 22,
  versions: '2-5',
  flexibleVersions: '2+',
  request: {
    transactionalId: string({ nullable: '0+' }),
    transactionTimeoutMs: int32(),
    producerId: int64({ versions: '3+', default: -1n }),
    producerEpoch: int16({ versions: '3+', default: -1 })
  },
  response: {
    throttleTimeMs: int32({ ignorable: true }),
    errorCode: int16(),
    producerId: int64({ default: -1n }),
    producerEpoch: int16()
  }
})
