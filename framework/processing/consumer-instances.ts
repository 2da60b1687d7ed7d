import type { BaseConsumer } from '../consumer/base-consumer.js'
import type { Logger } from '../logger.js'
import type { ShareTopic } from '../routing/share-topic.js'

/**
 * A topic's consumer instances: one per concurrently running job, created on demand (its
 * `initialized` hook runs first) and reused, never running two jobs at once.
 */
export class ConsumerInstances {
  readonly #idle: BaseConsumer[] = []
  readonly #all: BaseConsumer[] = []

  /**
   * @param topic the route (its consumer class)
   * @param logger handed to each instance
   */
  constructor (private readonly topic: ShareTopic, private readonly logger: Logger) {}

  /** An idle instance, or a new initialized one. Rejects with what `initialized` threw (the instance is then dropped). */
  async acquire (): Promise<BaseConsumer> {
    const idle = this.#idle.pop()
    if (idle !== undefined) return idle
    const consumer = new this.topic.consumerClass()
    consumer.topic = this.topic
    consumer.logger = this.logger
    await consumer.initialized()
    this.#all.push(consumer)
    return consumer
  }

  /** Returns an instance after its job. */
  release (consumer: BaseConsumer): void {
    this.#idle.push(consumer)
  }

  /** Runs every instance's `shutdown` hook; what they throw goes to `report`. */
  async shutdown (report: (error: unknown) => void): Promise<void> {
    for (const consumer of this.#all.splice(0)) {
      try {
        await consumer.shutdown()
      } catch (err) {
        report(err)
      }
    }
    this.#idle.length = 0
  }
}
