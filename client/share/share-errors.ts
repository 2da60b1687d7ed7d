import { KafkaError, type KafkaErrorContext } from '../errors.js'

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

/** A call on a consumer after `close()`. */
export class ConsumerClosedError extends KafkaError {
  override name = 'ConsumerClosedError'

  /** @param operation the method that was called */
  constructor (operation: string) {
    super(`${operation}() was called after close(); create a new ShareConsumer`, false)
  }
}
