/**
 * The `kafka({...})` settings of routes: which names exist, what values they take, and where
 * they go. Two kinds:
 * - share group configs (`share.record.lock.duration.ms`, ...) live on the broker, per group;
 *   the framework applies the ones the routes set with IncrementalAlterConfigs at start, and
 *   never writes a default, so an operator's settings survive. Only on `g.kafka()`.
 * - consumer settings (`max.poll.records`, ...) configure the share consumer the framework
 *   creates for each topic. On `g.kafka()` (every topic) or `t.kafka()` (that topic).
 */
import type { ShareConsumerSettings } from './client-ports.js'

/** Share consumer settings: `g.kafka()` (defaults for the group's topics) or `t.kafka()`. */
export interface ShareConsumerKafkaSettings {
  /** Most records one poll hands out (and what capacity-aware polling never exceeds). Default 500. */
  'max.poll.records'?: number
  /** `record_limit` (default here): the broker hands out at most what we ask for; `batch_optimized`: whole log batches. */
  'share.acquire.mode'?: 'batch_optimized' | 'record_limit'
  /** Longest time the broker holds a fetch waiting for records. */
  'fetch.max.wait.ms'?: number
  /** Bytes the broker waits for before answering a fetch. */
  'fetch.min.bytes'?: number
  /** Most bytes one fetch returns. */
  'fetch.max.bytes'?: number
  /** Request timeout. */
  'request.timeout.ms'?: number
  /** Client id sent to the broker. */
  'client.id'?: string
}

/**
 * Share group configs (broker-side, per group; IncrementalAlterConfigs resource type GROUP).
 * Applied at start only when set here. Some exist only on newer brokers (noted per key).
 */
export interface ShareGroupConfigSettings {
  /** Acquisition lock duration (broker bounds: `group.share.min/max.record.lock.duration.ms`). */
  'share.record.lock.duration.ms'?: number
  /** Deliveries before the broker archives a record. Group config from Kafka 4.3 (KIP-1240). */
  'share.delivery.count.limit'?: number
  /** Where a new group starts: `latest` (broker default), `earliest`, or `by_duration:<ISO-8601 duration>`. */
  'share.auto.offset.reset'?: 'earliest' | 'latest' | `by_duration:${string}`
  /** Whether records of open transactions are handed out. */
  'share.isolation.level'?: 'read_uncommitted' | 'read_committed'
  /** Most records one partition keeps acquired at once. Kafka 4.3+. */
  'share.partition.max.record.locks'?: number
  /** Whether members may renew locks (KIP-1222). Kafka 4.3+ (4.2 always allows it). */
  'share.renew.acknowledge.enable'?: boolean
  /** The broker's own dead letter topic (KIP-1191, Kafka 4.4 with share.version=2). */
  'errors.deadletterqueue.topic.name'?: string
  /** Whether the broker copies the record into its dead letter record. Kafka 4.4. */
  'errors.deadletterqueue.copy.record.enable'?: boolean
}

/** Everything `g.kafka()` accepts. */
export type ShareGroupKafkaSettings = ShareGroupConfigSettings & ShareConsumerKafkaSettings

type ValueSpec =
  | { kind: 'int', min: number, max?: number }
  | { kind: 'enum', values: readonly string[] }
  | { kind: 'bool' }
  | { kind: 'string' }
  | { kind: 'offsetReset' }

const GROUP_CONFIGS: Readonly<Record<keyof ShareGroupConfigSettings, ValueSpec>> = {
  'share.record.lock.duration.ms': { kind: 'int', min: 1000, max: 3_600_000 },
  'share.delivery.count.limit': { kind: 'int', min: 2, max: 10 },
  'share.auto.offset.reset': { kind: 'offsetReset' },
  'share.isolation.level': { kind: 'enum', values: ['read_uncommitted', 'read_committed'] },
  'share.partition.max.record.locks': { kind: 'int', min: 100, max: 10_000 },
  'share.renew.acknowledge.enable': { kind: 'bool' },
  'errors.deadletterqueue.topic.name': { kind: 'string' },
  'errors.deadletterqueue.copy.record.enable': { kind: 'bool' }
}

const CONSUMER_SETTINGS: Readonly<Record<keyof ShareConsumerKafkaSettings, ValueSpec>> = {
  'max.poll.records': { kind: 'int', min: 1 },
  'share.acquire.mode': { kind: 'enum', values: ['batch_optimized', 'record_limit'] },
  'fetch.max.wait.ms': { kind: 'int', min: 0 },
  'fetch.min.bytes': { kind: 'int', min: 0 },
  'fetch.max.bytes': { kind: 'int', min: 1 },
  'request.timeout.ms': { kind: 'int', min: 1 },
  'client.id': { kind: 'string' }
}

// Java's ShareConsumerConfig refuses these for share consumers; we say what to use instead.
const REFUSED: Readonly<Record<string, string>> = {
  'auto.offset.reset': 'share groups use the group config share.auto.offset.reset (set it with g.kafka())',
  'isolation.level': 'share groups use the group config share.isolation.level (set it with g.kafka())',
  'enable.auto.commit': 'share groups have no offsets to commit; records are acknowledged one by one',
  'group.instance.id': 'share groups have no static membership',
  'partition.assignment.strategy': 'the broker assigns partitions to share group members',
  'group.remote.assignor': 'the broker assigns partitions to share group members',
  'group.protocol': 'a share group always uses the share group protocol',
  'session.timeout.ms': 'heartbeat and session timing belong to the broker (group.share.session.timeout.ms)',
  'heartbeat.interval.ms': 'heartbeat and session timing belong to the broker (group.share.heartbeat.interval.ms)',
  'share.session.timeout.ms': 'heartbeat and session timing belong to the broker; set it with kafka-configs if needed',
  'share.heartbeat.interval.ms': 'heartbeat and session timing belong to the broker; set it with kafka-configs if needed',
  'share.acknowledgement.mode': 'the framework always acknowledges explicitly; use the acknowledgementMode setting',
  'group.id': 'the share group\'s name is its group id'
}

/** Group configs that exist only from Kafka 4.3; on 4.2 the broker-level value applies. */
export const GROUP_CONFIGS_SINCE_4_3: readonly string[] = ['share.delivery.count.limit', 'share.partition.max.record.locks', 'share.renew.acknowledge.enable']

/**
 * Checks `kafka({...})` settings; returns one sentence per problem (empty when all is well).
 * @param where `group` for `g.kafka()`, `topic` for `t.kafka()` (group configs are refused there)
 */
export function checkKafkaSettings (settings: Readonly<Record<string, unknown>>, where: 'group' | 'topic'): string[] {
  const problems: string[] = []
  for (const [name, value] of Object.entries(settings)) {
    if (value === undefined) continue
    const refused = REFUSED[name]
    const groupSpec = (GROUP_CONFIGS as Record<string, ValueSpec>)[name]
    const spec = groupSpec ?? (CONSUMER_SETTINGS as Record<string, ValueSpec>)[name]
    if (refused !== undefined) {
      problems.push(`${name} cannot be set: ${refused}`)
    } else if (spec === undefined) {
      problems.push(`unknown setting ${name} (share group configs: ${Object.keys(GROUP_CONFIGS).join(', ')}; consumer settings: ${Object.keys(CONSUMER_SETTINGS).join(', ')})`)
    } else if (groupSpec !== undefined && where === 'topic') {
      problems.push(`${name} is a share group config (it applies to every topic of the group): set it with g.kafka()`)
    } else {
      const wrong = checkValue(spec, value)
      if (wrong !== undefined) problems.push(`${name} ${wrong}, got ${JSON.stringify(value)}`)
    }
  }
  return problems
}

function checkValue (spec: ValueSpec, value: unknown): string | undefined {
  switch (spec.kind) {
    case 'int':
      return Number.isInteger(value) && (value as number) >= spec.min && (spec.max === undefined || (value as number) <= spec.max)
        ? undefined
        : `must be an integer ${spec.max === undefined ? `≥ ${spec.min}` : `from ${spec.min} to ${spec.max}`}`
    case 'enum':
      return spec.values.includes(value as string) ? undefined : `must be one of ${spec.values.join(', ')}`
    case 'bool':
      return typeof value === 'boolean' ? undefined : 'must be true or false'
    case 'string':
      return typeof value === 'string' ? undefined : 'must be a string'
    case 'offsetReset':
      return value === 'earliest' || value === 'latest' || (typeof value === 'string' && /^by_duration:P/.test(value))
        ? undefined
        : 'must be earliest, latest or by_duration:<ISO-8601 duration, e.g. PT1H>'
  }
}

/** The group configs among validated settings, as the strings IncrementalAlterConfigs sends. */
export function groupConfigsOf (settings: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(settings)) {
    if (value !== undefined && name in GROUP_CONFIGS) out[name] = String(value)
  }
  return out
}

/**
 * The share consumer settings for a topic: group-level consumer settings overridden by the
 * topic's, defaults filled in. `record_limit` is the default acquire mode: the broker then hands
 * out no more than a poll asks for, so records do not wait in a buffer while their locks run.
 */
export function consumerSettingsOf (groupId: string, group: ShareConsumerKafkaSettings, topic: ShareConsumerKafkaSettings): ShareConsumerSettings {
  const merged: ShareConsumerKafkaSettings = { ...group, ...topic }
  const settings: ShareConsumerSettings = {
    groupId,
    acquireMode: merged['share.acquire.mode'] ?? 'record_limit',
    maxPollRecords: merged['max.poll.records'] ?? 500
  }
  if (merged['client.id'] !== undefined) settings.clientId = merged['client.id']
  if (merged['fetch.max.wait.ms'] !== undefined) settings.fetchMaxWaitMs = merged['fetch.max.wait.ms']
  if (merged['fetch.min.bytes'] !== undefined) settings.fetchMinBytes = merged['fetch.min.bytes']
  if (merged['fetch.max.bytes'] !== undefined) settings.fetchMaxBytes = merged['fetch.max.bytes']
  if (merged['request.timeout.ms'] !== undefined) settings.requestTimeoutMs = merged['request.timeout.ms']
  return settings
}
