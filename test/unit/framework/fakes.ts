/**
 * In-memory stand-ins for the framework's unit tests only (integration tests use the real
 * broker): a manual clock, a share consumer that behaves like one share partition set
 * (acquire, lock, release, archive at the delivery count limit), a producer, an admin client.
 */
import type {
  AckResult, AckType, AdminPort, KafkaClientFactory, PartitionLag, PollOptions, ProducedRecord, ProducerMessage,
  ProducerPort, RecordPosition, ShareConsumerPort, ShareConsumerSettings, ShareRecordLike
} from '../../../framework/client-ports.js'
import type { Clock } from '../../../framework/processing/topic-runtime.js'

/** A clock whose time moves only when the test says so. */
export class ManualClock implements Clock {
  time = 1_000_000
  #timers: Array<{ at: number, fn: () => void, id: number }> = []
  #next = 1

  now (): number {
    return this.time
  }

  setTimeout (fn: () => void, ms: number): unknown {
    const id = this.#next++
    this.#timers.push({ at: this.time + Math.max(0, ms), fn, id })
    return id
  }

  clearTimeout (handle: unknown): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle)
  }

  /** Moves time on by `ms`, firing due timers in order (timers they set fire too when due). */
  advance (ms: number): void {
    const end = this.time + ms
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0]
      if (due === undefined) break
      this.#timers = this.#timers.filter((t) => t !== due)
      this.time = Math.max(this.time, due.at)
      due.fn()
    }
    this.time = end
  }

  get pending (): number {
    return this.#timers.length
  }
}

/** An acknowledgement the fake consumer received. */
export interface AckEntry { partition: number, offset: bigint, type: AckType, at: number }

interface FakeRecord {
  partition: number
  offset: bigint
  key: Buffer | null
  value: Buffer | null
  headers: Array<{ key: string, value: Buffer | null }>
  state: 'available' | 'acquired' | 'acknowledged' | 'archived'
  deliveryCount: number
  lockUntil: number
  owner: FakeShareConsumer | undefined
}

/** A topic's records, shared by the fake consumers of one group. */
export class FakeTopic {
  readonly records: FakeRecord[] = []
  #nextOffset = new Map<number, bigint>()
  #waiters: Array<() => void> = []

  constructor (readonly name: string, readonly clock: () => number, public lockDurationMs = 30_000, public deliveryCountLimit = 5) {}

  /** Appends a record; the value is JSON unless a Buffer or null. */
  produce (value: unknown, options: { key?: string, partition?: number, headers?: Array<{ key: string, value: Buffer | null }> } = {}): bigint {
    const partition = options.partition ?? 0
    const offset = this.#nextOffset.get(partition) ?? 0n
    this.#nextOffset.set(partition, offset + 1n)
    this.records.push({
      partition,
      offset,
      key: options.key === undefined ? null : Buffer.from(options.key),
      value: value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value)),
      headers: options.headers ?? [],
      state: 'available',
      deliveryCount: 0,
      lockUntil: 0,
      owner: undefined
    })
    this.#wake()
    return offset
  }

  /** Lock expiry as the broker does it: back to available, or archived at the limit. */
  expireLocks (): void {
    const now = this.clock()
    for (const r of this.records) {
      if (r.state === 'acquired' && r.lockUntil <= now) this.#makeAvailable(r)
    }
  }

  acquire (consumer: FakeShareConsumer, max: number): FakeRecord[] {
    this.expireLocks()
    const out: FakeRecord[] = []
    for (const r of this.records) {
      if (out.length >= max) break
      if (r.state !== 'available') continue
      r.state = 'acquired'
      r.deliveryCount++
      r.lockUntil = this.clock() + this.lockDurationMs
      r.owner = consumer
      out.push(r)
    }
    return out
  }

  find (partition: number, offset: bigint): FakeRecord | undefined {
    return this.records.find((r) => r.partition === partition && r.offset === offset)
  }

  release (r: FakeRecord): void {
    this.#makeAvailable(r)
  }

  whenAvailable (): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve))
  }

  state (partition: number, offset: bigint): string | undefined {
    return this.find(partition, offset)?.state
  }

  #makeAvailable (r: FakeRecord): void {
    r.owner = undefined
    r.state = r.deliveryCount >= this.deliveryCountLimit ? 'archived' : 'available'
    this.#wake()
  }

  #wake (): void {
    const waiters = this.#waiters
    this.#waiters = []
    for (const w of waiters) w()
  }
}

/** Thrown by a woken-up poll. */
export class FakeWakeupError extends Error {
  override name = 'WakeupError'
}

/** A share consumer on a {@link FakeTopic}. Acks apply at once; results reach the callback on commit. */
export class FakeShareConsumer implements ShareConsumerPort {
  readonly acks: AckEntry[] = []
  readonly polls: Array<{ maxRecords: number | undefined, got: number }> = []
  subscribed: string[] = []
  closed = false
  /** The fake honours `maxRecords`; tests set false to play a client that cannot. */
  limitsPerPoll = true
  /** When set, every poll throws it (a consumer stopped for good). */
  pollError: Error | undefined
  #results: AckResult[] = []
  #callback: (results: AckResult[]) => void = () => {}
  #wakeup: (() => void) | undefined
  #wakeupPending = false

  constructor (readonly topic: FakeTopic, readonly settings: ShareConsumerSettings) {}

  get acquisitionLockTimeoutMs (): number {
    return this.topic.lockDurationMs
  }

  subscribe (topics: string[]): void {
    this.subscribed = topics
  }

  async poll (timeoutMs: number, options: PollOptions = {}): Promise<ShareRecordLike[]> {
    const max = Math.min(this.limitsPerPoll ? options.maxRecords ?? Infinity : Infinity, this.settings.maxPollRecords)
    const deadline = Date.now() + timeoutMs
    if (this.pollError !== undefined) throw this.pollError
    for (;;) {
      if (this.#wakeupPending) {
        this.#wakeupPending = false
        throw new FakeWakeupError('woken up')
      }
      const got = this.topic.acquire(this, max)
      if (got.length > 0 || Date.now() >= deadline) {
        this.polls.push({ maxRecords: options.maxRecords, got: got.length })
        return got.map((r) => this.#view(r))
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(50, Math.max(1, deadline - Date.now())))
        this.#wakeup = () => { clearTimeout(timer); resolve() }
        void this.topic.whenAvailable().then(() => { clearTimeout(timer); resolve() })
      })
    }
  }

  acknowledge (position: RecordPosition, type: AckType): void {
    this.acks.push({ partition: position.partition, offset: position.offset, type, at: this.topic.clock() })
    const r = this.topic.find(position.partition, position.offset)
    let error: Error | null = null
    this.topic.expireLocks()
    if (r === undefined || r.state !== 'acquired' || r.owner !== this) {
      error = Object.assign(new Error('INVALID_RECORD_STATE'), { name: 'BrokerResponseError' })
    } else if (type === 'accept') {
      r.state = 'acknowledged'
    } else if (type === 'release') {
      this.topic.release(r)
    } else if (type === 'reject') {
      r.state = 'archived'
    } else {
      r.lockUntil = this.topic.clock() + this.topic.lockDurationMs
    }
    this.#results.push({ topic: this.topic.name, partition: position.partition, offsets: [position.offset], error })
  }

  async commitSync (): Promise<AckResult[]> {
    return this.#results.splice(0)
  }

  commitAsync (): void {
    const results = this.#results.splice(0)
    if (results.length > 0) queueMicrotask(() => this.#callback(results))
  }

  onAcknowledgementCommit (callback: (results: AckResult[]) => void): void {
    this.#callback = callback
  }

  wakeup (): void {
    this.#wakeupPending = true
    this.#wakeup?.()
  }

  async close (): Promise<void> {
    this.closed = true
    // Closing the session releases what this member still holds.
    for (const r of this.topic.records) if (r.state === 'acquired' && r.owner === this) this.topic.release(r)
  }

  /** Sends the pending results to the callback (what the next fetch response would do). */
  flushResults (): void {
    const results = this.#results.splice(0)
    if (results.length > 0) this.#callback(results)
  }

  #view (r: FakeRecord): ShareRecordLike {
    return {
      topic: this.topic.name,
      partition: r.partition,
      offset: r.offset,
      timestamp: 0,
      key: r.key,
      value: r.value,
      headers: r.headers,
      deliveryCount: r.deliveryCount,
      lockDeadline: r.lockUntil
    }
  }
}

/** A producer that keeps what it was sent; `fail` makes the next sends fail. */
export class FakeProducer implements ProducerPort {
  readonly sent: Array<{ topic: string, message: ProducerMessage }> = []
  fail: Error | undefined
  /** When set, sends wait for this promise before completing. */
  gate: Promise<void> | undefined
  closed = false

  async send (request: { topic: string, messages: ProducerMessage[] }): Promise<ProducedRecord[]> {
    await this.gate
    if (this.fail !== undefined) throw this.fail
    const base = BigInt(this.sent.length)
    for (const message of request.messages) this.sent.push({ topic: request.topic, message })
    return [{ topic: request.topic, partition: 0, baseOffset: base }]
  }

  async close (): Promise<void> {
    this.closed = true
  }
}

/** An admin client holding group configs in memory. */
export class FakeAdmin implements AdminPort {
  readonly altered: Array<{ groupId: string, configs: Record<string, string | null> }> = []
  refuse: Error | undefined
  brokerConfigs: Record<string, string> = {}
  lag: PartitionLag[] = []
  closed = false

  /** @param configs what describeGroupConfigs returns (a 4.3+ broker lists share.delivery.count.limit) */
  constructor (public configs: Record<string, string | null> = FakeAdmin.kafka43()) {}

  static kafka43 (): Record<string, string | null> {
    return {
      'share.record.lock.duration.ms': '30000',
      'share.delivery.count.limit': '5',
      'share.auto.offset.reset': 'latest',
      'share.renew.acknowledge.enable': 'true',
      'errors.deadletterqueue.topic.name': ''
    }
  }

  static kafka42 (): Record<string, string | null> {
    return { 'share.record.lock.duration.ms': '30000', 'share.auto.offset.reset': 'latest' }
  }

  async describeGroupConfigs (): Promise<Record<string, string | null>> {
    return { ...this.configs }
  }

  async alterGroupConfigs (groupId: string, configs: Record<string, string | null>): Promise<void> {
    if (this.refuse !== undefined) throw this.refuse
    this.altered.push({ groupId, configs })
    Object.assign(this.configs, configs)
  }

  async describeBrokerConfig (name: string): Promise<string | undefined> {
    return this.brokerConfigs[name]
  }

  async shareGroupLag (): Promise<PartitionLag[]> {
    return this.lag
  }

  async close (): Promise<void> {
    this.closed = true
  }
}

/** Clients for an App in a unit test: one fake topic per topic name, shared by its consumers. */
export class FakeClients implements KafkaClientFactory {
  readonly topics = new Map<string, FakeTopic>()
  readonly consumers: FakeShareConsumer[] = []
  readonly producerFake = new FakeProducer()
  /** Whether the consumers created honour per-poll limits. */
  limitsPerPoll = true
  /** Given to the consumers created (see {@link FakeShareConsumer.pollError}). */
  pollError: Error | undefined

  constructor (readonly adminFake = new FakeAdmin(), readonly clock: () => number = Date.now) {}

  topic (name: string): FakeTopic {
    let t = this.topics.get(name)
    if (t === undefined) this.topics.set(name, t = new FakeTopic(name, this.clock))
    return t
  }

  shareConsumer (settings: ShareConsumerSettings): ShareConsumerPort {
    // The framework subscribes right after creating the consumer; the fake binds on creation
    // to the topic the test registered last for this group (one topic per test group).
    const topic = [...this.topics.values()].at(-1)
    if (topic === undefined) throw new Error('register a topic with clients.topic(name) first')
    const consumer = new FakeShareConsumer(topic, settings)
    consumer.limitsPerPoll = this.limitsPerPoll
    consumer.pollError = this.pollError
    this.consumers.push(consumer)
    return consumer
  }

  producer (): ProducerPort {
    return this.producerFake
  }

  admin (): AdminPort {
    return this.adminFake
  }
}
