import type { ResponseOf } from '../../protocol/api.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { ShareAcknowledge } from '../../protocol/messages/share-acknowledge.js'
import { ShareFetch } from '../../protocol/messages/share-fetch.js'
import { backoffDelay, type BackoffOptions } from '../backoff.js'
import type { Connection } from '../connection.js'
import type { LeaderHintResponse } from '../cluster.js'
import { KafkaError, RequestTimeoutError, UnsupportedApiVersionError, responseError } from '../errors.js'
import { finishedWithin } from '../finished-within.js'
import { partitionKey, setHasRenew, type AckSet, type TopicIdPartition } from './ack-outbox.js'
import { resultsFor, type AcknowledgementResult } from './ack-results.js'
import { ACK_ROUTING_ERRORS, acknowledgeError, settleAcknowledgeResponse, unansweredError } from './ack-response.js'
import { FetchBuffer } from './fetch-buffer.js'
import { planFetches, type FetchCandidate, type FetchPolicy } from './fetch-policy.js'
import type { AckBundle } from './ack-bundle.js'
import { nextAction, NodeChannel, routeChannels } from './node-channel.js'
import type { Logger } from './logger.js'
import { LeaderMovedError, LockExpiredError, ShareGroupsUnavailableError } from './share-errors.js'
import { assertShareGroups } from './share-groups-available.js'
import type { Delivery } from './share-record.js'
import type { PartitionAssembler, ShareFetchPartition } from './assemble-deliveries.js'
import type { FetchLimits } from './share-session.js'

/** The part of a connection the fetcher uses. */
export type FetchConnection = Pick<Connection, 'id' | 'send' | 'onClose' | 'versionFor' | 'supports' | 'finalizedFeatures' | 'nodeId'>

/** Where the fetcher gets its connections: the cluster's `fetch` connection to each leader. */
export interface FetchConnections {
  /** The connection to broker `nodeId` for `purpose`, opened if needed. */
  connection: (nodeId: number, purpose: 'fetch') => Promise<FetchConnection>
}

/**
 * Acknowledgements that nothing else sends wait this long for company before a request goes
 * for them alone (a steady trickle of acks then costs one request per this interval, not one
 * each). Bounded by the flush delay, which is bounded by the lock.
 */
const ACK_LINGER_MS = 50

/** What the fetcher tells the consumer. */
export interface ShareFetcherEvents {
  /** Records were buffered (they may supersede deliveries the application holds). */
  records: (deliveries: readonly Delivery[]) => void
  /** A waiting poll can take records now (see {@link ShareFetcher.ready}). */
  ready: () => void
  /** Acknowledgements completed (successfully or not). */
  results: (results: AcknowledgementResult[]) => void
  /** A partition answered with an error (leader moved, unknown topic, authorization...). */
  partitionError: (target: TopicIdPartition, partition: ShareFetchPartition, nodeEndpoints: ResponseOf<typeof ShareFetch>['nodeEndpoints']) => void
  /** A request failed in a way the application should hear about (authorization, share groups disabled). */
  error: (error: KafkaError) => void
  /** The broker told the group's lock duration. */
  lockTimeout: (ms: number) => void
  /** Acknowledgements failed because a partition's leader or topic changed; the response's leader hints. */
  leaderHints: (hints: LeaderHintResponse) => void
  /** A request to a leader failed (lost connection, refused, timeout): its partitions may have a new leader. */
  nodeUnreachable: (nodeId: number, partitions: readonly TopicIdPartition[]) => void
}

/** Options of a {@link ShareFetcher}. */
export interface ShareFetcherOptions {
  /** Share group. */
  groupId: string
  /** Member id. */
  memberId: string
  /** Fetch limits. */
  limits: FetchLimits
  /** `record_limit` acquire mode (see {@link planFetches}). */
  recordLimit: boolean
  /** Time allowed for a request (a ShareFetch gets its MaxWaitMs on top). */
  requestTimeoutMs: number
  /** Backoff after a failed request to a node. */
  retryBackoff: BackoffOptions
  /** Connections to the leaders (checked to serve share groups before first use). */
  cluster: FetchConnections
  /** Record assembly. */
  assemble: PartitionAssembler
  /** Notifications. */
  events: ShareFetcherEvents
  /** Where warnings go. */
  logger: Logger
  /** How many records delivered by a node the application holds (not settled yet). */
  heldFrom: (nodeId: number) => number
  /** Clock (tests). */
  now?: () => number
}

/**
 * Fetches from and acknowledges to every leader that has partitions for us, one request at a
 * time per leader (ShareFetch and ShareAcknowledge share one epoch sequence per session), on
 * the pool's `fetch` connection to that leader. See {@link nextAction} for where acks travel.
 */
export class ShareFetcher {
  private readonly buffer = new FetchBuffer()
  private readonly policy: FetchPolicy
  private readonly channels = new Map<number, NodeChannel>()
  private readonly requests = new Set<Promise<void>>()
  private readonly now: () => number
  private lockTimeoutMs = 0
  private timer: NodeJS.Timeout | undefined
  private timerAt = Infinity
  private closed = false
  private stopped = false
  private pumpScheduled = false

  /** @param options see {@link ShareFetcherOptions} */
  constructor (private readonly options: ShareFetcherOptions) {
    this.now = options.now ?? Date.now
    this.policy = { enabled: false, recordLimit: options.recordLimit, pollWaiting: false, pollLimit: options.limits.maxRecords, pollDeadline: 0 }
  }

  /** A poll began: fetching is on from now (`batch_optimized` prefetches while the application works). */
  startFetching (): void {
    if (this.closed || this.stopped || this.policy.enabled) return
    this.policy.enabled = true
    this.pump()
  }

  /**
   * A poll waits for at most `limit` records until `deadline` (epoch ms): fetches for it may
   * go, and wait at the broker no longer than the poll.
   */
  awaitRecords (limit: number, deadline: number): void {
    if (this.closed || this.stopped) return
    this.policy.enabled = true
    this.policy.pollWaiting = true
    this.policy.pollLimit = limit
    this.policy.pollDeadline = deadline
    this.pump()
  }

  /** The poll stopped waiting (it returns, timed out, or was woken up). */
  stopWaiting (): void {
    this.policy.pollWaiting = false
  }

  /**
   * True when a waiting poll should take what is buffered now. In `record_limit` mode, not
   * while a fetch for the poll is still in flight: it answers soon (see {@link planFetches})
   * and the poll takes its records too, so none of them waits in the buffer after the poll.
   */
  get ready (): boolean {
    if (this.buffer.size === 0) return false
    if (!this.policy.recordLimit) return true
    for (const c of this.channels.values()) if (c.asking > 0) return false
    return true
  }

  /**
   * Hands out up to `max` buffered records, leaders in turn; records whose lock ran out while
   * buffered are dropped (someone else may hold them now). The poll stops waiting.
   */
  take (max: number): Delivery[] {
    this.policy.pollWaiting = false
    const { records, expired } = this.buffer.take(max, this.now())
    if (expired > 0) this.options.logger.debug(`dropped ${expired} buffered records whose lock ran out before poll()`)
    if (records.length > 0 || expired > 0) this.pump()
    return records
  }

  /** Fetches no more (the consumer failed); acknowledgements still go. */
  stopFetching (): void {
    this.stopped = true
    this.policy.enabled = false
  }

  /** How long acks may wait for a ShareFetch to ride on: a quarter of the lock, at most a second. */
  get flushDelayMs (): number {
    return this.lockTimeoutMs > 0 ? Math.min(1000, Math.floor(this.lockTimeoutMs / 4)) : 1000
  }

  /**
   * Sets the partitions to fetch, by leader node. Nodes left out fetch nothing (their acks
   * still go). See {@link routeChannels} for partitions that moved to another leader.
   */
  setPartitions (byNode: ReadonlyMap<number, TopicIdPartition[]>): void {
    for (const nodeId of byNode.keys()) this.channel(nodeId)
    routeChannels(this.channels.values(), byNode)
    for (const c of this.channels.values()) c.idleUntil = 0 // new partitions may have records
    // Buffered records of a partition whose leader moved are no longer ours: the new leader delivers them again.
    for (const c of this.channels.values()) {
      if (c.movedAway.size > 0 && this.buffer.sizeOf(c.nodeId) > 0) this.buffer.dropIf(c.nodeId, d => c.refusal(d) !== undefined)
    }
    this.pump()
  }

  /**
   * Queues an acknowledgement for a delivered record, to the node that delivered it, or
   * returns at once the result of one that cannot be sent: the partition's leader moved or the
   * session that delivered it ended ({@link NodeChannel.refusal}), or its lock ran out and the
   * record was delivered again ({@link LockExpiredError}). An acknowledgement made after the
   * record's lock ran out is still sent, and its result says so whatever the broker answers.
   * Returns `undefined` when queued (or ignored: a RENEW after a terminal ack).
   */
  acknowledge (delivery: Delivery, typeId: number): AcknowledgementResult | undefined {
    const { topic, partition, offset, lockDeadline } = delivery.record
    const c = this.channel(delivery.nodeId)
    const refused = c.refusal(delivery)
    if (refused !== undefined) return refused
    if (delivery.superseded) return { topic, partition, offsets: [offset], error: new LockExpiredError(topic, partition, [offset], 'redelivered') }
    const now = this.now()
    c.queueAck(delivery.target, offset, typeId, now, lockDeadline)
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
    // A partition settled before the timeout keeps its outcome (a retry may still run for another).
    const pending: Array<{ set: AckSet, bundle: () => AckBundle | undefined, done: Promise<AcknowledgementResult[]>, results?: AcknowledgementResult[] }> = []
    const deadline = this.now() + timeoutMs
    for (const c of this.channels.values()) {
      const inFlight = c.inFlightAcks
      if (inFlight !== undefined) pending.push({ set: inFlight.set, bundle: () => inFlight, done: inFlight.done() })
      if (!c.outbox.isEmpty) {
        c.flushRequested = true
        c.flushDeadline = Math.min(c.flushDeadline, deadline)
        const claim = c.claimOutbox()
        pending.push({ set: c.outbox.snapshot(), bundle: () => claim.bundle, done: claim.done })
      }
    }
    if (pending.length === 0) return []
    this.pump()
    await finishedWithin(Promise.all(pending.map(async p => { p.results = await p.done })), timeoutMs)
    const timeout = new RequestTimeoutError(`acknowledgements not confirmed within ${timeoutMs} ms`, timeoutMs, -1, { api: 'ShareAcknowledge' })
    return pending.flatMap(p => p.results ?? p.bundle()?.resultsWith(() => timeout) ?? resultsFor(p.set, () => timeout))
  }

  /**
   * Closes every open session with a ShareAcknowledge at epoch -1 carrying the waiting acks:
   * the broker applies them and releases everything else this member holds from that
   * session. Waits for requests in flight first. Resolves with the ack results.
   */
  async close (): Promise<AcknowledgementResult[]> {
    this.policy.enabled = false
    this.policy.pollWaiting = false
    this.closed = true
    this.clearTimer()
    while (this.requests.size > 0) await Promise.allSettled([...this.requests])
    const results = await Promise.all([...this.channels.values()]
      .filter(c => !c.session.isNew)
      .map(async c => await this.track(this.acknowledge0(c, true)) ?? []))
    return results.flat()
  }

  /** Acknowledgements that nothing else sends wait this long for company; see {@link ACK_LINGER_MS}. */
  private get lingerMs (): number {
    return Math.min(ACK_LINGER_MS, this.flushDelayMs)
  }

  /** Starts whatever each node should do now. */
  pump (): void {
    if (this.closed) return
    const now = this.now()
    const linger = this.lingerMs
    const plan = planFetches(this.policy, this.options.limits, [...this.channels.values()].map(c => this.candidate(c, now, linger)), now)
    let wake = Infinity
    for (const c of this.channels.values()) {
      const holds = this.buffer.sizeOf(c.nodeId) > 0 || this.options.heldFrom(c.nodeId) > 0
      const limits = plan.get(c.nodeId)
      const action = nextAction(c.facts(limits !== undefined, holds), now, this.flushDelayMs, linger)
      if (action === 'fetch') void this.track(this.fetch(c, limits!))
      else if (action === 'acknowledge' || action === 'close') void this.track(this.acknowledge0(c, action === 'close'))
      else if (!c.busy) {
        if (c.retryAt > now) wake = Math.min(wake, c.retryAt)
        if (c.idleUntil > now) wake = Math.min(wake, c.idleUntil)
        // Waiting acks next matter when their linger ends, then when their flush delay does.
        const lingered = c.acksSince + linger
        if (!c.outbox.isEmpty) wake = Math.min(wake, Math.max(lingered > now ? lingered : c.acksSince + this.flushDelayMs, c.retryAt))
      }
    }
    this.wakeAt(wake)
  }

  private candidate (c: NodeChannel, now: number, linger: number): FetchCandidate {
    return {
      nodeId: c.nodeId,
      wanted: c.wanted.length > 0,
      busy: c.busy || now < c.retryAt,
      asking: c.asking,
      buffered: this.buffer.sizeOf(c.nodeId),
      idleUntil: c.idleUntil,
      hasAcks: !c.outbox.isEmpty && now - c.acksSince >= linger,
      lastFetchAt: c.lastFetchAt
    }
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
    const conn = await this.options.cluster.connection(c.nodeId, 'fetch')
    if (conn.id !== c.connectionId) {
      assertShareGroups(conn)
      if (!c.session.isNew) this.resetSession(c, 'the connection was replaced')
      c.connectionId = conn.id
      conn.onClose(error => {
        if (c.connectionId !== conn.id) return
        c.connectionId = -1
        if (!c.session.isNew) this.resetSession(c, `connection lost: ${error.message}`)
        this.maybeLeaderGone(c)
        this.pump()
      })
    }
    return conn
  }

  private async fetch (c: NodeChannel, limits: FetchLimits): Promise<void> {
    c.busy = true
    c.asking = limits.maxRecords
    c.lastFetchAt = this.now()
    let bundle: AckBundle | undefined
    const generation = c.session.generation
    try {
      const conn = await this.connection(c)
      if (!c.session.isNew && !c.outbox.isEmpty) bundle = c.takeOutbox()
      const requested = new Map<string, TopicIdPartition>()
      for (const p of c.wanted) requested.set(partitionKey(p.topicId, p.partition), p)
      for (const [key, { target }] of bundle?.set ?? []) requested.set(key, target)
      const built = c.session.buildFetch({ groupId: this.options.groupId, memberId: this.options.memberId, limits }, c.wanted, bundle?.set ?? new Map())
      if (!built.fetches) c.asking = 0
      c.inFlightAcks = bundle
      const sentGeneration = c.session.generation
      let response: ResponseOf<typeof ShareFetch>
      const sentAt = this.now()
      try {
        response = await conn.send(ShareFetch, built.body, { timeoutMs: this.options.requestTimeoutMs + built.body.maxWaitMs })
      } catch (err) {
        this.requestFailed(c, sentGeneration, bundle, err)
        return
      }
      const delivered = this.onFetchResponse(c, response, bundle, requested, sentGeneration, sentAt)
      // A fetch that did not wait at the broker and found nothing: the next waits here instead.
      c.idleUntil = built.fetches && built.body.maxWaitMs === 0 && delivered === 0 ? this.now() + this.options.limits.maxWaitMs : 0
    } catch (err) {
      this.requestFailed(c, generation, bundle, err)
    } finally {
      c.busy = false
      const asked = c.asking
      c.asking = 0
      c.inFlightAcks = undefined
      if (asked > 0 && this.ready) this.options.events.ready()
      this.pump()
    }
  }

  /** Applies a ShareFetch response to a request sent at `sentAt`; returns how many records it delivered, -1 for an error answer. */
  private onFetchResponse (c: NodeChannel, response: ResponseOf<typeof ShareFetch>, bundle: AckBundle | undefined, requested: Map<string, TopicIdPartition>, generation: number, sentAt: number): number {
    const now = this.now()
    if (this.sessionAnswer(c, response.errorCode, response.errorMessage, 'ShareFetch', bundle, generation) !== 'ok') return -1
    if (response.acquisitionLockTimeoutMs > 0) this.setLockTimeout(response.acquisitionLockTimeoutMs)
    const ackErrors = new Map<string, KafkaError | null>()
    const moved: Array<LeaderHintResponse['responses'][number]> = []
    const deliveries: Delivery[] = []
    let partitionErrors = 0
    // The broker acquired the records after the request left, so their locks last at least
    // this long. Counted from the response instead, the deadline overshot the broker's by the
    // response's latency: under load, acks made in that gap were refused as if on time.
    const lockDeadline = sentAt + this.lockTimeoutMs
    for (const topic of response.responses) {
      for (const p of topic.partitions) {
        const key = partitionKey(topic.topicId, p.partitionIndex)
        const target = requested.get(key)
        if (target === undefined) continue
        if (bundle?.set.has(key) === true) {
          ackErrors.set(key, acknowledgeError(p.acknowledgeErrorCode, target, c.nodeId, 'ShareFetch', p.acknowledgeErrorMessage))
          // A fetch error already reports the partition; an ack-only partition can only tell here.
          if (ACK_ROUTING_ERRORS.has(p.acknowledgeErrorCode) && p.errorCode === ErrorCode.NONE) moved.push({ topicId: topic.topicId, partitions: [{ partitionIndex: p.partitionIndex, errorCode: p.acknowledgeErrorCode, currentLeader: p.currentLeader }] })
        }
        if (p.errorCode !== ErrorCode.NONE) {
          partitionErrors++
          this.options.events.partitionError(target, p, response.nodeEndpoints)
        }
        if (p.acquiredRecords.length === 0) continue
        // A session lost, or the leadership moved, while the response was on its way: the broker let go of these records.
        if (c.session.generation !== generation || c.movedAway.has(key)) continue
        c.delivered.add(key)
        const assembled = this.options.assemble(p, { target, nodeId: c.nodeId, generation, lockDeadline })
        for (const d of assembled.deliveries) deliveries.push(d)
        // Gaps, undecodable and cut-off offsets: nobody processes them, so no lock deadline can make their result late.
        for (const ack of assembled.acks) {
          for (let offset = ack.firstOffset; offset <= ack.lastOffset; offset++) c.queueAck(target, offset, ack.typeId, now, Infinity)
        }
        for (const error of assembled.corrupt) this.options.logger.warn(`rejected undecodable records of ${target.topic}-${target.partition}: ${error.message}`)
      }
    }
    if (bundle !== undefined) this.complete(bundle, key => ackErrors.has(key) ? ackErrors.get(key)! : unansweredError(c.nodeId, 'ShareFetch'))
    if (moved.length > 0) this.options.events.leaderHints({ responses: moved, nodeEndpoints: response.nodeEndpoints })
    if (partitionErrors > 0 && deliveries.length === 0) this.backoff(c)
    else c.failures = 0
    if (deliveries.length === 0) return partitionErrors > 0 ? -1 : 0
    this.buffer.push(c.nodeId, deliveries)
    this.options.events.records(deliveries)
    return deliveries.length
  }

  /**
   * Sends the outbox in a ShareAcknowledge; with `close`, at epoch -1, ending the session.
   * As Java's client, partitions that fail with a retriable error other than a leader or topic
   * change (the records are still ours, e.g. the share coordinator was moving) are sent again
   * after a backoff until the bundle's deadline (the commit's timeout, else requestTimeoutMs);
   * the node takes no other request meanwhile. Closing requests are not retried.
   */
  private async acknowledge0 (c: NodeChannel, close: boolean): Promise<AcknowledgementResult[] | undefined> {
    c.busy = true
    let bundle: AckBundle | undefined
    const generation = c.session.generation
    try {
      const conn = await this.connection(c)
      if (c.session.isNew) return undefined // the session ended: its acks have been failed
      bundle = c.takeOutbox(this.now() + this.options.requestTimeoutMs)
      if (setHasRenew(bundle.set) && conn.versionFor(ShareAcknowledge) < 2) {
        this.complete(bundle, () => new UnsupportedApiVersionError(`broker ${c.nodeId} cannot renew acquisition locks: it speaks ShareAcknowledge v1 only (renew needs Kafka 4.2+)`,
          [ShareAcknowledge.minVersion, ShareAcknowledge.maxVersion], null, { brokerId: c.nodeId, api: 'ShareAcknowledge' }))
        return await bundle.done()
      }
      c.inFlightAcks = bundle
      const started = this.now()
      for (let attempt = 0; ; attempt++) {
        const retry = await this.acknowledgeOnce(c, conn, bundle, close)
        if (retry === undefined || bundle.completed) break
        const wait = backoffDelay(attempt, this.options.retryBackoff)
        if (this.now() + wait >= bundle.deadline) {
          const waited = this.now() - started
          this.complete(bundle, () => new RequestTimeoutError(`acknowledgements not confirmed within ${waited} ms (their deadline); the last attempt failed with ${retry.message}`,
            waited, -1, { brokerId: c.nodeId, api: 'ShareAcknowledge', cause: retry }))
          break
        }
        await new Promise(resolve => setTimeout(resolve, wait))
        // A retry only goes to the session that delivered the records, and for partitions it still leads.
        if (c.session.generation !== generation || c.session.isNew) {
          this.complete(bundle, c.cannotSend(bundle.set, 'the session ended while acknowledgements waited for a retry'))
          break
        }
        for (const [key, { target }] of bundle.unsettled()) if (c.movedAway.has(key)) bundle.settle(key, new LeaderMovedError(c.nodeId, target.topic, target.partition))
        if (bundle.unsettled().size === 0) {
          this.complete(bundle, () => null)
          break
        }
      }
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
   * One ShareAcknowledge for the bundle's unsettled partitions. Settles what the broker
   * answered; returns the error to retry after (the bundle then has unsettled partitions), or
   * `undefined` when the bundle is complete.
   */
  private async acknowledgeOnce (c: NodeChannel, conn: FetchConnection, bundle: AckBundle, close: boolean): Promise<KafkaError | undefined> {
    const body = c.session.buildAcknowledge(this.options.groupId, this.options.memberId, bundle.unsettled(), close)
    const sentGeneration = c.session.generation
    let response: ResponseOf<typeof ShareAcknowledge>
    try {
      response = await conn.send(ShareAcknowledge, body, { timeoutMs: this.options.requestTimeoutMs })
    } catch (err) {
      this.requestFailed(c, sentGeneration, bundle, err)
      return undefined
    }
    const answer = this.sessionAnswer(c, response.errorCode, response.errorMessage, 'ShareAcknowledge', bundle, sentGeneration, !close)
    if (answer !== 'ok') return answer === 'failed' ? undefined : answer
    if ((response.acquisitionLockTimeoutMs ?? 0) > 0) this.setLockTimeout(response.acquisitionLockTimeoutMs!)
    c.failures = 0
    const retry = settleAcknowledgeResponse(bundle, response, c.nodeId, !close)
    if (response.responses.some(t => t.partitions.some(p => ACK_ROUTING_ERRORS.has(p.errorCode)))) this.options.events.leaderHints(response)
    if (retry === undefined) this.complete(bundle, () => null)
    return retry
  }

  /**
   * Applies a response's top-level error to the session: `ok` when there is none; `failed`
   * when the response failed as a whole (its acks are then completed with the error); the
   * error itself when `retryable` and the session goes on with a retriable error (as Java's
   * client, the acks are then sent again).
   */
  private sessionAnswer (c: NodeChannel, code: number, message: string | null, api: string, bundle: AckBundle | undefined, generation: number, retryable = false): 'ok' | 'failed' | KafkaError {
    if (c.session.generation !== generation) {
      // The session was dropped meanwhile (lost connection): this answer belongs to the old one.
      if (code !== ErrorCode.NONE && bundle !== undefined) this.complete(bundle, c.cannotSend(bundle.set, 'the session ended while the request was in flight'))
      return code === ErrorCode.NONE ? 'ok' : 'failed'
    }
    const outcome = c.session.onResponse(code)
    if (outcome === 'reset') this.sessionLost(c, code === ErrorCode.NONE ? 'closed' : `the broker answered ${responseError(code)?.errorName ?? code}`)
    const error = responseError(code, { api, brokerId: c.nodeId, brokerMessage: message })
    if (error === null) return 'ok'
    this.backoff(c)
    if (retryable && outcome !== 'reset' && error.retriable) return error
    if (bundle !== undefined) this.complete(bundle, outcome === 'reset' ? c.cannotSend(bundle.set, error.errorName) : () => error)
    if (code === ErrorCode.UNSUPPORTED_VERSION) {
      this.options.events.error(new ShareGroupsUnavailableError(`${api} answered UNSUPPORTED_VERSION${message !== null ? ` (${message})` : ''}`, { brokerId: c.nodeId, api }))
    } else if (!error.retriable && outcome !== 'reset') {
      this.options.events.error(error)
    }
    return 'failed'
  }

  /** A request got no answer (timeout, lost connection, encoding failure): its effect is unknown, so the session starts over. */
  private requestFailed (c: NodeChannel, generation: number, bundle: AckBundle | undefined, err: unknown): void {
    const error = err instanceof KafkaError ? err : new KafkaError(`request to broker ${c.nodeId} failed: ${String(err)}`, false, { brokerId: c.nodeId, cause: err })
    if (c.session.generation === generation && !c.session.isNew) this.resetSession(c, error.message)
    if (bundle !== undefined) this.complete(bundle, () => error)
    this.backoff(c)
    this.maybeLeaderGone(c)
    if (!error.retriable && !this.closed) this.options.events.error(error)
  }

  /** Requests to `c` fail: if it leads partitions for us, they may have a new leader (as Java, look again). */
  private maybeLeaderGone (c: NodeChannel): void {
    if (!this.closed && c.wanted.length > 0) this.options.events.nodeUnreachable(c.nodeId, c.wanted)
  }

  private resetSession (c: NodeChannel, reason: string): void {
    c.session.reset()
    c.idleUntil = 0 // reopen the session promptly, as for a new partition
    this.sessionLost(c, reason)
  }

  /** The session ended: acks waiting for it cannot be sent, and its buffered records were released by the broker. */
  private sessionLost (c: NodeChannel, reason: string): void {
    if (!c.outbox.isEmpty) {
      const bundle = c.takeOutbox()
      this.complete(bundle, c.cannotSend(bundle.set, reason))
    }
    this.buffer.drop(c.nodeId)
  }

  /** Completes the bundle: settled partitions keep their outcome, the others get `errorOf(key)`. */
  private complete (bundle: AckBundle, errorOf: (key: string) => KafkaError | null): void {
    if (bundle.completed) return
    const results = bundle.resultsWith(errorOf, this.now())
    bundle.complete(results)
    if (results.length > 0) this.options.events.results(results)
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
