import type { BackoffOptions } from '../../client/backoff.js'
import { isTopicName } from '../../client/topic-name.js'
import type { ShareConsumerSettings } from '../client-ports.js'
import { BaseConsumer, type ConsumerRoute } from '../consumer/base-consumer.js'
import type { Deserializer } from '../consumer/deserializers.js'
import { checkKafkaSettings, consumerSettingsOf, type ShareConsumerKafkaSettings, type ShareGroupKafkaSettings } from '../kafka-settings.js'
import { JOBS_BUILDER_KINDS, type JobsBuilderSpec } from '../processing/jobs-builders.js'
import type { VirtualPartitionsOptions } from '../processing/virtual-partitions.js'
import type { ConsumerClass, TopicRoute } from './base-group.js'
import { refuseOptions, TOPIC_OPTIONS_NOT_FOR_SHARE_GROUPS } from './unsupported.js'

/**
 * `explicit` (default): consumers decide each message with accept/release/reject/pause, and the
 * defaults cover what they leave undecided. `implicit`: the decision methods are refused and
 * only the defaults apply (returned → accept all; threw → release after a backoff, or DLQ on
 * the last attempt). The share consumer itself always runs in explicit mode.
 */
export type AcknowledgementMode = 'explicit' | 'implicit'

/**
 * The share group a topic is routed in, as the topic and its processing see it. ShareGroup
 * implements it: declared here because the group holds its topics, and a topic only points back.
 */
export interface ShareTopicGroup {
  /** The group id. */
  readonly id: string
  /** The group's `kafka()` settings (App defaults merged under them): the topic's consumer starts from them. */
  readonly kafka: Readonly<ShareGroupKafkaSettings>
  /** See {@link AcknowledgementMode}. */
  readonly acknowledgementMode: AcknowledgementMode
}

/** `t.deadLetterQueue({...})`. */
export interface DeadLetterQueueOptions {
  /** Topic the rejected records are written to (it must exist, or the broker must auto-create it). */
  topic: string
  /**
   * Deliveries a record gets before it goes to the DLQ instead of being released again. Must be
   * below the group's delivery count limit (checked at start). Without it, only explicit rejects
   * and undeserializable records are dead-lettered.
   */
  maxAttempts?: number
}

/** Per-topic settings whose defaults come from the App's `shareGroups` options. */
export interface ShareTopicDefaults {
  /** Time kept between a backoff's end and the lock's end when locks are not renewed, ms. */
  shareBackoffBuffer: number
  /** Backoff before records of a failed `consume` are released: `initialMs · 2^(attempt-1)` capped at `maxMs`, ±20 % jitter. */
  retryBackoff: BackoffOptions
  /** How payloads are deserialized. */
  deserializer: Deserializer
  /** How polled batches become jobs. */
  jobsBuilder: JobsBuilderSpec
}

/** A routed topic of a share group, as `draw` resolved it. Read-only. */
export class ShareTopic implements TopicRoute, ConsumerRoute {
  /** Settings of the share consumer created for this topic. */
  readonly consumerSettings: ShareConsumerSettings

  /**
   * @param name topic name
   * @param group the share group
   * @param consumerClass consumer class
   * @param kafka the topic's own `kafka()` settings
   * @param settings everything else, defaults applied
   */
  constructor (
    readonly name: string,
    readonly group: ShareTopicGroup,
    readonly consumerClass: ConsumerClass,
    readonly kafka: Readonly<ShareConsumerKafkaSettings>,
    readonly settings: Readonly<ShareTopicDefaults & { deadLetterQueue?: DeadLetterQueueOptions, virtualPartitions?: VirtualPartitionsOptions }>
  ) {
    this.consumerSettings = consumerSettingsOf(group.id, group.kafka, kafka)
  }

  /** The dead letter queue, when the topic has one. */
  get deadLetterQueue (): DeadLetterQueueOptions | undefined {
    return this.settings.deadLetterQueue
  }

  /** The virtual partitions, when the topic has them. */
  get virtualPartitions (): VirtualPartitionsOptions | undefined {
    return this.settings.virtualPartitions
  }
}

/**
 * What `g.topic(name, t => ...)` hands you. Only options that apply to share groups exist here;
 * consumer group options (manual offset management, filtering, long-running jobs, ...) do not.
 */
export class ShareTopicBuilder {
  #consumer: unknown
  #kafka: Record<string, unknown> = {}
  #settings: Partial<ShareTopicDefaults> & { deadLetterQueue?: DeadLetterQueueOptions, virtualPartitions?: VirtualPartitionsOptions } = {}

  /** @param name the topic */
  constructor (readonly name: string) {}

  /** The consumer class this topic's batches go to. Required. */
  consumer<P> (consumerClass: ConsumerClass<P>): this {
    this.#consumer = consumerClass
    return this
  }

  /** Share consumer settings for this topic (they override the group's). */
  kafka (settings: ShareConsumerKafkaSettings): this {
    Object.assign(this.#kafka, settings)
    return this
  }

  /** Time kept between a backoff's end and the lock's end when locks are not renewed, ms. Default 1000. */
  shareBackoffBuffer (ms: number): this {
    this.#settings.shareBackoffBuffer = ms
    return this
  }

  /** Writes rejected records (and records out of attempts) to a dead letter topic. */
  deadLetterQueue (options: DeadLetterQueueOptions): this {
    this.#settings.deadLetterQueue = options
    return this
  }

  /** Splits each polled batch across parallel jobs by a partitioner; each job acks its own messages. */
  virtualPartitions (options: VirtualPartitionsOptions): this {
    this.#settings.virtualPartitions = options
    return this
  }

  /** How payloads are deserialized (default JSON). */
  deserializer<P> (deserializer: Deserializer<P>): this {
    this.#settings.deserializer = deserializer
    return this
  }

  /** How polled batches become jobs: `per_batch` (default), `per_message`, `per_partition`, `per_key`, or a function. */
  jobsBuilder (spec: JobsBuilderSpec): this {
    this.#settings.jobsBuilder = spec
    return this
  }

  /** Backoff before the records of a failed `consume` are released. */
  retryBackoff (options: BackoffOptions): this {
    this.#settings.retryBackoff = options
    return this
  }

  /** Checks the declaration and returns the resolved topic; problems are appended to `problems`. */
  resolve (group: ShareTopicGroup, defaults: ShareTopicDefaults, problems: string[]): ShareTopic | undefined {
    const at = `share group ${group.id}, topic ${this.name}`
    const before = problems.length
    const settings = { ...defaults, ...this.#settings }
    if (!isTopicName(this.name)) problems.push(`${at}: not a legal topic name (1–249 of a-z A-Z 0-9 . _ -)`)
    if (this.#consumer === undefined) problems.push(`${at}: no consumer; add t.consumer(YourConsumer)`)
    else if (!isConsumerClass(this.#consumer)) problems.push(`${at}: the consumer must be a class extending BaseConsumer`)
    for (const p of checkKafkaSettings(this.#kafka, 'topic')) problems.push(`${at}: ${p}`)
    if (!isNonNegativeInt(settings.shareBackoffBuffer)) problems.push(`${at}: shareBackoffBuffer must be an integer ≥ 0 (ms)`)
    checkBackoff(settings.retryBackoff, `${at}: retryBackoff`, problems)
    if (typeof settings.deserializer !== 'function') problems.push(`${at}: the deserializer must be a function`)
    if (typeof settings.jobsBuilder !== 'function' && !JOBS_BUILDER_KINDS.includes(settings.jobsBuilder)) {
      problems.push(`${at}: jobsBuilder must be one of ${JOBS_BUILDER_KINDS.join(', ')} or a function`)
    }
    checkDeadLetterQueue(settings.deadLetterQueue, this.name, at, problems)
    checkVirtualPartitions(settings.virtualPartitions, this.#settings.jobsBuilder !== undefined, at, problems)
    if (problems.length > before) return undefined
    return new ShareTopic(this.name, group, this.#consumer as ConsumerClass, { ...this.#kafka }, settings)
  }
}
refuseOptions(ShareTopicBuilder.prototype, TOPIC_OPTIONS_NOT_FOR_SHARE_GROUPS)

function isConsumerClass (value: unknown): boolean {
  return typeof value === 'function' && value.prototype instanceof BaseConsumer
}

function isNonNegativeInt (value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= 0
}

/** Appends a problem unless `options` is a valid exponential backoff. */
export function checkBackoff (options: BackoffOptions | undefined, at: string, problems: string[]): void {
  if (options === undefined || !isNonNegativeInt(options.initialMs) || !isNonNegativeInt(options.maxMs) || options.maxMs < options.initialMs) {
    problems.push(`${at} needs integer initialMs ≥ 0 and maxMs ≥ initialMs`)
  }
}

function checkDeadLetterQueue (dlq: DeadLetterQueueOptions | undefined, topic: string, at: string, problems: string[]): void {
  if (dlq === undefined) return
  if (!isTopicName(dlq.topic)) problems.push(`${at}: deadLetterQueue.topic must be a legal topic name`)
  else if (dlq.topic === topic) problems.push(`${at}: deadLetterQueue.topic must differ from the topic itself`)
  if (dlq.maxAttempts !== undefined && !(Number.isInteger(dlq.maxAttempts) && dlq.maxAttempts >= 1)) {
    problems.push(`${at}: deadLetterQueue.maxAttempts must be an integer ≥ 1`)
  }
}

function checkVirtualPartitions (vp: VirtualPartitionsOptions | undefined, hasJobsBuilder: boolean, at: string, problems: string[]): void {
  if (vp === undefined) return
  if (!(Number.isInteger(vp.maxPartitions) && vp.maxPartitions >= 1)) problems.push(`${at}: virtualPartitions.maxPartitions must be an integer ≥ 1`)
  if (vp.partitioner !== 'round_robin' && vp.partitioner !== 'key' && typeof vp.partitioner !== 'function') {
    problems.push(`${at}: virtualPartitions.partitioner must be round_robin, key or a function`)
  }
  if (hasJobsBuilder) problems.push(`${at}: virtual partitions build the jobs; remove jobsBuilder() or virtualPartitions()`)
}
