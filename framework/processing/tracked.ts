import type { ShareRecordLike } from '../client-ports.js'
import type { Message } from '../consumer/message.js'

/**
 * Where a held record is: `waiting` for a worker, `running` in a job, `paused` for a backoff,
 * `dead_lettering` (its DLQ write is pending), or `done` (its final acknowledgement is with the
 * client, or its lock is lost and nothing more can be sent for it).
 */
export type TrackedState = 'waiting' | 'running' | 'paused' | 'dead_lettering' | 'done'

/** Told when the lock of a record of its running job is lost (the job's consumer). */
export interface LockLossListener {
  /** The lock of `message` is lost. */
  lockLost (message: Message): void
}

/** One record we hold: its lock, its state. */
export class Tracked {
  /** See {@link TrackedState}. */
  state: TrackedState = 'waiting'
  /** True once the lock is lost: no acknowledgement is sent for this delivery any more. */
  lost = false
  /** For `paused`: when the backoff ends, epoch ms. */
  releaseAt = 0
  /** The running job's consumer, told if the lock is lost. */
  holder: LockLossListener | undefined
  /** A renewal was sent and its outcome has not come back. */
  renewing = false

  /**
   * @param record the record as handed out
   * @param message the message built from it; `undefined` when it failed to deserialize
   * @param handedOutAt when the poll returned it, epoch ms
   * @param lockDeadline when its lock runs out (moved on by renewals), epoch ms
   */
  constructor (readonly record: ShareRecordLike, readonly message: Message | undefined, readonly handedOutAt: number, public lockDeadline: number) {}

  /** Partition and offset: unique among the records of one topic held at once. */
  get key (): string {
    return `${this.record.partition}:${this.record.offset}`
  }
}
