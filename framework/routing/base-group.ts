import type { BaseConsumer } from '../consumer/base-consumer.js'

/** Kinds of groups a route can declare. Only share groups exist today; consumer groups have room here. */
export type GroupType = 'share' | 'consumer'

/** A consumer class a topic routes to: a concrete subclass of {@link BaseConsumer}. */
export type ConsumerClass<P = unknown> = new () => BaseConsumer<P>

/** What every routed topic has, whatever its group kind. */
export interface TopicRoute {
  /** Topic name. */
  readonly name: string
  /** The consumer class its batches go to. */
  readonly consumerClass: ConsumerClass
}

/**
 * What every group has: a name (its group id), topics, and `kafka()` settings. Subclasses add
 * what their kind of group can do; options that cannot apply to a kind do not exist on its
 * builder.
 */
export abstract class BaseGroup {
  /** `share` or `consumer`. */
  abstract readonly type: GroupType
  /** The group's topics. */
  abstract readonly topics: readonly TopicRoute[]

  /**
   * @param name the group's name, which is its group id
   * @param kafka the `kafka()` settings declared on the group
   */
  constructor (readonly name: string, readonly kafka: Readonly<Record<string, unknown>>) {}

  /** The group id sent to the broker. */
  get id (): string {
    return this.name
  }

  /** True for a share group (KIP-932). */
  isShareGroup (): boolean {
    return this.type === 'share'
  }

  /** True for a classic/consumer group (not available yet). */
  isConsumerGroup (): boolean {
    return this.type === 'consumer'
  }
}
