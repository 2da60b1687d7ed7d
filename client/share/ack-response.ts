import type { ResponseOf } from '../../protocol/api.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import type { ShareAcknowledge } from '../../protocol/messages/share-acknowledge.js'
import { responseError, type BrokerResponseError } from '../errors.js'
import type { AckBundle } from './ack-bundle.js'
import { partitionKey, type TopicIdPartition } from './ack-outbox.js'
import { LeaderMovedError } from './share-errors.js'

/**
 * Acknowledgement errors meaning the partition's leader or topic changed: never retried (the
 * broker dropped the records with the leadership), but the partition must be routed again.
 * Java's ShareConsumeRequestManager treats exactly these apart.
 */
export const ACK_ROUTING_ERRORS: ReadonlySet<number> = new Set([
  ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.FENCED_LEADER_EPOCH, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_ID
])

/**
 * True when a ShareAcknowledge partition error is worth sending the acks again, as Java's
 * client decides it (`handlePartitionError`): a retriable error (e.g. COORDINATOR_NOT_AVAILABLE
 * while the share coordinator moves; the broker rolled the records back to acquired) that is
 * not a leader or topic change.
 */
export function retriesAck (error: BrokerResponseError | null): boolean {
  return error !== null && error.retriable && !ACK_ROUTING_ERRORS.has(error.code)
}

/**
 * The error of one partition's acknowledgements as a ShareFetch or ShareAcknowledge answered
 * them (`null` for none): NOT_LEADER_OR_FOLLOWER and FENCED_LEADER_EPOCH are a
 * {@link LeaderMovedError} on every path, as when the client refuses such acks itself.
 * UNKNOWN_TOPIC_OR_PARTITION stays as answered: Kafka 4.4's old leader says it after a move,
 * but so does any broker for a deleted topic.
 */
export function acknowledgeError (code: number, target: TopicIdPartition, nodeId: number, api: string, message: string | null): BrokerResponseError | null {
  if (code === ErrorCode.NOT_LEADER_OR_FOLLOWER || code === ErrorCode.FENCED_LEADER_EPOCH) return new LeaderMovedError(nodeId, target.topic, target.partition, { code, brokerMessage: message })
  return responseError(code, { api, brokerId: nodeId, brokerMessage: message, what: `${target.topic}-${target.partition}` })
}

/** The result of acknowledgements the response did not mention: unconfirmed (Java: INVALID_RECORD_STATE, "invalid response"). */
export function unansweredError (nodeId: number, api: string): BrokerResponseError {
  return responseError(ErrorCode.INVALID_RECORD_STATE, { api, brokerId: nodeId, brokerMessage: 'the response did not mention this partition, so its acknowledgements are unconfirmed' })!
}

/**
 * Settles the partitions a ShareAcknowledge carried (`bundle.unsettled()` when it was built)
 * from its response, as Java's client: applied or failed as answered, left-out partitions
 * failed as unconfirmed; with `retry`, partitions failing with an error {@link retriesAck}
 * accepts stay unsettled. Returns that error (send them again), or `undefined`.
 */
export function settleAcknowledgeResponse (bundle: AckBundle, response: ResponseOf<typeof ShareAcknowledge>, nodeId: number, retry: boolean): BrokerResponseError | undefined {
  const sent = bundle.unsettled()
  let again: BrokerResponseError | undefined
  for (const topic of response.responses) {
    for (const p of topic.partitions) {
      const key = partitionKey(topic.topicId, p.partitionIndex)
      const target = sent.get(key)?.target
      if (target === undefined) continue
      sent.delete(key)
      const error = acknowledgeError(p.errorCode, target, nodeId, 'ShareAcknowledge', p.errorMessage)
      if (retry && retriesAck(error)) again = error!
      else bundle.settle(key, error)
    }
  }
  for (const key of sent.keys()) bundle.settle(key, unansweredError(nodeId, 'ShareAcknowledge'))
  return again
}
