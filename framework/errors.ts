/**
 * The framework's typed errors. Everything the framework throws or reports (through
 * `app.monitor`'s `error.occurred`) is a {@link FrameworkError} or an error raised by the
 * application's own code or the client layer; messages say what to do.
 */

/** Base class of every framework error. */
export class FrameworkError extends Error {
  override name = 'FrameworkError'

  /**
   * @param message what happened and what to do
   * @param cause the error that caused this one, when there is one
   */
  constructor (message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause })
  }
}

/**
 * The routes are invalid: found when `app.routes.draw` runs, never later. `problems` lists
 * every problem found, one sentence each, so that one run shows them all.
 */
export class RoutingError extends FrameworkError {
  override name = 'RoutingError'

  /** @param problems one sentence per problem, naming the group and topic */
  constructor (readonly problems: readonly string[]) {
    super(problems.length === 1 ? `invalid routes: ${problems[0] ?? ''}` : `invalid routes:\n- ${problems.join('\n- ')}`)
  }
}

/**
 * A route option that cannot apply to this kind of group, e.g. `manualOffsetManagement` on a
 * share group (share groups have no offsets to manage). TypeScript callers get a type error
 * instead; this is what JavaScript callers see.
 */
export class UnsupportedOptionError extends FrameworkError {
  override name = 'UnsupportedOptionError'

  /**
   * @param option the option's name
   * @param groupType the kind of group it was used on
   * @param why why it cannot apply, and what to use instead
   */
  constructor (readonly option: string, readonly groupType: 'share', why: string) {
    super(`${option}() is not available on a ${groupType} group: ${why}`)
  }
}

/** An App or route setting has a value the framework cannot use. */
export class InvalidSettingError extends FrameworkError {
  override name = 'InvalidSettingError'

  /**
   * @param setting the setting's name, e.g. `concurrency` or `share.record.lock.duration.ms`
   * @param message what is wrong and what is expected
   */
  constructor (readonly setting: string, message: string) {
    super(message)
  }
}

/**
 * A share group's broker-side configuration does not fit the routes: the broker refused a
 * group config the routes set, or a dead letter queue's `maxAttempts` is not below the
 * group's delivery count limit (the broker would archive the record before we could
 * dead-letter it).
 */
export class GroupConfigError extends FrameworkError {
  override name = 'GroupConfigError'

  /**
   * @param groupId the share group
   * @param message what is wrong and what to do
   * @param cause the broker's error, when it refused
   */
  constructor (readonly groupId: string, message: string, cause?: unknown) {
    super(message, cause)
  }
}

/**
 * `pause(message, backoffMs)` without lock renewal: the record would lose its acquisition lock
 * during the backoff and go to another consumer. Either shorten the backoff, raise the group's
 * `share.record.lock.duration.ms`, or let the framework renew locks (renew is on by default
 * where the broker allows it).
 */
export class BackoffExceedsLockDurationError extends FrameworkError {
  override name = 'BackoffExceedsLockDurationError'

  /**
   * @param backoffMs the backoff asked for
   * @param maxBackoffMs the longest backoff that fits: lock time left minus the buffer
   * @param lockDurationMs the group's record lock duration
   * @param bufferMs the topic's `shareBackoffBuffer`
   */
  constructor (readonly backoffMs: number, readonly maxBackoffMs: number, readonly lockDurationMs: number, readonly bufferMs: number) {
    super(`backoff ${backoffMs} ms exceeds the ${Math.max(0, maxBackoffMs)} ms left on the record's lock ` +
      `(lock ${lockDurationMs} ms, buffer ${bufferMs} ms) and lock renewal is off: shorten the backoff, ` +
      'raise share.record.lock.duration.ms, or enable renew')
  }
}

/**
 * A record's payload could not be deserialized. The record is rejected (and dead-lettered when
 * the topic has a dead letter queue) and never passed to `consume`.
 */
export class DeserializationError extends FrameworkError {
  override name = 'DeserializationError'

  /**
   * @param topic the record's topic
   * @param partition the record's partition
   * @param offset the record's offset
   * @param cause what the deserializer threw
   */
  constructor (readonly topic: string, readonly partition: number, readonly offset: bigint, cause: unknown) {
    super(`cannot deserialize ${topic}-${partition}@${offset}: ${cause instanceof Error ? cause.message : String(cause)}`, cause)
  }
}

/**
 * A consumer called `accept`, `release`, `reject`, `pause` or `resume` where it cannot apply:
 * outside `consume`, for a message that is not in its batch, for a message already decided,
 * or in implicit acknowledgement mode.
 */
export class ConsumerStateError extends FrameworkError {
  override name = 'ConsumerStateError'
}

/**
 * The record reached the topic's `maxAttempts` without being accepted. Used as the error class
 * in the dead letter record's headers when no other error is known.
 */
export class AttemptsExhaustedError extends FrameworkError {
  override name = 'AttemptsExhaustedError'

  /**
   * @param deliveryAttempt the record's delivery attempt
   * @param maxAttempts the topic's limit
   */
  constructor (readonly deliveryAttempt: number, readonly maxAttempts: number) {
    super(`delivery attempt ${deliveryAttempt} of at most ${maxAttempts}`)
  }
}

/**
 * A custom jobs builder lost or repeated messages. The listener reports it and runs the batch
 * as one job instead.
 */
export class JobsBuilderError extends FrameworkError {
  override name = 'JobsBuilderError'
}

/** The consumer rejected a message without giving an error; names the DLQ headers' error class. */
export class RejectedError extends FrameworkError {
  override name = 'RejectedError'
}

/**
 * We lost a record's acquisition lock (it ran out, or the broker refused to renew it): the
 * broker may hand the record to another consumer. Reported through `lock.expired`, and a later
 * decision on that record is reported through `error.occurred`, never thrown.
 */
export class LockLostError extends FrameworkError {
  override name = 'LockLostError'

  /**
   * @param topic the record's topic
   * @param partition the record's partition
   * @param offset the record's offset
   * @param message what happened
   * @param cause the broker's error, when it refused
   */
  constructor (readonly topic: string, readonly partition: number, readonly offset: bigint, message: string, cause?: unknown) {
    super(message, cause)
  }
}

/** The broker refused an acknowledgement (reported through `error.occurred`, counted as an ack error). */
export class AcknowledgementError extends FrameworkError {
  override name = 'AcknowledgementError'

  /**
   * @param topic the topic
   * @param partition the partition whose acknowledgements failed (they fail per partition)
   * @param cause the client's error
   */
  constructor (readonly topic: string, readonly partition: number, cause: unknown) {
    super(`acknowledgements for ${topic}-${partition} failed: ${cause instanceof Error ? cause.message : String(cause)}`, cause)
  }
}

/**
 * Writing a record to its dead letter queue failed. The original record is released (it comes
 * back and is tried again), so nothing is lost.
 */
export class DeadLetterError extends FrameworkError {
  override name = 'DeadLetterError'

  /**
   * @param dlqTopic the dead letter topic
   * @param cause the producer's error
   */
  constructor (readonly dlqTopic: string, cause: unknown) {
    super(`cannot write to dead letter topic ${dlqTopic}: ${cause instanceof Error ? cause.message : String(cause)}`, cause)
  }
}

/** `app.stop()` ran out of time while jobs were still running; their records are released by closing the share sessions. */
export class ShutdownTimeoutError extends FrameworkError {
  override name = 'ShutdownTimeoutError'

  /**
   * @param timeoutMs the stop timeout
   * @param runningJobs jobs still running when it ran out
   */
  constructor (readonly timeoutMs: number, readonly runningJobs: number) {
    super(`stop timed out after ${timeoutMs} ms with ${runningJobs} job(s) still running; their records are released by closing the share sessions`)
  }
}

/** A feature needs an optional peer dependency that is not installed (`npm install <package>`). */
export class MissingDependencyError extends FrameworkError {
  override name = 'MissingDependencyError'

  /**
   * @param packageName the package to install
   * @param feature what needs it, e.g. `the http option's /metrics`
   * @param cause the import's failure
   */
  constructor (readonly packageName: string, feature: string, cause?: unknown) {
    super(`${feature} needs the package ${packageName}, an optional peer dependency of kshare: npm install ${packageName}`, cause)
  }
}
