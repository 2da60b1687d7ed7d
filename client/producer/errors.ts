import { KafkaError } from '../errors.js'

/** Where a `send()` wrote: one entry per partition. */
export interface SendResult {
  topic: string
  partition: number
  /**
   * Offset of the send's first record in this partition. `-1n` when the broker does not say:
   * with `acks: 0`, or for a batch the broker reported as an old duplicate of one it had
   * already written (DUPLICATE_SEQUENCE_NUMBER).
   */
  baseOffset: bigint
  /**
   * Offset of the send's last record in this partition (`-1n` when unknown, as `baseOffset`).
   * Other sends' records may lie between `baseOffset` and it: sends are batched together.
   */
  lastOffset: bigint
  /** Records of the send written to this partition. */
  records: number
}

/** One partition whose batch could not be written. */
export interface SendFailure {
  topic: string
  partition: number
  /** Why: a `BrokerResponseError` (e.g. MESSAGE_TOO_LARGE), a `DeliveryTimeoutError`, a `ProducerClosedError`. */
  error: KafkaError
}

/**
 * A batch was not acknowledged within `deliveryTimeoutMs` of being created (retries included).
 * `cause` is the last error seen, if any. With idempotence on the records may still have
 * been written by an attempt whose answer was lost.
 */
export class DeliveryTimeoutError extends KafkaError {
  override name = 'DeliveryTimeoutError'

  /**
   * @param message what happened and what to do
   * @param deliveryTimeoutMs the configured timeout
   * @param cause the last error of a failed attempt
   */
  constructor (message: string, readonly deliveryTimeoutMs: number, cause?: unknown) {
    super(message, true, { api: 'Produce', cause })
  }
}

/**
 * A `send()` failed for some of its partitions. `written` lists the partitions that did get
 * the records (they are not rolled back), `failures` the ones that did not, each with its
 * own typed error. The message and `cause` are those of the first failure.
 */
export class SendError extends KafkaError {
  override name = 'SendError'

  /**
   * @param failures partitions not written, with why
   * @param written partitions written
   */
  constructor (readonly failures: SendFailure[], readonly written: SendResult[]) {
    const first = failures[0]!
    super(`send failed for ${failures.map(f => `${f.topic}-${f.partition}`).join(', ')}: ${first.error.message}`,
      first.error.retriable, { brokerId: first.error.brokerId, api: first.error.api, cause: first.error })
  }
}

/** The producer was closed: `send()` after `close()`, or records still waiting when `close({ force })` gave up. */
export class ProducerClosedError extends KafkaError {
  override name = 'ProducerClosedError'

  /** @param message what happened */
  constructor (message = 'the producer is closed; create a new Producer') {
    super(message, false)
  }
}

/**
 * `send()` waited `maxBlockMs` for buffer space and none came free (the brokers do not keep
 * up, or are unreachable). Retriable: try again later, or produce less at once.
 */
export class BufferFullError extends KafkaError {
  override name = 'BufferFullError'

  /**
   * @param message what happened and what to do
   * @param requestedBytes bytes the send needed
   * @param maxBufferedBytes the configured limit
   */
  constructor (message: string, readonly requestedBytes: number, readonly maxBufferedBytes: number) {
    super(message, true)
  }
}
