import { jsonDeserializer } from '../consumer/deserializers.js'
import { checkKafkaSettings, groupConfigsOf, type ShareGroupKafkaSettings } from '../kafka-settings.js'
import { BaseGroup } from './base-group.js'
import { ShareTopicBuilder, type AcknowledgementMode, type ShareTopic, type ShareTopicDefaults, type ShareTopicGroup } from './share-topic.js'

/** Group-wide settings with App-wide defaults (the App's `shareGroups` options). */
export interface ShareGroupDefaults extends ShareTopicDefaults {
  /** See {@link AcknowledgementMode}. */
  acknowledgementMode: AcknowledgementMode
  /** `kafka()` settings every share group starts from (its own `g.kafka()` overrides them). */
  kafka: ShareGroupKafkaSettings
}

/** The framework's defaults (the App's `shareGroups` options override them). */
export const SHARE_GROUP_DEFAULTS: Readonly<ShareGroupDefaults> = Object.freeze({
  acknowledgementMode: 'explicit',
  kafka: {},
  shareBackoffBuffer: 1000,
  retryBackoff: { initialMs: 1000, maxMs: 60_000 },
  deserializer: jsonDeserializer,
  jobsBuilder: 'per_batch'
})

/** A share group (KIP-932) as `draw` resolved it: its topics, settings and broker group configs. Read-only. */
export class ShareGroup extends BaseGroup implements ShareTopicGroup {
  /** Always `share`. */
  readonly type = 'share' as const
  /** Group configs the routes set, to apply on the broker at start (never defaults). */
  readonly groupConfigs: Readonly<Record<string, string>>
  readonly #topics: ShareTopic[] = []

  /**
   * @param name the group id
   * @param kafka the group's `kafka()` settings (App defaults merged under them)
   * @param acknowledgementMode see {@link AcknowledgementMode}
   */
  constructor (name: string, override readonly kafka: Readonly<ShareGroupKafkaSettings>, readonly acknowledgementMode: AcknowledgementMode) {
    super(name, kafka)
    this.groupConfigs = groupConfigsOf(kafka)
  }

  /** The group's topics. */
  get topics (): readonly ShareTopic[] {
    return this.#topics
  }

  /** Adds a resolved topic (routing-internal). */
  addTopic (topic: ShareTopic): void {
    this.#topics.push(topic)
  }
}

/**
 * What `r.shareGroup(name, g => ...)` hands you: group-wide `kafka()` settings (broker group
 * configs such as `share.record.lock.duration.ms`, and consumer defaults) and the topics.
 */
export class ShareGroupBuilder {
  readonly #kafka: Record<string, unknown> = {}
  readonly #topics: ShareTopicBuilder[] = []

  /** @param name the group id */
  constructor (readonly name: string) {}

  /** Group-wide settings: share group configs (applied on the broker at start) and consumer defaults for its topics. */
  kafka (settings: ShareGroupKafkaSettings): this {
    Object.assign(this.#kafka, settings)
    return this
  }

  /** Routes a topic of this group to a consumer. */
  topic (name: string, declare: (t: ShareTopicBuilder) => void): this {
    const builder = new ShareTopicBuilder(name)
    declare(builder)
    this.#topics.push(builder)
    return this
  }

  /** Checks the declaration and returns the resolved group; problems are appended to `problems`. */
  resolve (defaults: ShareGroupDefaults, problems: string[]): ShareGroup | undefined {
    const at = `share group ${JSON.stringify(this.name)}`
    const before = problems.length
    if (typeof this.name !== 'string' || this.name.trim() === '') problems.push('a share group needs a non-empty name')
    for (const p of checkKafkaSettings(this.#kafka, 'group')) problems.push(`${at}: ${p}`)
    if (this.#topics.length === 0) problems.push(`${at}: no topics; add g.topic(name, t => t.consumer(...))`)
    const names = this.#topics.map((t) => t.name)
    for (const dup of new Set(names.filter((n, i) => names.indexOf(n) !== i))) problems.push(`${at}: topic ${dup} is routed twice`)
    const group = new ShareGroup(this.name, { ...defaults.kafka, ...this.#kafka }, defaults.acknowledgementMode)
    const limit = group.kafka['share.delivery.count.limit']
    for (const builder of this.#topics) {
      const topic = builder.resolve(group, defaults, problems)
      if (topic === undefined) continue
      const maxAttempts = topic.deadLetterQueue?.maxAttempts
      if (limit !== undefined && maxAttempts !== undefined && maxAttempts >= limit) {
        problems.push(`${at}, topic ${topic.name}: deadLetterQueue.maxAttempts (${maxAttempts}) must be below share.delivery.count.limit (${limit}), else the broker archives records before they can be dead-lettered`)
      }
      group.addTopic(topic)
    }
    return problems.length > before ? undefined : group
  }
}
