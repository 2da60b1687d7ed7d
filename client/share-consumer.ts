import type { ResponseOf } from '../protocol/api.js'
import { ErrorCode } from '../protocol/error-codes.js'
import type { ShareFetch } from '../protocol/messages/share-fetch.js'
import { backoffDelay } from './backoff.js'
import { Cluster } from './cluster.js'
import { positiveInt } from './connection-options.js'
import { KafkaError, responseError } from './errors.js'
import { finishedWithin } from './finished-within.js'
import { InvalidTopicError, isTopicName } from './topic-name.js'
import type { TopicIdPartition } from './share/ack-outbox.js'
import { mergeResults, type AcknowledgementResult } from './share/ack-results.js'
import { ACCEPT, acknowledgeTypeId, type AcknowledgeType } from '../protocol/acknowledge-type.js'
import { assembleDeliveries, type ShareFetchPartition } from './share/assemble-deliveries.js'
import { resolveConsumerOptions, type ShareConsumerOptions } from './share/consumer-options.js'
import { DeliveryLedger } from './share/delivery-ledger.js'
import { HeartbeatLoop } from './share/heartbeat-loop.js'
import type { Logger } from './share/logger.js'
import { routePartitions } from './share/partition-routing.js'
import { ConsumerClosedError, InvalidAcknowledgementError, NotSubscribedError, ShareGroupsUnavailableError, WakeupError } from './share/share-errors.js'
import { ShareFetcher } from './share/share-fetcher.js'
import { ShareMembership } from './share/share-membership.js'
import type { Delivery, RecordRef, ShareRecord } from './share/share-record.js'
import { channels, type AcknowledgeTrace, type AckResultTrace, type FetchedRecordsTrace } from './tracing.js'

export type { AcknowledgementMode, AcquireMode, ShareConsumerOptions } from './share/consumer-options.js'

type ShareFetchResponse = ResponseOf<typeof ShareFetch>

/** Default `poll()` timeout, ms. */
export const DEFAULT_POLL_TIMEOUT_MS = 5000

/** Options of one `poll()`. */
export interface PollOptions {
  /**
   * Hand out at most this many records (capped at `maxPollRecords`), e.g. as many as there
   * are idle workers. In `record_limit` mode the broker is asked for no more, so no record
   * waits in the consumer's buffer with its lock running.
   */
  maxRecords?: number
}

/**
 * Records stay acknowledgeable this long after their lock ran out (or twice the lock, if
 * longer): the acknowledgement is still sent, and its result is a `LockExpiredError` whatever
 * the broker answers (Kafka 4.4 answers success once the records are archived, although
 * another member may have had them). Later they are forgotten (memory): acknowledging one then
 * throws `InvalidAcknowledgementError`.
 */
const HELD_GRACE_MS = 60_000

/**
 * A share-group consumer (KIP-932, Kafka 4.1+; renew and acquire modes need 4.2+).
 *
 * Differences from Java's KafkaShareConsumer, on purpose:
 * - In explicit mode `poll()` may be called while earlier records are unacknowledged: they
 *   stay this member's until acknowledged or until their lock runs out (`lockDeadline`).
 * - A renewed record is not handed out again; its `lockDeadline` moves forward instead.
 * - Records whose lock ran out while buffered are not handed out (they are someone else's).
 * - The commit callback runs when results arrive, not inside poll/commit.
 * - `batch_optimized` prefetches one response per leader while the application works.
 * - `poll()` takes a per-poll `maxRecords` ({@link PollOptions}).
 * - `subscribe()` rejects an illegal topic name at once ({@link InvalidTopicError}); Java
 *   throws it from the next poll.
 * - An acknowledgement made after the record's lock ran out reports a `LockExpiredError`
 *   even when the broker answers success (it may have been processed by another member).
 * - `close()` in implicit mode, as Java, releases the last batch instead of accepting it.
 *
 * When a partition's leader changes, acknowledgements of records the old leader delivered fail
 * (`LeaderMovedError` once the consumer knows of the move, `ShareSessionLostError` if the old
 * leader's session died first) and the new leader delivers the records again.
 */
export class ShareConsumer {
  private readonly cluster: Cluster
  private readonly membership: ShareMembership
  private readonly heartbeat: HeartbeatLoop
  private readonly fetcher: ShareFetcher
  private readonly ledger: DeliveryLedger
  private readonly logger: Logger
  private readonly implicit: boolean
  private readonly maxPollRecords: number
  private readonly requestTimeoutMs: number
  private readonly listeners = new Set<(results: AcknowledgementResult[]) => void>()
  private localResults: AcknowledgementResult[] = []
  private lockTimeoutMs: number | undefined
  private fatal: KafkaError | undefined
  private reported: KafkaError | undefined
  private wakeupPending = false
  private pollPending = false
  private waiter: { resolve: () => void, reject: (err: KafkaError) => void } | undefined
  private routing: Promise<void> | undefined
  private routeAgain = false
  private routeTimer: NodeJS.Timeout | undefined
  private unroutedRounds = 0
  private closing: Promise<void> | undefined

  /** Throws `ConfigurationError` for bad options; connects lazily (on subscribe). */
  constructor (options: ShareConsumerOptions) {
    const resolved = resolveConsumerOptions(options)
    this.implicit = resolved.implicit
    this.maxPollRecords = resolved.maxPollRecords
    this.requestTimeoutMs = resolved.requestTimeoutMs
    this.logger = resolved.logger
    this.ledger = new DeliveryLedger(resolved.implicit)
    // What is left once the consumer's own options are taken out: the connection options.
    const { groupId, acknowledgementMode, acquireMode, maxPollRecords, fetchMaxWaitMs, fetchMinBytes, fetchMaxBytes, logger, ...connection } = options
    this.cluster = new Cluster({ ...connection, requestTimeoutMs: this.requestTimeoutMs })
    const retryBackoff = { initialMs: 100, maxMs: 1000 } // Java's retry.backoff.ms / retry.backoff.max.ms
    this.membership = new ShareMembership(options.groupId)
    this.heartbeat = new HeartbeatLoop({
      cluster: this.cluster,
      membership: this.membership,
      requestTimeoutMs: this.requestTimeoutMs,
      retryBackoff,
      logger: this.logger,
      onAssignment: () => this.reroute(),
      onError: (error, fatal) => this.onError(error, fatal)
    })
    this.fetcher = new ShareFetcher({
      groupId: options.groupId,
      memberId: this.membership.memberId,
      limits: resolved.limits,
      requestTimeoutMs: this.requestTimeoutMs,
      retryBackoff,
      recordLimit: resolved.recordLimit,
      cluster: this.cluster,
      assemble: assembleDeliveries,
      heldFrom: nodeId => this.ledger.heldFrom(nodeId),
      logger: this.logger,
      events: {
        records: deliveries => {
          this.ledger.markSuperseded(deliveries)
          if (channels.records.hasSubscribers) publishRecords(options.groupId, deliveries)
        },
        ready: () => this.waiter?.resolve(),
        results: results => this.onResults(results),
        partitionError: (target, partition, nodeEndpoints) => this.onPartitionError(target, partition, nodeEndpoints),
        error: error => this.onError(error, error instanceof ShareGroupsUnavailableError),
        lockTimeout: ms => { this.lockTimeoutMs = ms },
        leaderHints: hints => {
          this.cluster.applyLeaderHints(hints)
          this.reroute()
        },
        nodeUnreachable: (_nodeId, partitions) => {
          // The leader may have died: look the partitions up again (as Java's client does on a disconnect).
          for (const p of partitions) this.cluster.metadata.markStale({ topicId: p.topicId })
          this.reroute()
        }
      }
    })
  }

  /** This member's id (a Kafka UUID generated by the client, kept through rejoins). */
  get memberId (): string {
    return this.membership.memberId
  }

  /**
   * Where this member stands in its group: `joined` once the coordinator accepted it (until it
   * leaves or is fenced) and since when (`joinedAt`, epoch ms), `partitions` assigned now,
   * `assignedOnce` once any were.
   */
  get membershipStatus (): { joined: boolean, joinedAt: number, partitions: number, assignedOnce: boolean } {
    let partitions = 0
    for (const list of this.membership.assignment.values()) partitions += list.length
    const joined = this.membership.state === 'stable'
    return { joined, joinedAt: joined ? this.membership.joinedAt : 0, partitions, assignedOnce: this.membership.assignedOnce }
  }

  /** The group's acquisition lock duration from the last ShareFetch/ShareAcknowledge response, ms; undefined before the first fetch. */
  get acquisitionLockTimeoutMs (): number | undefined {
    return this.lockTimeoutMs
  }

  /** Topics subscribed to. */
  get subscription (): readonly string[] {
    return this.membership.subscription
  }

  /**
   * Subscribes to exactly these topics (replacing the previous subscription); `[]`
   * unsubscribes. Throws {@link InvalidTopicError} for a name Kafka can never accept.
   */
  subscribe (topics: readonly string[]): void {
    this.ensureOpen('subscribe')
    const illegal = topics.find(topic => !isTopicName(topic))
    if (illegal !== undefined) throw new InvalidTopicError(illegal)
    this.membership.subscribe(topics)
    this.heartbeat.wake()
  }

  /** Leaves the group. Records already delivered can still be acknowledged. */
  unsubscribe (): void {
    this.ensureOpen('unsubscribe')
    this.membership.unsubscribe()
    this.reroute()
    this.heartbeat.wake()
  }

  /**
   * Up to `maxPollRecords` records (or `options.maxRecords`, see {@link PollOptions}), or `[]`
   * when none arrived within `timeoutMs` (default {@link DEFAULT_POLL_TIMEOUT_MS}). In implicit
   * mode it first accepts the previous batch. Rejects with {@link WakeupError} after
   * `wakeup()`, with {@link NotSubscribedError} when not subscribed to any topic (never
   * subscribed, `unsubscribe()`, `subscribe([])`), and with the error that stopped the
   * consumer (e.g. {@link ShareGroupsUnavailableError}); throws `ConfigurationError` for a bad
   * `maxRecords`.
   */
  async poll (timeoutMs = DEFAULT_POLL_TIMEOUT_MS, options: PollOptions = {}): Promise<ShareRecord[]> {
    this.ensureOpen('poll')
    if (this.pollPending) throw new KafkaError('poll() is already pending; await it before polling again', false)
    const limit = options.maxRecords === undefined ? this.maxPollRecords : Math.min(positiveInt(options.maxRecords, 'maxRecords'), this.maxPollRecords)
    if (this.membership.subscription.length === 0) throw new NotSubscribedError()
    this.throwPending()
    // Acks that failed before they could be sent are reported to listeners and to the next
    // commitSync of this poll cycle; a new poll starts a new cycle (no unbounded list).
    this.localResults = []
    this.settleImplicit()
    if (this.lockTimeoutMs !== undefined) this.ledger.forgetExpired(Date.now() - Math.max(HELD_GRACE_MS, 2 * this.lockTimeoutMs))
    this.fetcher.startFetching()
    const deadline = Date.now() + timeoutMs
    this.pollPending = true
    try {
      for (;;) {
        const remaining = deadline - Date.now()
        if (this.fetcher.ready || remaining <= 0 || this.closing !== undefined) {
          const batch = this.ledger.handOut(this.fetcher.take(limit))
          if (batch.length > 0 || remaining <= 0 || this.closing !== undefined) return batch
        }
        this.fetcher.awaitRecords(limit, deadline)
        await this.waitForRecords(remaining)
        this.fetcher.stopWaiting()
        this.throwPending()
      }
    } finally {
      this.pollPending = false
      this.fetcher.stopWaiting()
    }
  }

  /** Batches as `poll()` returns them (empty polls skipped), until the consumer closes. */
  async * batches (timeoutMs = DEFAULT_POLL_TIMEOUT_MS, options: PollOptions = {}): AsyncGenerator<ShareRecord[], void, undefined> {
    while (this.closing === undefined) {
      const batch = await this.poll(timeoutMs, options)
      if (batch.length > 0) yield batch
    }
  }

  /**
   * Settles a delivered record (explicit mode only): `accept` (default), `release` (deliver
   * again), `reject` (never again) or `renew` (keep it: restarts the lock). Takes the record,
   * or `{ topic, partition, offset }` for one that could not be deserialized. The ack travels
   * with the next fetch to the leader that delivered it, or alone when it cannot wait; its
   * outcome comes through `commitSync()` results and `onAcknowledgementCommit` listeners.
   */
  acknowledge (record: ShareRecord | RecordRef, type: AcknowledgeType = 'accept'): void {
    this.ensureOpen('acknowledge')
    if (this.implicit) throw new InvalidAcknowledgementError('acknowledge() needs acknowledgementMode \'explicit\'; in implicit mode the next poll() or commit accepts the previous batch')
    const typeId = acknowledgeTypeId(type)
    if (typeId === undefined) throw new InvalidAcknowledgementError(`unknown acknowledgement type ${JSON.stringify(type)}; use 'accept', 'release', 'reject' or 'renew'`)
    const found = this.ledger.find(record)
    if ('error' in found) return this.localFailure(found)
    const refused = this.fetcher.acknowledge(found, typeId)
    this.ledger.settle(found, typeId, refused !== undefined, Date.now())
    if (channels.acknowledge.hasSubscribers) channels.acknowledge.publish({ groupId: this.membership.groupId, topic: record.topic, type } satisfies AcknowledgeTrace)
    if (refused !== undefined) this.localFailure(refused)
    this.fetcher.schedulePump()
  }

  /**
   * Sends every pending acknowledgement now and waits for the outcome, per partition (offsets
   * joined; `error` null when all were applied). As Java, partitions failing with a retriable
   * error other than a leader or topic change are sent again (backoff) within `timeoutMs`
   * (default `requestTimeoutMs`); partitions not confirmed by then report a timeout. Also
   * reports acknowledgements of this poll cycle that failed before they could be sent (the
   * leader moved, their session ended, their lock ran out and the record came back). Implicit
   * mode accepts the last batch first.
   */
  async commitSync (timeoutMs = this.requestTimeoutMs): Promise<AcknowledgementResult[]> {
    this.ensureOpen('commitSync')
    this.settleImplicit()
    const local = this.localResults.splice(0)
    return mergeResults([...local, ...await this.fetcher.flush(timeoutMs)])
  }

  /** Sends every pending acknowledgement now without waiting; outcomes go to `onAcknowledgementCommit` listeners. */
  commitAsync (): void {
    this.ensureOpen('commitAsync')
    this.settleImplicit()
    this.localResults = []
    void this.fetcher.flush(this.requestTimeoutMs)
  }

  /** Calls `listener` with the outcome of every acknowledgement request as it completes. Returns a function that removes it. */
  onAcknowledgementCommit (listener: (results: AcknowledgementResult[]) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  /** Makes a pending `poll()` reject with {@link WakeupError} (or the next one, if none is pending). */
  wakeup (): void {
    if (this.waiter !== undefined) this.waiter.reject(new WakeupError())
    else this.wakeupPending = true
  }

  /**
   * Closes: sends the pending acknowledgements with each leader's session-closing request
   * (epoch -1, which releases every record still held, so others get them at once), leaves
   * the group (epoch -1 heartbeat), then closes the connections. Every step is bounded by
   * `requestTimeoutMs`. A pending poll resolves with `[]`.
   */
  close (): Promise<void> {
    this.closing ??= this.close0()
    return this.closing
  }

  private async close0 (): Promise<void> {
    this.waiter?.resolve()
    clearTimeout(this.routeTimer)
    const stepMs = this.requestTimeoutMs * 2
    try {
      await finishedWithin(this.fetcher.close(), stepMs)
      await finishedWithin(this.heartbeat.leave(), stepMs)
    } catch (err) {
      this.logger.warn(`share consumer close: ${err instanceof Error ? err.message : String(err)}`)
    } finally {
      this.heartbeat.stop()
      await this.cluster.close()
    }
  }

  private settleImplicit (): void {
    for (const d of this.ledger.takeImplicitAccepts()) {
      const failed = this.fetcher.acknowledge(d, ACCEPT)
      if (failed !== undefined) this.localFailure(failed)
    }
  }

  private waitForRecords (ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => done(resolve), ms)
      const done = (settle: () => void): void => {
        clearTimeout(timer)
        this.waiter = undefined
        settle()
      }
      this.waiter = { resolve: () => done(resolve), reject: err => done(() => reject(err)) }
    })
  }

  private throwPending (): void {
    if (this.wakeupPending) {
      this.wakeupPending = false
      throw new WakeupError()
    }
    if (this.fatal !== undefined) throw this.fatal
    const reported = this.reported
    this.reported = undefined
    if (reported !== undefined) throw reported
  }

  private onError (error: KafkaError, fatal: boolean): void {
    this.logger.error(`share consumer ${this.membership.memberId}: ${error.message}`)
    if (fatal) {
      this.fatal ??= error
      this.fetcher.stopFetching()
    } else {
      this.reported = error
    }
    this.waiter?.reject(error)
  }

  private onResults (results: AcknowledgementResult[]): void {
    this.ledger.applyResults(results, this.lockTimeoutMs)
    this.notify(results)
  }

  private localFailure (result: AcknowledgementResult): void {
    this.localResults.push(result)
    this.notify([result])
  }

  private notify (results: AcknowledgementResult[]): void {
    if (channels.ackResult.hasSubscribers) {
      for (const r of results) channels.ackResult.publish({ groupId: this.membership.groupId, topic: r.topic, partition: r.partition, count: r.offsets.length, error: r.error } satisfies AckResultTrace)
    }
    for (const listener of this.listeners) {
      try {
        listener(results)
      } catch (err) {
        this.logger.error(`onAcknowledgementCommit listener threw: ${err instanceof Error ? err.message : String(err)}`)
      }
    }
  }

  private onPartitionError (target: TopicIdPartition, partition: ShareFetchPartition, nodeEndpoints: ShareFetchResponse['nodeEndpoints']): void {
    const error = responseError(partition.errorCode, { api: 'ShareFetch', brokerMessage: partition.errorMessage, what: `${target.topic}-${target.partition}` })
    if (error === null) return
    if (partition.errorCode === ErrorCode.TOPIC_AUTHORIZATION_FAILED) {
      this.onError(error, false)
      return
    }
    this.logger.debug(error.message)
    // NOT_LEADER_OR_FOLLOWER carries the new leader; other leader errors mark the topic for a metadata refresh.
    this.cluster.applyLeaderHints({ responses: [{ topicId: target.topicId, partitions: [partition] }], nodeEndpoints })
    this.reroute()
  }

  /** Recomputes which leader each assigned partition is fetched from (serialized; retried while some are unplaced). */
  private reroute (): void {
    if (this.routing !== undefined) {
      this.routeAgain = true
      return
    }
    this.routing = (async () => {
      do {
        this.routeAgain = false
        const { byNode, unresolved } = await routePartitions(this.cluster, this.membership.assignment)
        if (this.closing !== undefined) return
        this.fetcher.setPartitions(byNode)
        clearTimeout(this.routeTimer)
        // Partitions without a known topic id or leader: look again, less often while it lasts.
        this.unroutedRounds = unresolved > 0 ? this.unroutedRounds + 1 : 0
        if (unresolved > 0) this.routeTimer = setTimeout(() => this.reroute(), backoffDelay(this.unroutedRounds - 1, { initialMs: 200, maxMs: 5000 }))
      } while (this.routeAgain)
    })().catch(err => this.logger.warn(`share consumer: routing partitions failed: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => { this.routing = undefined })
  }

  private ensureOpen (operation: string): void {
    if (this.closing !== undefined) throw new ConsumerClosedError(operation)
  }
}

// One `kshare:share:records` message per topic of a fetch response.
function publishRecords (groupId: string, deliveries: readonly Delivery[]): void {
  const byTopic = new Map<string, number>()
  for (const d of deliveries) byTopic.set(d.record.topic, (byTopic.get(d.record.topic) ?? 0) + 1)
  for (const [topic, count] of byTopic) channels.records.publish({ groupId, topic, count } satisfies FetchedRecordsTrace)
}
