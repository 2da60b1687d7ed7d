import { ConsumerStateError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'
import { CONSUMER_METHODS_NOT_FOR_SHARE_GROUPS, refuseOptions } from '../routing/unsupported.js'
import type { Message } from './message.js'

/**
 * Where a consumer's decisions go while it runs a job; the framework's job context implements
 * it. Every method is synchronous: it records the decision, and the client sends it.
 */
export interface DecisionSink<P = unknown> {
  /** See {@link BaseConsumer.accept}. */
  accept (message?: Message<P>): void
  /** See {@link BaseConsumer.release}. */
  release (message: Message<P>): void
  /** See {@link BaseConsumer.reject}. */
  reject (message: Message<P>, error?: Error): void
  /** See {@link BaseConsumer.pause}. */
  pause (message: Message<P>, backoffMs: number): void
  /** See {@link BaseConsumer.resume}. */
  resume (): void
}

/**
 * The route a consumer serves, as the consumer sees it. The framework's ShareTopic implements
 * it: declared here, not there, because the route names its consumer class.
 */
export interface ConsumerRoute {
  /** The topic. */
  readonly name: string
  /** The group the topic is routed in. */
  readonly group: { readonly id: string }
}

const sinks = new WeakMap<object, DecisionSink<never>>()

/**
 * Base class of the application's consumers. Subclass it and implement `consume`:
 * ```ts
 * class TasksConsumer extends BaseConsumer<Task> {
 *   async consume (messages: readonly Message<Task>[]) {
 *     for (const m of messages) {
 *       try { await run(m.payload); this.accept(m) }
 *       catch (err) { if (isTransient(err)) this.pause(m, 5_000); else this.reject(m, err as Error) }
 *     }
 *   }
 * }
 * ```
 * What happens to messages `consume` leaves undecided: it returned → they are accepted; it
 * threw → the error is reported and they are released after a backoff (or dead-lettered on
 * their last attempt). One instance runs one job at a time; the framework keeps one instance
 * per concurrently running job of a topic and reuses it, so fields on `this` persist between
 * jobs but are not shared between concurrent ones.
 *
 * The decision methods exist for share groups (the only group kind today); a future consumer
 * group strategy will give offset-based methods instead.
 */
export abstract class BaseConsumer<P = unknown> {
  /** The batch of the job being run (the same array `consume` receives); empty between jobs. */
  messages: readonly Message<P>[] = []
  /** The route this consumer serves; set before `initialized` runs. */
  topic!: ConsumerRoute
  /** The App's logger. */
  logger: Logger = silentLogger

  /** Runs once, before this instance's first job. */
  initialized (): void | Promise<void> {}

  /** Processes a batch. Decide each message with the methods below, or leave it to the defaults. */
  abstract consume (messages: readonly Message<P>[]): void | Promise<void>

  /** Runs once when the App stops, after the last job of this instance. */
  shutdown (): void | Promise<void> {}

  /**
   * Called when the framework loses the acquisition lock of a message of the running job (it
   * ran out, or the broker refused to renew it): another consumer may now receive it. A later
   * decision on it is reported, not thrown.
   */
  lockExpired (_message: Message<P>): void | Promise<void> {}

  /** Accepts a message (done); without an argument, every message of the batch not yet decided. */
  accept (message?: Message<P>): void {
    this.#sink('accept').accept(message)
  }

  /** Releases a message now: it goes back to the group and is redelivered (to anyone), its delivery attempt incremented. */
  release (message: Message<P>): void {
    this.#sink('release').release(message)
  }

  /**
   * Rejects a message: it is never delivered again. With a dead letter queue it is written there
   * first (headers name `error`, when given), and rejected once the write is acknowledged.
   */
  reject (message: Message<P>, error?: Error): void {
    this.#sink('reject').reject(message, error)
  }

  /**
   * Holds a message for `backoffMs`, then releases it. It stays locked to this App meanwhile, so
   * nobody receives it before the backoff ends. With lock renewal (the default where the broker
   * allows it) any backoff length works and polling goes on; without it the backoff must end
   * `shareBackoffBuffer` before the lock does, else {@link BackoffExceedsLockDurationError}.
   */
  pause (message: Message<P>, backoffMs: number): void {
    this.#sink('pause').pause(message, backoffMs)
  }

  /** Ends every backoff this consumer started in the running job: those messages are released now. */
  resume (): void {
    this.#sink('resume').resume()
  }

  #sink (method: string): DecisionSink<P> {
    const sink = sinks.get(this) as DecisionSink<P> | undefined
    if (sink === undefined) throw new ConsumerStateError(`${method}() can only be called while consume() runs`)
    return sink
  }
}

refuseOptions(BaseConsumer.prototype, CONSUMER_METHODS_NOT_FOR_SHARE_GROUPS)

/** Connects a consumer to the job it runs (framework-internal). */
export function attachSink<P> (consumer: BaseConsumer<P>, sink: DecisionSink<P>, messages: readonly Message<P>[]): void {
  sinks.set(consumer, sink as DecisionSink<never>)
  consumer.messages = messages
}

/** Disconnects a consumer from its finished job (framework-internal). */
export function detachSink<P> (consumer: BaseConsumer<P>): void {
  sinks.delete(consumer)
  consumer.messages = []
}
