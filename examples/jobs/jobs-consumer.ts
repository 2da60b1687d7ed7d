import { BaseConsumer, type Message } from '../../framework/index.js'
import { PermanentError, perform, type Job } from './jobs.js'

/**
 * The example's consumer: plain business logic. A transient failure pauses the message (the
 * framework keeps it locked, then releases it after the backoff; on the last attempt it goes
 * to the dead letter queue instead); a permanent failure rejects it (dead letter queue at once).
 */
export class JobsConsumer extends BaseConsumer<Job> {
  async consume (messages: readonly Message<Job>[]): Promise<void> {
    for (const message of messages) {
      try {
        await perform(message.payload, message.deliveryAttempt)
        this.accept(message)
      } catch (err) {
        if (err instanceof PermanentError) this.reject(message, err)
        else this.pause(message, 200 * 2 ** (message.deliveryAttempt - 1))
      }
    }
  }
}
