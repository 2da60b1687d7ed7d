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
 * NOT_LEADER_OR_FOLLOWER (or FENCED_LEADER_EPOCH): the partition's leadership moved away from
 * the broker that delivered the record, so its acknowledgement cannot take effect (the old
 * leader dropped the records with the partition; the new leader delivers them again). Found
 * by the client, which then does not send the acknowledgement (Java's client reports the same
 * code in this case), or answered by the broker; either way this class. An acknowledgement
 * that reaches the old leader before anyone learns of the move gets the broker's own answer
 * instead: UNKNOWN_TOPIC_OR_PARTITION on Kafka 4.4, which forgets the share partition with the
 * leadership.
 */
export class LeaderMovedError extends BrokerResponseError {
  override name = 'LeaderMovedError'

  /**
   * @param brokerId the broker that delivered the record and leads the partition no longer
   * @param topic topic name
   * @param partition partition index
   * @param answered the broker's answer, when it said so itself (else the client found out)
   */
  constructor (brokerId: number, topic: string, partition: number, answered?: { code: number, brokerMessage: string | null }) {
    const code = answered?.code ?? ErrorCode.NOT_LEADER_OR_FOLLOWER
    const errorName = code === ErrorCode.FENCED_LEADER_EPOCH ? 'FENCED_LEADER_EPOCH' : 'NOT_LEADER_OR_FOLLOWER'
    // Not retriable: acknowledging again cannot succeed; the record comes back from the new leader.
    super(`${errorName} (${code}): broker ${brokerId}, which delivered this record of ${topic}-${partition}, leads that partition no longer; ` +
      `${answered === undefined ? 'the acknowledgement was not sent' : 'it refused the acknowledgement'}, and the new leader delivers the record again`,
    code, errorName, false, answered?.brokerMessage ?? null, { brokerId, api: 'ShareAcknowledge' })
  }
}

/**
 * The acquisition lock on a record ran out before its acknowledgement took effect, so this
 * member's settling of it cannot be trusted: the broker may have delivered the record to
 * another member (or to this one again), which may process it too. INVALID_RECORD_STATE, as
 * the broker reports for an acknowledgement of a record that is no longer acquired.
 * - `redelivered`: the broker delivered the record to this consumer again before it was
 *   acknowledged; the acknowledgement was not sent (it would settle the new delivery).
 *   Acknowledge the newer delivery instead.
 * - `late`: the answer came after the record's `lockDeadline` (the earliest its lock could
 *   end): made late, or made in time and held up (linger, retries, a paused process). Whatever
 *   the broker answered — Kafka 4.4 answers success once the records are archived, also when
 *   another member settled them — it may not have taken effect.
 * Renew long jobs (`renew`) or raise the group's `share.record.lock.duration.ms`.
 */
export class LockExpiredError extends BrokerResponseError {
  override name = 'LockExpiredError'

  /**
   * @param topic topic name
   * @param partition partition index
   * @param offsets the offsets concerned
   * @param how `redelivered` or `late` (see the class)
   * @param brokerAnswer what the broker answered a late acknowledgement (`null`: success)
   */
  constructor (topic: string, partition: number, readonly offsets: readonly bigint[], readonly how: 'redelivered' | 'late', brokerAnswer: KafkaError | null = null) {
    const which = `${topic}-${partition} offset${offsets.length === 1 ? '' : 's'} ${offsets.join(',')}`
    super(how === 'redelivered'
      ? `INVALID_RECORD_STATE (${ErrorCode.INVALID_RECORD_STATE}): the acquisition lock on this delivery of ${which} ran out and the broker delivered the record again; ` +
        'the acknowledgement was not sent: acknowledge the newer delivery'
      : `INVALID_RECORD_STATE (${ErrorCode.INVALID_RECORD_STATE}): the acquisition lock of ${which} ran out before the acknowledgement reached the broker ` +
        `(the broker answered ${brokerAnswer === null ? 'success' : brokerAnswer.message}); another member may have received and processed ${offsets.length === 1 ? 'it' : 'them'}. ` +
        'Renew long jobs or raise share.record.lock.duration.ms',
    ErrorCode.INVALID_RECORD_STATE, 'INVALID_RECORD_STATE', false, null, { api: 'ShareAcknowledge', cause: brokerAnswer ?? undefined })
  }
}

/** `poll()` on a consumer that is not subscribed to any topic (Java: IllegalStateException). Call `subscribe()` first. */
export class NotSubscribedError extends KafkaError {
  override name = 'NotSubscribedError'

  constructor () {
    super('poll() was called without a subscription (never subscribed, unsubscribe(), or subscribe([])); call subscribe([topic, ...]) first', false)
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
