import type { ResponseOf } from '../../protocol/api.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { ShareAcknowledge } from '../../protocol/messages/share-acknowledge.js'
import { ShareFetch } from '../../protocol/messages/share-fetch.js'
import { backoffDelay, type BackoffOptions } from '../backoff.js'
import type { Connection } from '../connection.js'
import { KafkaError, RequestTimeoutError, UnsupportedApiVersionError, responseError } from '../errors.js'
import { partitionKey, setHasRenew, type AckSet, type TopicIdPartition } from './ack-outbox.js'
import { resultsFor, type AcknowledgementResult } from './ack-results.js'
import { FetchBuffer } from './fetch-buffer.js'
import { nextAction, NodeChannel, type AckBundle } from './node-channel.js'
import type { Logger } from './logger.js'
import { ShareGroupsUnavailableError, ShareSessionLostError } from './share-errors.js'
import type { Delivery } from './share-record.js'
import type { PartitionAssembler, ShareFetchPartition } from './assemble-deliveries.js'
import type { FetchLimits } from './share-session.js'

/** The part of a connection the fetcher uses. */
export type FetchConnection = Pick<Connection, 'id' | 'send' | 'onClose' | 'versionFor'>

/** What the fetcher tells the consumer. */
export interface ShareFetcherEvents {
  /** Records were buffered. */
  records: (deliveries: readonly Delivery[]) => void
  /** Acknowledgements completed (successfully or not). */
  results: (results: AcknowledgementResult[]) => void
  /** A partition answered with an error (leader moved, unknown topic, authorization...). */
  partitionError: (target: TopicIdPartition, partition: ShareFetchPartition, nodeEndpoints: ResponseOf<typeof ShareFetch>['nodeEndpoints']) => void
  /** A request failed in a way the application should hear about (authorization, share groups disabled). */
  error: (error: KafkaError) => void
  /** The broker told the group's lock duration. */
  lockTimeout: (ms: number) => void
}

/** Options of a {@link ShareFetcher}. */
export interface ShareFetcherOptions {
  /** Share group. */
  groupId: string
  /** Member id. */
  memberId: string
  /** Fetch limits. */
  limits: FetchLimits
  /** Time allowed for a request (a ShareFetch gets its MaxWaitMs on top). */
  requestTimeoutMs: number
  /** Backoff after a failed request to a node. */
  retryBackoff: BackoffOptions
  /** The fetch connection to a node (the pool's `fetch` purpose). */
  connect: (nodeId: number) => Promise<FetchConnection>
  /** Record assembly. */
  assemble: PartitionAssembler
  /** Notifications. */
  events: ShareFetcherEvents
  /** Where warnings go. */
  logger: Logger
  /** Clock (tests). */
  now?: () => number
}

/** When the fetcher may fetch, as the consumer decides it. */
export interface FetchPolicy {
  /** Fetching is on (a poll has happened, not closing, not failed). */
  enabled: boolean
  /** `record_limit`: fetch only for a waiting poll, with nothing buffered, from one node at a time. */
  recordLimit: boolean
  /** A poll is waiting for records. */
  pollWaiting: boolean
}

/**
 * Fetches from and acknowledges to every leader that has partitions for us, one request at a
 * time per leader (ShareFetch and ShareAcknowledge share one epoch sequence per session), on
 * the pool's `fetch` connection to that leader. See {@link nextAction} for where acks travel.
 */
export class ShareFetcher {
  /** Fetched records not yet handed out. */
  readonly buffer = new FetchBuffer()
  /** Fetch policy, set by the consumer. */
  readonly policy: FetchPolicy = { enabled: false, recordLimit: false, pollWaiting: false }
  private readonly channels = new Map<number, NodeChannel>()
  private readonly requests = new Set<Promise<void>>()
  private readonly now: () => number
  private lockTimeoutMs = 0
  private timer: NodeJS.Timeout | undefined
  private timerAt = Infinity
  private closed = false
  private pumpScheduled = false

  /** @param options see {@link ShareFetcherOptions} */
  constructor (private readonly options: ShareFetcherOptions) {
    this.now = options.now ?? Date.now
  }

  /** How long acks may wait for a ShareFetch to ride on: a quarter of the lock, at most a second. */
  get flushDelayMs (): number {
    return this.lockTimeoutMs > 0 ? Math.min(1000, Math.floor(this.lockTimeoutMs / 4)) : 1000
  }

  /** Sets the partitions to fetch, by leader node. Nodes left out fetch nothing (their acks still go). */
  setPartitions (byNode: ReadonlyMap<number, TopicIdPartition[]>): void {
    for (const [nodeId, c] of this.channels) if (!byNode.has(nodeId)) c.wanted = []
    for (const [nodeId, partitions] of byNode) this.channel(nodeId).wanted = partitions
    this.pump()
  }

  /**
   * Queues an acknowledgement for a delivered record, to the node that delivered it. When that
   * node's session has ended since, the ack cannot be sent: its result is returned at once.
   * Returns `undefined` when queued (or ignored: a RENEW after a terminal ack).
   */
  acknowledge (delivery: Delivery, typeId: number): AcknowledgementResult | undefined {
    const c = this.channel(delivery.nodeId)
    if (c.session.generation !== delivery.generation) {
      const { topic, partition, offset } = delivery.record
      return { topic, partition, offsets: [offset], error: new ShareSessionLostError(c.nodeId, 'the records were delivered by an earlier session') }
    }
    c.queueAck(delivery.target, delivery.record.offset, typeId, this.now())
    return undefined
  }

  /** Runs {@link pump} once after the current synchronous code (many acks, one pass). */
  schedulePump (): void {
    if (this.pumpScheduled) return
    this.pumpScheduled = true
    queueMicrotask(() => {
      this.pumpScheduled = false
      this.pump()
    })
  }

  /**
   * Sends every waiting acknowledgement now (ShareAcknowledge) and resolves with the results of
   * those and of the acknowledgements already in flight. Partitions without an answer within
   * `timeoutMs` are reported with a {@link RequestTimeoutError}.
   */
  async flush (timeoutMs: number): Promise<AcknowledgementResult[]> {
    const pending: Array<{ set: AckSet, done: Promise<AcknowledgementResult[]>, results?: AcknowledgementResult[] }> = []
    for (const c of this.channels.values()) {
      if (c.inFlightAcks !== undefined) pending.push({ set: c.inFlightAcks.set, done: c.inFlightAcks.done() })
      if (!c.outbox.isEmpty) {
        c.flushRequested = true
        pending.push({ set: c.outbox.snapshot(), done: c.whenOutboxDone() })
      }
    }
    if (pending.length === 0) return []
    this.pump()
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      Promise.all(pending.map(async p => { p.results = await p.done })),
      new Promise<void>(resolve => { timer = setTimeout(resolve, timeoutMs) })
    ])
    clearTimeout(timer)
    const timeout = new RequestTimeoutError(`acknowledgements not confirmed within ${timeoutMs} ms`, timeoutMs, -1, { api: 'ShareAcknowledge' })
    return pending.flatMap(p => p.results ?? resultsFor(p.set, () => timeout))
  }

  /**
   * Closes every open session with a ShareAcknowledge at epoch -1 carrying the waiting acks:
   * the broker applies them and releases everything else this member holds from that
   * session. Waits for requests in flight first. Resolves with the ack results.
   */
  async close (): Promise<AcknowledgementResult[]> {
    this.policy.enabled = false
    this.closed = true
    this.clearTimer()
    while (this.requests.size > 0) await Promise.allSettled([...this.requests])
    const results = await Promise.all([...this.channels.values()]
      .filter(c => !c.session.isNew)
      .map(async c => await this.track(this.acknowledge0(c, true)) ?? []))
    return results.flat()
  }

  /** Starts whatever each node should do now. */
  pump (): void {
    if (this.closed) return
    const now = this.now()
    let wake = Infinity
    for (const c of this.channels.values()) {
      const action = nextAction(c.facts(this.fetchAllowed(c)), now, this.flushDelayMs)
      if (action === 'fetch') void this.track(this.fetch(c))
      else if (action === 'acknowledge') void this.track(this.acknowledge0(c, false))
      else if (!c.busy) {
        if (c.retryAt > now) wake = Math.min(wake, c.retryAt)
        if (!c.outbox.isEmpty) wake = Math.min(wake, Math.max(c.acksSince + this.flushDelayMs, c.retryAt))
      }
    }
    this.wakeAt(wake)
  }

  private fetchAllowed (c: NodeChannel): boolean {
    const p = this.policy
    if (!p.enabled || this.buffer.sizeOf(c.nodeId) > 0) return false
    if (!p.recordLimit) return true
    if (!p.pollWaiting || this.buffer.size > 0) return false
    for (const other of this.channels.values()) if (other.fetching) return false
    return true
  }

  private channel (nodeId: number): NodeChannel {
    let c = this.channels.get(nodeId)
    if (c === undefined) {
      c = new NodeChannel(nodeId)
      this.channels.set(nodeId, c)
    }
    return c
  }

  private track<T> (p: Promise<T>): Promise<T> {
    const done = p.then(() => {}, () => {})
    this.requests.add(done)
    void done.then(() => this.requests.delete(done))
    return p
  }

  /** The node's fetch connection; a different connection than the session's means the session is gone. */
  private async connection (c: NodeChannel): Promise<FetchConnection> {
    const conn = await this.options.connect(c.nodeId)
    if (conn.id !== c.connectionId) {
      if (!c.session.isNew) this.resetSession(c, 'the connection was replaced')
      c.connectionId = conn.id
      conn.onClose(error => {
        if (c.connectionId !== conn.id) return
        c.connectionId = -1
        if (!c.session.isNew) this.resetSession(c, `connection lost: ${error.message}`)
        this.pump()
      })
    }
    return conn
  }

  private async fetch (c: NodeChannel): Promise<void> {
    c.busy = true
    c.fetching = true
    let bundle: AckBundle | undefined
    const generation = c.session.generation
    try {
      const conn = await this.connection(c)
      if (!c.session.isNew && !c.outbox.isEmpty) bundle = c.takeOutbox()
      const requested = new Map<string, TopicIdPartition>()
      for (const p of c.wanted) requested.set(partitionKey(p.topicId, p.partition), p)
      for (const [key, { target }] of bundle?.set ?? []) requested.set(key, target)
      const built = c.session.buildFetch({ groupId: this.options.groupId, memberId: this.options.memberId, limits: this.options.limits }, c.wanted, bundle?.set ?? new Map())
      c.fetching = built.fetches
      c.inFlightAcks = bundle
      const sentGeneration = c.session.generation
      let response: ResponseOf<typeof ShareFetch>
      try {
        response = await conn.send(ShareFetch, built.body, { timeoutMs: this.options.requestTimeoutMs + built.body.maxWaitMs })
      } catch (err) {
        this.requestFailed(c, sentGeneration, bundle, err)
        return
      }
      this.onFetchResponse(c, response, bundle, requested, sentGeneration)
    } catch (err) {
      this.requestFailed(c, generation, bundle, err)
    } finally {
      c.busy = false
      c.fetching = false
      c.inFlightAcks = undefined
      this.pump()
    }
  }

  private onFetchResponse (c: NodeChannel, response: ResponseOf<typeof ShareFetch>, bundle: AckBundle | undefined, requested: Map<string, TopicIdPartition>, generation: number): void {
    const now = this.now()
    if (!this.sessionAnswer(c, response.errorCode, response.errorMessage, 'ShareFetch', bundle, generation)) return
    if (response.acquisitionLockTimeoutMs > 0) this.setLockTimeout(response.acquisitionLockTimeoutMs)
    const ackErrors = new Map<string, KafkaError | null>()
    const deliveries: Delivery[] = []
    let partitionErrors = 0
    const lockDeadline = now + this.lockTimeoutMs
    for (const topic of response.responses) {
      for (const p of topic.partitions) {
        const key = partitionKey(topic.topicId, p.partitionIndex)
        const target = requested.get(key)
        if (target === undefined) continue
        if (bundle?.set.has(key) === true) {
          ackErrors.set(key, responseError(p.acknowledgeErrorCode, { api: 'ShareFetch', brokerId: c.nodeId, brokerMessage: p.acknowledgeErrorMessage, what: `${target.topic}-${target.partition}` }))
        }
        if (p.errorCode !== ErrorCode.NONE) {
          partitionErrors++
          this.options.events.partitionError(target, p, response.nodeEndpoints)
        }
        if (p.acquiredRecords.length === 0) continue
        // A session lost while the response was on its way: the broker released these records.
        if (c.session.generation !== generation) continue
        const assembled = this.options.assemble(p, { target, nodeId: c.nodeId, generation, lockDeadline })
        for (const d of assembled.deliveries) deliveries.push(d)
        for (const ack of assembled.acks) {
          for (let offset = ack.firstOffset; offset <= ack.lastOffset; offset++) c.queueAck(target, offset, ack.typeId, now)
        }
        for (const error of assembled.corrupt) this.options.logger.warn(`rejected undecodable records of ${target.topic}-${target.partition}: ${error.message}`)
      }
    }
    if (bundle !== undefined) this.complete(bundle, key => ackErrors.has(key) ? ackErrors.get(key)! : this.unanswered(c, 'ShareFetch'))
    if (partitionErrors > 0 && deliveries.length === 0) this.backoff(c)
    else c.failures = 0
    if (deliveries.length > 0) {
      this.buffer.push(c.nodeId, deliveries)
      this.options.events.records(deliveries)
    }
  }

  /** Sends the outbox in a ShareAcknowledge; with `close`, at epoch -1, ending the session. */
  private async acknowledge0 (c: NodeChannel, close: boolean): Promise<AcknowledgementResult[] | undefined> {
    c.busy = true
    let bundle: AckBundle | undefined
    const generation = c.session.generation
    try {
      const conn = await this.connection(c)
      if (c.session.isNew) return undefined // the session ended: its acks have been failed
      bundle = c.takeOutbox()
      if (setHasRenew(bundle.set) && conn.versionFor(ShareAcknowledge) < 2) {
        this.complete(bundle, () => new UnsupportedApiVersionError(`broker ${c.nodeId} cannot renew acquisition locks: it speaks ShareAcknowledge v1 only (renew needs Kafka 4.2+)`,
          [ShareAcknowledge.minVersion, ShareAcknowledge.maxVersion], null, { brokerId: c.nodeId, api: 'ShareAcknowledge' }))
        return await bundle.done()
      }
      const body = c.session.buildAcknowledge(this.options.groupId, this.options.memberId, bundle.set, close)
      c.inFlightAcks = bundle
      const sentGeneration = c.session.generation
      let response: ResponseOf<typeof ShareAcknowledge>
      try {
        response = await conn.send(ShareAcknowledge, body, { timeoutMs: this.options.requestTimeoutMs })
      } catch (err) {
        this.requestFailed(c, sentGeneration, bundle, err)
        return await bundle.done()
      }
      if (!this.sessionAnswer(c, response.errorCode, response.errorMessage, 'ShareAcknowledge', bundle, sentGeneration)) return await bundle.done()
      if ((response.acquisitionLockTimeoutMs ?? 0) > 0) this.setLockTimeout(response.acquisitionLockTimeoutMs!)
      const errors = new Map<string, KafkaError | null>()
      for (const topic of response.responses) {
        for (const p of topic.partitions) {
          const key = partitionKey(topic.topicId, p.partitionIndex)
          const target = bundle.set.get(key)?.target
          errors.set(key, responseError(p.errorCode, { api: 'ShareAcknowledge', brokerId: c.nodeId, brokerMessage: p.errorMessage, what: target !== undefined ? `${target.topic}-${target.partition}` : undefined }))
        }
      }
      this.complete(bundle, key => errors.has(key) ? errors.get(key)! : this.unanswered(c, 'ShareAcknowledge'))
      c.failures = 0
      return await bundle.done()
    } catch (err) {
      this.requestFailed(c, generation, bundle, err)
      return bundle === undefined ? undefined : await bundle.done()
    } finally {
      c.busy = false
      c.inFlightAcks = undefined
      this.pump()
    }
  }

  /**
   * Applies a response's top-level error to the session. Returns false when the response
   * failed as a whole (its acks are then completed with the error).
   */
  private sessionAnswer (c: NodeChannel, code: number, message: string | null, api: string, bundle: AckBundle | undefined, generation: number): boolean {
    if (c.session.generation !== generation) {
      // The session was dropped meanwhile (lost connection): this answer belongs to the old one.
      if (code !== ErrorCode.NONE && bundle !== undefined) this.complete(bundle, () => new ShareSessionLostError(c.nodeId, 'the session ended while the request was in flight'))
      return code === ErrorCode.NONE
    }
    const outcome = c.session.onResponse(code)
    if (outcome === 'reset') this.sessionLost(c, code === ErrorCode.NONE ? 'closed' : `the broker answered ${responseError(code)?.errorName ?? code}`)
    const error = responseError(code, { api, brokerId: c.nodeId, brokerMessage: message })
    if (error === null) return true
    const ackError = outcome === 'reset' ? new ShareSessionLostError(c.nodeId, error.errorName) : error
    if (bundle !== undefined) this.complete(bundle, () => ackError)
    this.backoff(c)
    if (code === ErrorCode.UNSUPPORTED_VERSION) {
      this.options.events.error(new ShareGroupsUnavailableError(`${api} answered UNSUPPORTED_VERSION${message !== null ? ` (${message})` : ''}`, { brokerId: c.nodeId, api }))
    } else if (!error.retriable && outcome !== 'reset') {
      this.options.events.error(error)
    }
    return false
  }

  /** A request got no answer (timeout, lost connection, encoding failure): its effect is unknown, so the session starts over. */
  private requestFailed (c: NodeChannel, generation: number, bundle: AckBundle | undefined, err: unknown): void {
    const error = err instanceof KafkaError ? err : new KafkaError(`request to broker ${c.nodeId} failed: ${String(err)}`, false, { brokerId: c.nodeId, cause: err })
    if (c.session.generation === generation && !c.session.isNew) this.resetSession(c, error.message)
    if (bundle !== undefined) this.complete(bundle, () => error)
    this.backoff(c)
    if (!error.retriable && !this.closed) this.options.events.error(error)
  }

  private resetSession (c: NodeChannel, reason: string): void {
    c.session.reset()
    this.sessionLost(c, reason)
  }

  /** The session ended: acks waiting for it cannot be sent, and its buffered records were released by the broker. */
  private sessionLost (c: NodeChannel, reason: string): void {
    if (!c.outbox.isEmpty) {
      const error = new ShareSessionLostError(c.nodeId, reason)
      this.complete(c.takeOutbox(), () => error)
    }
    this.buffer.drop(c.nodeId)
  }

  private complete (bundle: AckBundle, errorOf: (key: string) => KafkaError | null): void {
    if (bundle.completed) return
    const results = resultsFor(bundle.set as AckSet, errorOf)
    bundle.complete(results)
    if (results.length > 0) this.options.events.results(results)
  }

  private unanswered (c: NodeChannel, api: string): KafkaError {
    return responseError(ErrorCode.INVALID_RECORD_STATE, { api, brokerId: c.nodeId, brokerMessage: 'the response did not mention this partition, so its acknowledgements are unconfirmed' })!
  }

  private backoff (c: NodeChannel): void {
    c.failures++
    c.retryAt = this.now() + backoffDelay(c.failures - 1, this.options.retryBackoff)
  }

  private setLockTimeout (ms: number): void {
    this.lockTimeoutMs = ms
    this.options.events.lockTimeout(ms)
  }

  private wakeAt (at: number): void {
    if (at === Infinity || (this.timer !== undefined && this.timerAt <= at)) return
    this.clearTimer()
    this.timerAt = at
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.timerAt = Infinity
      this.pump()
    }, Math.max(0, at - this.now()))
  }

  private clearTimer (): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.timerAt = Infinity
  }
}
