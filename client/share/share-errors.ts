import { ErrorCode } from '../../protocol/error-codes.js'
import { BrokerResponseError, KafkaError, type KafkaErrorContext } from '../errors.js'

/**
 * The cluster cannot serve share groups: no broker speaks ShareFetch v1+ (Kafka < 4.1, or 4.0's
 * early-access v0 only), or the `share.version` feature is 0. Not retriable: the cluster must
 * be changed. The message says what to enable.
 */
export class ShareGroupsUnavailableError extends KafkaError {
  override name = 'ShareGroupsUnavailableError'

  /**
   * @param reason what the broker reported
   * @param context broker id, API
   */
  constructor (reason: string, context: KafkaErrorContext = {}) {
    super(`Share groups are not available: ${reason}. kshare needs Apache Kafka 4.1+ (4.2+ for renew and acquire modes) ` +
      'with the share.version feature at 1 or more: a cluster formatted by 4.2+ has it; otherwise run ' +
      '`kafka-features.sh --bootstrap-server <broker> upgrade --feature share.version=1`.', false, context)
  }
}

/** `wakeup()` interrupted a pending `poll()` (or the next one, when none was pending), as in Java. */
export class WakeupError extends KafkaError {
  override name = 'WakeupError'

  constructor () {
    super('poll() was interrupted by wakeup()', false)
  }
}

/**
 * `acknowledge()` was called wrongly: in implicit mode, with an unknown type, for a record
 * this consumer does not hold (never delivered, already settled, or expired long ago), or
 * after `close()`.
 */
export class InvalidAcknowledgementError extends KafkaError {
  override name = 'InvalidAcknowledgementError'

  /** @param message what is wrong and what to do */
  constructor (message: string) {
    super(message, false)
  }
}

/**
 * The share session that delivered these records ended (lost connection, session error,
 * leader gone) before their acknowledgements reached the broker. They are not retried: the
 * broker released the records with the session (or will when their lock runs out), so they
 * are delivered again. Reported through commit results, like Java's NETWORK_EXCEPTION there.
 */
export class ShareSessionLostError extends KafkaError {
  override name = 'ShareSessionLostError'

  /** @param brokerId the leader whose session was lost */
  constructor (brokerId: number, reason: string) {
    super(`The share session with broker ${brokerId} ended before these acknowledgements were sent (${reason}); ` +
      'the records are released by the broker and delivered again', false, { brokerId, api: 'ShareAcknowledge' })
  }
}

/**
 * NOT_LEADER_OR_FOLLOWER, found by the client: the partition's leadership moved away from the
 * broker that delivered the record, so its acknowledgement is not sent (the old leader has
 * dropped the records with the partition; the new leader delivers them again). Java's client
 * reports the same code in this case. An acknowledgement that reaches the old leader before the
 * client learns of the move gets the broker's own answer instead: UNKNOWN_TOPIC_OR_PARTITION
 * on Kafka 4.4, which forgets the share partition with the leadership.
 */
export class LeaderMovedError extends BrokerResponseError {
  override name = 'LeaderMovedError'

  /**
   * @param brokerId the broker that delivered the record and leads the partition no longer
   * @param topic topic name
   * @param partition partition index
   */
  constructor (brokerId: number, topic: string, partition: number) {
    // Not retriable: acknowledging again cannot succeed; the record comes back from the new leader.
    super(`NOT_LEADER_OR_FOLLOWER (${ErrorCode.NOT_LEADER_OR_FOLLOWER}): broker ${brokerId}, which delivered this record of ${topic}-${partition}, leads that partition no longer; ` +
      'the acknowledgement was not sent, and the new leader delivers the record again', ErrorCode.NOT_LEADER_OR_FOLLOWER, 'NOT_LEADER_OR_FOLLOWER', false, null, { brokerId, api: 'ShareAcknowledge' })
  }
}

/** A call on a consumer after `close()`. */
export class ConsumerClosedError extends KafkaError {
  override name = 'ConsumerClosedError'

  /** @param operation the method that was called */
  constructor (operation: string) {
    super(`${operation}() was called after close(); create a new ShareConsumer`, false)
  }
}
