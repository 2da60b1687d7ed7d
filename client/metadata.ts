import { ZERO_UUID, type Metadata, type ResponseOf } from '../protocol/index.js'
import { ErrorCode } from '../protocol/error-codes.js'

/** A broker of the cluster. */
export interface BrokerNode {
  /** Node id. */
  nodeId: number
  /** Advertised host. */
  host: string
  /** Advertised port. */
  port: number
  /** Rack, if configured. */
  rack: string | null
}

/** One partition as the cluster last described it. */
export interface PartitionInfo {
  /** Partition index. */
  partition: number
  /** Leader node id, -1 when there is none (election in progress). */
  leaderId: number
  /** Leader epoch, -1 when unknown. */
  leaderEpoch: number
  /** Replica node ids. */
  replicas: number[]
  /** In-sync replica node ids. */
  isr: number[]
  /** Partition error code from Metadata (e.g. LEADER_NOT_AVAILABLE), 0 when fine. */
  errorCode: number
}

/** One topic: name, id and partitions (indexed by partition number). */
export interface TopicInfo {
  /** Topic name. */
  name: string
  /** Topic id (Kafka base64 UUID). */
  topicId: string
  /** True for internal topics (`__consumer_offsets`, `__share_group_state`). */
  isInternal: boolean
  /** Partitions; `partitions[i].partition === i`. */
  partitions: PartitionInfo[]
}

/** Names a topic by name or by id (share-group assignments and ShareFetch use ids). */
export type TopicRef = { topic: string } | { topicId: string }

/** A leader as hinted by a response (`CurrentLeader` in ShareFetch/ShareAcknowledge/Produce). */
export interface LeaderHint {
  /** New leader, -1 when unknown. */
  leaderId: number
  /** Its epoch. */
  leaderEpoch: number
}

/**
 * What the client knows about the cluster: brokers, topics by name and by id, partition
 * leaders and epochs. Pure data, no I/O: `Cluster` fills it from Metadata responses and from
 * the leader hints that share and produce responses carry. Newer information wins: a
 * partition's leader is only replaced by one with an equal or higher leader epoch, so a
 * lagging broker's metadata cannot undo a hint from the new leader.
 */
export class MetadataCache {
  /** Brokers by node id. */
  readonly brokers = new Map<number, BrokerNode>()
  /** Cluster id, once known. */
  clusterId: string | null = null
  /** Active controller id, -1 when unknown. */
  controllerId = -1
  private readonly byName = new Map<string, TopicInfo>()
  private readonly byId = new Map<string, TopicInfo>()
  /** Topics (by name or id key) whose next lookup must refresh. */
  private readonly stale = new Set<string>()

  /** The topic, if known. */
  topic (ref: TopicRef): TopicInfo | undefined {
    return 'topic' in ref ? this.byName.get(ref.topic) : this.byId.get(ref.topicId)
  }

  /** Every known topic. */
  topics (): IterableIterator<TopicInfo> {
    return this.byName.values()
  }

  /** The partition, if known. */
  partition (ref: TopicRef, partition: number): PartitionInfo | undefined {
    return this.topic(ref)?.partitions[partition]
  }

  /**
   * True when `ref` must be refreshed before use: unknown, marked by {@link markStale}, or
   * (given `partition`) without that partition — one added by CreatePartitions after the
   * last refresh, which nothing else would reveal as long as the topic's other partitions work.
   */
  needsRefresh (ref: TopicRef, partition?: number): boolean {
    const t = this.topic(ref)
    return t === undefined || this.stale.has(t.name) || (partition !== undefined && t.partitions[partition] === undefined)
  }

  /** Marks a topic for refresh on its next lookup (after NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_ID, ...). */
  markStale (ref: TopicRef): void {
    const t = this.topic(ref)
    if (t !== undefined) this.stale.add(t.name)
  }

  /**
   * Marks every topic with a partition led by broker `nodeId` for refresh: the broker could
   * not be reached, so its leaderships are in doubt.
   */
  markStaleLedBy (nodeId: number): void {
    for (const t of this.byName.values()) {
      if (t.partitions.some(p => p.leaderId === nodeId)) this.stale.add(t.name)
    }
  }

  /** Adds or updates brokers (from NodeEndpoints or FindCoordinator). */
  addBrokers (nodes: Iterable<{ nodeId: number, host: string, port: number, rack?: string | null }>): void {
    for (const n of nodes) this.brokers.set(n.nodeId, { nodeId: n.nodeId, host: n.host, port: n.port, rack: n.rack ?? null })
  }

  /**
   * Applies a Metadata response. The broker list is replaced; every topic in the response
   * is replaced (keeping a cached partition whose leader epoch is newer), and topics the
   * broker reports as unknown are dropped.
   */
  update (res: ResponseOf<typeof Metadata>): void {
    this.brokers.clear()
    this.addBrokers(res.brokers)
    this.clusterId = res.clusterId
    this.controllerId = res.controllerId
    for (const t of res.topics) {
      if (t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION || t.errorCode === ErrorCode.UNKNOWN_TOPIC_ID) {
        this.remove(t.name !== null ? this.byName.get(t.name) : this.byId.get(t.topicId))
        continue
      }
      if (t.name === null || t.topicId === ZERO_UUID) continue // other errors (authorization): nothing usable
      const old = this.byName.get(t.name)
      if (old !== undefined && old.topicId !== t.topicId) this.remove(old) // re-created under the same name
      const partitions: PartitionInfo[] = []
      for (const p of t.partitions) {
        const prev = old?.topicId === t.topicId ? old.partitions[p.partitionIndex] : undefined
        partitions[p.partitionIndex] = prev !== undefined && prev.leaderEpoch > p.leaderEpoch
          ? prev
          : { partition: p.partitionIndex, leaderId: p.leaderId, leaderEpoch: p.leaderEpoch, replicas: p.replicaNodes, isr: p.isrNodes, errorCode: p.errorCode }
      }
      const info: TopicInfo = { name: t.name, topicId: t.topicId, isInternal: t.isInternal, partitions }
      this.byName.set(t.name, info)
      this.byId.set(t.topicId, info)
      this.stale.delete(t.name)
    }
  }

  /**
   * Applies a leader hint for one partition (NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH
   * responses carry one). Ignored when older than what is cached or when the leader is
   * unknown (-1: the topic is then marked stale). Returns true when the cache changed.
   */
  applyLeader (ref: TopicRef, partition: number, hint: LeaderHint): boolean {
    const p = this.partition(ref, partition)
    if (p === undefined) return false
    if (hint.leaderId < 0) {
      this.markStale(ref)
      return false
    }
    if (hint.leaderEpoch < p.leaderEpoch || (hint.leaderEpoch === p.leaderEpoch && hint.leaderId === p.leaderId)) return false
    p.leaderId = hint.leaderId
    p.leaderEpoch = hint.leaderEpoch
    p.errorCode = 0
    return true
  }

  private remove (t: TopicInfo | undefined): void {
    if (t === undefined) return
    this.byName.delete(t.name)
    this.byId.delete(t.topicId)
    this.stale.delete(t.name)
  }
}
