/**
 * The parts of kshare's ShareConsumer, Producer and Admin that the framework uses, as
 * interfaces. The framework's logic is written against these, so it can be unit-tested with
 * in-memory fakes; `kafka-clients.ts` adapts the real clients to them.
 */

/** A record header. */
export interface RecordHeader {
  /** Header name. */
  key: string
  /** Header value; `null` for a header without one. */
  value: Buffer | null
}

/** A record as the share consumer hands it out (the client's `ShareRecord`). */
export interface ShareRecordLike {
  /** Topic name. */
  topic: string
  /** Partition. */
  partition: number
  /** Offset. */
  offset: bigint
  /** Record timestamp, epoch ms. */
  timestamp: number
  /** Record key. */
  key: Buffer | null
  /** Record value. */
  value: Buffer | null
  /** Record headers. */
  headers: readonly RecordHeader[]
  /** How many times the broker has handed this record out, this time included (1 = first delivery). */
  deliveryCount: number
  /** When the acquisition lock runs out, epoch ms (client estimate). */
  lockDeadline: number
}

/** Where a record lives: what the consumer needs to acknowledge one. */
export interface RecordPosition {
  /** Topic name. */
  topic: string
  /** Partition. */
  partition: number
  /** Offset. */
  offset: bigint
}

/** Acknowledgement types, as the share consumer names them. */
export type AckType = 'accept' | 'release' | 'reject' | 'renew'

/** The outcome of the acknowledgements sent for one partition (they succeed or fail together). */
export interface AckResult {
  /** Topic name. */
  topic: string
  /** Partition. */
  partition: number
  /** The offsets these acknowledgements covered, when the client reports them. */
  offsets?: readonly bigint[]
  /** `null` on success; the broker's or client's error otherwise. */
  error: Error | null
}

/** Per-poll options. */
export interface PollOptions {
  /** Hand out at most this many records (capacity-aware polling). */
  maxRecords?: number
}

/** The share consumer, as the framework uses it (explicit acknowledgement mode). */
export interface ShareConsumerPort {
  /** Subscribes to the topics (replacing any earlier subscription). */
  subscribe (topics: string[]): void
  /** Waits up to `timeoutMs` for records; `[]` when none arrived. Rejects when `wakeup()` is called. */
  poll (timeoutMs: number, options?: PollOptions): Promise<ShareRecordLike[]>
  /** True when `poll` honours `options.maxRecords`; otherwise every poll may bring up to `maxPollRecords`. */
  readonly limitsPerPoll: boolean
  /** Records an acknowledgement; the client sends it with its next request (or on commit). */
  acknowledge (record: RecordPosition, type: AckType): void
  /** Sends the recorded acknowledgements and waits for the broker's answers. */
  commitSync (timeoutMs?: number): Promise<AckResult[]>
  /** Sends the recorded acknowledgements now without waiting. */
  commitAsync (): void
  /** Registers the callback that receives the outcome of every acknowledgement sent. */
  onAcknowledgementCommit (callback: (results: AckResult[]) => void): void
  /** The group's lock duration as of the last response, ms; `undefined` before the first fetch. */
  readonly acquisitionLockTimeoutMs: number | undefined
  /** Where the member stands in its group (for readiness); absent when the client cannot tell. */
  membership? (): MembershipStatus
  /** Makes a pending `poll` reject at once (used to stop). */
  wakeup (): void
  /** Sends the remaining acknowledgements, closes the share sessions and leaves the group. */
  close (): Promise<void>
}

/** A share consumer's standing in its group. */
export interface MembershipStatus {
  /** The coordinator accepted the member (and it has not left or been fenced since). */
  joined: boolean
  /** Since when, epoch ms (0 when not joined). */
  joinedAt: number
  /** Partitions assigned now. */
  partitions: number
  /** Any partition was ever assigned. */
  assignedOnce: boolean
}

/** A record to produce. */
export interface ProducerMessage {
  /** Record key. */
  key?: Buffer | null
  /** Record value. */
  value: Buffer | null
  /** Record headers. */
  headers?: RecordHeader[]
  /** Partition; the partitioner chooses when absent. */
  partition?: number
}

/** Where a produced record landed. */
export interface ProducedRecord {
  /** Topic name. */
  topic: string
  /** Partition. */
  partition: number
  /** Offset of the first record written to that partition by this send. */
  baseOffset: bigint
}

/** The producer, as the framework's dead letter queue uses it. */
export interface ProducerPort {
  /** Writes the messages (acks=all); resolves once the broker acknowledged them. */
  send (request: { topic: string, messages: ProducerMessage[] }): Promise<ProducedRecord[]>
  /** Sends what is buffered and closes. */
  close (): Promise<void>
}

/** Lag of one partition of a share group. */
export interface PartitionLag {
  /** The share group (set by the App's statistics round). */
  groupId?: string
  /** Topic name. */
  topic: string
  /** Partition. */
  partition: number
  /** Records not yet acknowledged by the group; `null` when the broker does not know. */
  lag: number | null
}

/** The admin client, as the framework uses it. */
export interface AdminPort {
  /** A group's configs (effective values, defaults included) by name. */
  describeGroupConfigs (groupId: string): Promise<Record<string, string | null>>
  /** Sets (or deletes, with `null`) group configs incrementally. */
  alterGroupConfigs (groupId: string, configs: Record<string, string | null>): Promise<void>
  /** A broker-level config, for values that are not group configs on older brokers; `undefined` when unknown. */
  describeBrokerConfig? (name: string): Promise<string | undefined>
  /** Lag per partition of a share group. */
  shareGroupLag? (groupId: string): Promise<PartitionLag[]>
  /** Creates a topic unless it exists (for the reports topic). */
  createTopic? (name: string, options: { replicationFactor?: number, configs: Readonly<Record<string, string>>, timeoutMs: number }): Promise<void>
  /** Closes the admin client. */
  close (): Promise<void>
}

/** Options the framework passes when it creates a share consumer for a topic. */
export interface ShareConsumerSettings {
  /** The share group. */
  groupId: string
  /** Client id. */
  clientId?: string
  /** The strict acquire mode is what keeps records from waiting in a local buffer. */
  acquireMode: 'batch_optimized' | 'record_limit'
  /** Upper bound of one poll. */
  maxPollRecords: number
  /** `fetch.max.wait.ms`. */
  fetchMaxWaitMs?: number
  /** `fetch.min.bytes`. */
  fetchMinBytes?: number
  /** `fetch.max.bytes`. */
  fetchMaxBytes?: number
  /** `request.timeout.ms`. */
  requestTimeoutMs?: number
}

/** Creates the clients an App needs. The default uses kshare's own clients; tests pass fakes. */
export interface KafkaClientFactory {
  /** A share consumer in explicit acknowledgement mode. */
  shareConsumer (settings: ShareConsumerSettings): ShareConsumerPort
  /** The producer for dead letter queues. */
  producer (): ProducerPort
  /** The admin client. */
  admin (): AdminPort
}
