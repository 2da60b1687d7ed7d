import { FindCoordinator, Metadata, type ResponseOf } from '../protocol/index.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { backoffDelay } from './backoff.js'
import { formatAddress, parseBootstrapServers, type BrokerAddress } from './address.js'
import type { Connection } from './connection.js'
import { positiveInt } from './connection-options.js'
import { Delays } from './delays.js'
import { AuthenticationError, ConfigurationError, ConnectionError, KafkaError, RequestTimeoutError, responseError, type BrokerResponseError } from './errors.js'
import { MetadataCache, type BrokerNode, type LeaderHint, type PartitionInfo, type TopicInfo, type TopicRef } from './metadata.js'
import { ConnectionPool, type ConnectionPurpose, type PoolOptions } from './pool.js'
import { singleFlight } from './single-flight.js'

/** Options of a {@link Cluster}: where to start, connection settings, backoff, metadata age. */
export interface ClusterOptions extends PoolOptions {
  /** Bootstrap brokers, `['host:port', ...]` or `'host:port,host:port'`; tried in order until one answers. Required. */
  bootstrapServers: string | readonly string[]
  /** Cached metadata older than this is refreshed on the next lookup, ms. Default 300 000 (Java's `metadata.max.age.ms`). */
  metadataMaxAgeMs?: number
  /**
   * Least time between two Metadata refreshes, ms: a caller asking sooner waits, so that a
   * loop over a missing broker or topic cannot flood the cluster. Default 100 (Java's `retry.backoff.ms`).
   */
  retryBackoffMs?: number
}

/** FindCoordinator key types. */
export const CoordinatorType = Object.freeze({ GROUP: 0, TRANSACTION: 1 } as const)

/** The routing-relevant part of a ShareFetch / ShareAcknowledge response (and any response shaped alike). */
export interface LeaderHintResponse {
  /** Per topic id, per partition: error code and the leader the broker points to. */
  responses: ReadonlyArray<{ topicId: string, partitions: ReadonlyArray<{ partitionIndex: number, errorCode: number, currentLeader: LeaderHint }> }>
  /** Endpoints of the leaders referenced above. */
  nodeEndpoints: ReadonlyArray<{ nodeId: number, host: string, port: number, rack: string | null }>
}

/** Error codes after which a partition's leader or a topic's id must be looked up again (as Java's ShareFetchCollector). */
const METADATA_ERRORS: ReadonlySet<number> = new Set([
  ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.FENCED_LEADER_EPOCH, ErrorCode.UNKNOWN_LEADER_EPOCH, ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_ID, ErrorCode.INCONSISTENT_TOPIC_ID, ErrorCode.REPLICA_NOT_AVAILABLE,
  ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.OFFSET_NOT_AVAILABLE
])

/** Error codes after which a coordinator must be looked up again. */
const COORDINATOR_ERRORS: ReadonlySet<number> = new Set([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE])

interface Refresh {
  promise: Promise<void>
  names: ReadonlySet<string>
  ids: ReadonlySet<string>
}

/**
 * The cluster as the client layer sees it: a {@link ConnectionPool}, a {@link MetadataCache},
 * routing of requests to a partition's leader or a group's coordinator. What the share
 * consumer, the producer and the admin client are built on.
 *
 * ```ts
 * const cluster = new Cluster({ bootstrapServers: ['localhost:9092'] })
 * const leader = await cluster.leaderFor({ topic: 'jobs' }, 0)
 * const conn = await cluster.connection(leader.leaderId, 'fetch')
 * const res = await conn.send(ShareFetch, body, { timeoutMs: 30_000 + body.maxWaitMs })
 * cluster.applyLeaderHints(res)   // NOT_LEADER_OR_FOLLOWER → new leader from the response
 * ```
 */
export class Cluster {
  /** The connections. */
  readonly pool: ConnectionPool
  /** What is known about brokers and topics. */
  readonly metadata = new MetadataCache()
  /** Parsed bootstrap addresses. */
  readonly bootstrap: readonly BrokerAddress[]
  private readonly metadataMaxAgeMs: number
  private readonly retryBackoffMs: number
  private readonly interest = { names: new Set<string>(), ids: new Set<string>() }
  private readonly topicErrors = new Map<string, BrokerResponseError>()
  private readonly coordinators = new Map<string, number>()
  private readonly findingCoordinator = new Map<string, Promise<BrokerNode>>()
  private readonly delays = new Delays()
  private current: Refresh | undefined
  private next: Promise<void> | undefined
  private refreshedAt = 0
  private refreshEndedAt = 0

  /** Throws {@link ConfigurationError} at once for a malformed `host:port` or bad option values; connects lazily. */
  constructor (options: ClusterOptions) {
    if (options === null || typeof options !== 'object' || options.bootstrapServers === undefined) {
      throw new ConfigurationError('bootstrapServers is required, e.g. [\'localhost:9092\']', 'bootstrapServers')
    }
    this.bootstrap = parseBootstrapServers(options.bootstrapServers)
    this.metadataMaxAgeMs = positiveInt(options.metadataMaxAgeMs ?? 300_000, 'metadataMaxAgeMs')
    this.retryBackoffMs = positiveInt(options.retryBackoffMs ?? 100, 'retryBackoffMs')
    this.pool = new ConnectionPool(options)
    // Whichever caller hits a broker that is gone, every route through it is looked up again
    // (as Java's NetworkClient requests a metadata update and coordinators go unknown on a disconnect).
    this.pool.onBrokerFailure(target => { if (target.nodeId >= 0) this.forgetRoutesThrough(target.nodeId) })
  }

  /**
   * The connection to broker `nodeId` for `purpose` (see {@link ConnectionPurpose}),
   * opened if needed. Compare `conn.id` with the previous one to notice a reconnect.
   */
  async connection (nodeId: number, purpose: ConnectionPurpose = 'default'): Promise<Connection> {
    let node = this.metadata.brokers.get(nodeId)
    if (node === undefined) {
      await this.refreshMetadata()
      node = this.metadata.brokers.get(nodeId)
    }
    if (node === undefined) throw new KafkaError(`broker ${nodeId} is not in the cluster metadata; it may have left the cluster`, true, { brokerId: nodeId })
    return await this.pool.get(node, purpose)
  }

  /**
   * A connection to any broker, for requests any broker answers (Metadata, FindCoordinator,
   * admin requests): an open `default` connection if there is one, else the known brokers,
   * then the bootstrap addresses, each tried in turn. A connection whose broker let a request
   * time out ({@link Connection.stalled}) is used only when no other broker can be reached.
   * An authentication failure stops the search at once (the same credentials would fail everywhere).
   */
  async anyConnection (): Promise<Connection> {
    const open = this.pool.list().find(c => c.purpose === 'default' && !c.stalled)
    if (open !== undefined) return open
    const known = [...this.metadata.brokers.values()].sort(() => Math.random() - 0.5)
    const targets = [...known, ...this.bootstrap.map(b => ({ ...b, nodeId: -1 }))]
    const failures: string[] = []
    let last: unknown
    let stalled: Connection | undefined
    for (const t of targets) {
      try {
        const conn = await this.pool.get(t)
        if (!conn.stalled) return conn
        stalled ??= conn
      } catch (err) {
        if (err instanceof AuthenticationError || err instanceof ConfigurationError || (err instanceof ConnectionError && err.reason === 'closed')) throw err
        last = err
        failures.push(err instanceof Error ? err.message : `${formatAddress(t)}: ${String(err)}`)
      }
    }
    // Every broker reachable seems hung: one of them may still answer in time.
    if (stalled !== undefined) return stalled
    const l = last instanceof ConnectionError ? last : undefined
    throw new ConnectionError(failures.length === 1 ? failures[0] as string : `no broker answered: ${failures.join(' | ')}`,
      l?.reason ?? 'unreachable', l?.host ?? '', l?.port ?? 0, { cause: last })
  }

  /**
   * Fetches metadata for every topic looked up so far plus `topics` (and the broker list).
   * Concurrent calls share one request when it covers them. Rejects with the connection
   * error, or a {@link BrokerResponseError} for a top-level Metadata error.
   */
  refreshMetadata (topics: readonly TopicRef[] = []): Promise<void> {
    // A topic known by name is refreshed by name (ids go in a separate request, see fetchMetadata).
    const names = topics.map(r => 'topic' in r ? r.topic : this.metadata.topic(r)?.name)
    topics.forEach((r, i) => {
      const name = names[i]
      if (name !== undefined) this.interest.names.add(name)
      else if ('topicId' in r) this.interest.ids.add(r.topicId)
    })
    const current = this.current
    if (current === undefined) return this.startRefresh()
    if (topics.every((r, i) => current.names.has(names[i] ?? '') || ('topicId' in r && current.ids.has(r.topicId)))) return current.promise
    this.next ??= current.promise.catch(() => {}).then(() => {
      this.next = undefined
      return this.startRefresh()
    })
    return this.next
  }

  /**
   * The topic, refreshing metadata when it is unknown, marked stale or older than
   * `metadataMaxAgeMs`. Rejects with a {@link BrokerResponseError} (UNKNOWN_TOPIC_OR_PARTITION,
   * TOPIC_AUTHORIZATION_FAILED, ...) when the cluster does not give it.
   */
  async topic (ref: TopicRef): Promise<TopicInfo> {
    if (this.metadata.needsRefresh(ref) || Date.now() - this.refreshedAt > this.metadataMaxAgeMs) await this.refreshMetadata([ref])
    const t = this.metadata.topic(ref)
    if (t !== undefined) return t
    const key = 'topic' in ref ? ref.topic : ref.topicId
    throw this.topicErrors.get(key) ?? responseError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, { api: 'Metadata', what: `topic ${key}` }) as BrokerResponseError
  }

  /**
   * The partition with its current leader (refreshing once when the leader is unknown).
   * Rejects with a retriable {@link BrokerResponseError} (LEADER_NOT_AVAILABLE,
   * UNKNOWN_TOPIC_OR_PARTITION) when there is none yet.
   */
  async leaderFor (ref: TopicRef, partition: number): Promise<PartitionInfo> {
    let p: PartitionInfo | undefined = (await this.topic(ref)).partitions[partition]
    if (p === undefined || p.leaderId < 0) {
      await this.refreshMetadata([ref])
      p = this.metadata.partition(ref, partition)
    }
    const what = `partition ${partition} of topic ${'topic' in ref ? ref.topic : ref.topicId}`
    if (p === undefined) throw responseError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, { api: 'Metadata', what }) as BrokerResponseError
    if (p.leaderId < 0) throw responseError(ErrorCode.LEADER_NOT_AVAILABLE, { api: 'Metadata', what }) as BrokerResponseError
    return p
  }

  /** The connection to a partition's leader for `purpose`. */
  async leaderConnection (ref: TopicRef, partition: number, purpose: ConnectionPurpose = 'default'): Promise<Connection> {
    return await this.connection((await this.leaderFor(ref, partition)).leaderId, purpose)
  }

  /**
   * The coordinator of a group (key type 0 = GROUP: consumer and share groups) or of a
   * transactional id (1), cached until {@link invalidateCoordinator}, a coordinator error
   * passed to {@link invalidateOnError}, or a failed connection to its broker. Retries
   * COORDINATOR_NOT_AVAILABLE and COORDINATOR_LOAD_IN_PROGRESS with backoff for up to
   * `requestTimeoutMs` (a new group's coordinator is briefly unavailable); other errors
   * reject at once.
   */
  coordinator (key: string, keyType: number = CoordinatorType.GROUP): Promise<BrokerNode> {
    const cacheKey = `${keyType}:${key}`
    const nodeId = this.coordinators.get(cacheKey)
    const node = nodeId === undefined ? undefined : this.metadata.brokers.get(nodeId)
    if (node !== undefined) return Promise.resolve(node)
    return singleFlight(this.findingCoordinator, cacheKey, () => this.findCoordinator(key, keyType, cacheKey))
  }

  /** The connection to a group's coordinator for `purpose` (default `'coordinator'`). */
  async coordinatorConnection (groupId: string, purpose: ConnectionPurpose = 'coordinator'): Promise<Connection> {
    const node = await this.coordinator(groupId)
    return await this.pool.get(node, purpose)
  }

  /** Forgets a cached coordinator. */
  invalidateCoordinator (key: string, keyType: number = CoordinatorType.GROUP): void {
    this.coordinators.delete(`${keyType}:${key}`)
  }

  /**
   * Forgets what a failure says is out of date. An error code: the topic's metadata after
   * NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH, UNKNOWN_TOPIC_ID and other leader errors
   * (refreshed on the next lookup); the group's coordinator after NOT_COORDINATOR /
   * COORDINATOR_NOT_AVAILABLE. A {@link RequestTimeoutError}: both, as the broker may hang
   * or be cut off (a refused or lost connection needs no call: the cluster notices it
   * itself). Returns true when it invalidated something.
   */
  invalidateOnError (failure: number | KafkaError, target: { topic?: TopicRef, groupId?: string }): boolean {
    const timedOut = failure instanceof RequestTimeoutError
    let invalidated = false
    if (target.topic !== undefined && (timedOut || (typeof failure === 'number' && METADATA_ERRORS.has(failure)))) {
      this.metadata.markStale(target.topic)
      invalidated = true
    }
    if (target.groupId !== undefined && (timedOut || (typeof failure === 'number' && COORDINATOR_ERRORS.has(failure)))) {
      this.invalidateCoordinator(target.groupId)
      invalidated = true
    }
    return invalidated
  }

  /**
   * Applies the `CurrentLeader` / `NodeEndpoints` hints of a ShareFetch or ShareAcknowledge
   * response: partitions that failed with a leader error move to the hinted leader (when its
   * epoch is newer) or are marked stale. Saves a Metadata round trip on leader changes.
   */
  applyLeaderHints (res: LeaderHintResponse): void {
    if (res.nodeEndpoints.length > 0) this.metadata.addBrokers(res.nodeEndpoints)
    for (const t of res.responses) {
      for (const p of t.partitions) {
        if (p.errorCode === 0 || !METADATA_ERRORS.has(p.errorCode)) continue
        const ref = { topicId: t.topicId }
        if (p.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER || p.errorCode === ErrorCode.FENCED_LEADER_EPOCH) {
          if (!this.metadata.applyLeader(ref, p.partitionIndex, p.currentLeader) && p.currentLeader.leaderId < 0) this.metadata.markStale(ref)
        } else {
          this.metadata.markStale(ref)
        }
      }
    }
  }

  /** Closes every connection and cancels pending lookups. */
  async close (): Promise<void> {
    this.delays.cancelAll(() => new ConnectionError('the cluster client is closed', 'closed', '', 0))
    await this.pool.close()
  }

  /** Drops the coordinators cached on broker `nodeId` and marks the topics it leads stale. */
  private forgetRoutesThrough (nodeId: number): void {
    for (const [key, id] of this.coordinators) if (id === nodeId) this.coordinators.delete(key)
    this.metadata.markStaleLedBy(nodeId)
  }

  private startRefresh (): Promise<void> {
    const names = new Set(this.interest.names)
    const ids = new Set(this.interest.ids)
    const promise = this.fetchMetadata([...names], [...ids]).finally(() => {
      this.refreshEndedAt = Date.now()
      if (this.current?.promise === promise) this.current = undefined
    })
    this.current = { promise, names, ids }
    return promise
  }

  private async fetchMetadata (names: string[], ids: string[]): Promise<void> {
    const wait = this.refreshEndedAt + this.retryBackoffMs - Date.now()
    if (wait > 0) await this.delays.sleep(wait)
    const conn = await this.anyConnection()
    const base = { allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }
    // A Metadata request naming any topic id ignores the names in it (KafkaApis), so ids go apart.
    const requests = [conn.send(Metadata, { ...base, topics: names.map(name => ({ name })) })]
    if (ids.length > 0) requests.push(conn.send(Metadata, { ...base, topics: ids.map(topicId => ({ topicId, name: null })) }))
    const responses = await Promise.all(requests)
    for (const res of responses) {
      const error = responseError(res.errorCode, { api: 'Metadata', brokerId: conn.nodeId < 0 ? undefined : conn.nodeId })
      if (error !== null) throw error
    }
    for (const res of responses) {
      this.metadata.update(res)
      this.recordTopicErrors(res, conn)
    }
    for (const id of ids) {
      const name = this.metadata.topic({ topicId: id })?.name
      if (name === undefined) continue
      this.interest.ids.delete(id)
      this.interest.names.add(name)
    }
    this.refreshedAt = Date.now()
  }

  private recordTopicErrors (res: ResponseOf<typeof Metadata>, conn: Connection): void {
    for (const t of res.topics) {
      const key = t.name ?? t.topicId
      const error = responseError(t.errorCode, { api: 'Metadata', brokerId: conn.nodeId < 0 ? undefined : conn.nodeId, what: `topic ${key}` })
      if (error === null || t.errorCode === ErrorCode.LEADER_NOT_AVAILABLE) this.topicErrors.delete(key)
      else this.topicErrors.set(key, error)
    }
  }

  private async findCoordinator (key: string, keyType: number, cacheKey: string): Promise<BrokerNode> {
    const deadline = Date.now() + this.pool.settings.requestTimeoutMs
    for (let attempt = 0; ; attempt++) {
      const conn = await this.anyConnection()
      const res = await conn.send(FindCoordinator, { keyType, coordinatorKeys: [key] })
      const c = res.coordinators.find(x => x.key === key)
      const code = c === undefined ? ErrorCode.COORDINATOR_NOT_AVAILABLE : c.errorCode
      const error = responseError(code, { api: 'FindCoordinator', brokerId: conn.nodeId < 0 ? undefined : conn.nodeId, brokerMessage: c?.errorMessage, what: `${keyType === 0 ? 'group' : 'key'} ${key}` })
      if (error === null && c !== undefined) {
        this.metadata.addBrokers([{ nodeId: c.nodeId, host: c.host, port: c.port }])
        this.coordinators.set(cacheKey, c.nodeId)
        return this.metadata.brokers.get(c.nodeId) as BrokerNode
      }
      const wait = backoffDelay(attempt, this.pool.backoff)
      if (error === null || !error.retriable || Date.now() + wait > deadline) throw error as BrokerResponseError
      await this.delays.sleep(wait)
    }
  }
}
