import { DescribeCluster } from '../protocol/index.js'
import { Cluster, type ClusterOptions } from './cluster.js'
import { positiveInt } from './connection-options.js'
import { Delays } from './delays.js'
import { ConnectionError, responseError } from './errors.js'
import { alterGroupConfigs, describeGroupConfigs, type ConfigEntry } from './admin/group-configs.js'
import { deleteGroups, describeShareGroup, listGroups, type DeletedGroup, type ListedGroup, type ListGroupsOptions, type ShareGroupDescription } from './admin/groups.js'
import { anyBroker, type AdminContext } from './admin/requests.js'
import {
  alterShareGroupOffsets, deleteShareGroupOffsets, describeShareGroupOffsets,
  type AlteredShareGroupOffset, type DeletedShareGroupOffsets, type ShareGroupOffsetChange, type ShareGroupPartitionOffset, type TopicPartitionsFilter
} from './admin/share-offsets.js'
import {
  createPartitions, createTopics, deleteTopics,
  type CreatedPartitions, type CreatedTopic, type CreateTopicsOptions, type DeletedTopic, type NewPartitions, type NewTopic
} from './admin/topics.js'

/** Options of an {@link Admin} client: connection options plus the default time per call. */
export interface AdminOptions extends ClusterOptions {
  /** Time an admin call may take, retries included, unless the call gives `timeoutMs`, ms. Default 60 000 (Java's `default.api.timeout.ms`). */
  apiTimeoutMs?: number
}

/** Per-call options of admin calls. */
export interface AdminCallOptions {
  /** Time for this call, retries included, ms. Default: `apiTimeoutMs`. */
  timeoutMs?: number
}

/** A broker of the cluster. */
export interface ClusterBroker {
  nodeId: number
  host: string
  port: number
  rack: string | null
}

/** What `describeCluster` returns. */
export interface ClusterDescription {
  clusterId: string
  /** Node id of the active controller as brokers see it (-1 when unknown). */
  controllerId: number
  brokers: ClusterBroker[]
}

/**
 * Administers topics, share groups and group configs. No connect call: the first call
 * connects. Calls retry retriable errors (coordinator moved, connection lost) within their
 * timeout; group calls go to the group's coordinator. A call that acts on several items
 * rejects with an `AdminError` whose `results` give each item's typed error (or null);
 * anything else rejects with a typed `KafkaError` (`BrokerResponseError` with Kafka's error
 * name, `RequestTimeoutError`, `ConnectionError`, ...).
 *
 * ```ts
 * const admin = new Admin({ bootstrapServers: ['localhost:9092'] })
 * await admin.createTopics([{ name: 'jobs', partitions: 3, replicationFactor: 1 }], { ifNotExists: true })
 * await admin.alterGroupConfigs('workers', { 'share.auto.offset.reset': 'earliest' })
 * await admin.close()
 * ```
 */
export class Admin {
  private readonly cluster: Cluster
  private readonly ctx: AdminContext
  private readonly apiTimeoutMs: number

  /** Checks the options (throws `ConfigurationError`); connects lazily. */
  constructor (options: AdminOptions) {
    this.cluster = new Cluster(options)
    this.apiTimeoutMs = positiveInt(options.apiTimeoutMs ?? 60_000, 'apiTimeoutMs')
    this.ctx = { cluster: this.cluster, backoff: this.cluster.pool.backoff, delays: new Delays() }
  }

  /**
   * Creates topics and resolves once every partition has a leader. With `ifNotExists`, an
   * existing topic is reported with `created: false` instead of failing.
   */
  async createTopics (topics: readonly NewTopic[], options: CreateTopicsOptions = {}): Promise<CreatedTopic[]> {
    return await createTopics(this.ctx, this.deadline(options), topics, options)
  }

  /** Deletes topics by name. */
  async deleteTopics (names: readonly string[], options: AdminCallOptions = {}): Promise<DeletedTopic[]> {
    return await deleteTopics(this.ctx, this.deadline(options), names)
  }

  /** Raises topics' partition counts and resolves once the new partitions have leaders. */
  async createPartitions (changes: readonly NewPartitions[], options: AdminCallOptions & { validateOnly?: boolean } = {}): Promise<CreatedPartitions[]> {
    return await createPartitions(this.ctx, this.deadline(options), changes, options.validateOnly === true)
  }

  /** Cluster id, controller and brokers (DescribeCluster). */
  async describeCluster (options: AdminCallOptions = {}): Promise<ClusterDescription> {
    const res = await anyBroker(this.ctx, this.deadline(options), DescribeCluster, { includeClusterAuthorizedOperations: false, endpointType: 1, includeFencedBrokers: false })
    const error = responseError(res.errorCode, { api: 'DescribeCluster', brokerMessage: res.errorMessage })
    if (error !== null) throw error
    return {
      clusterId: res.clusterId,
      controllerId: res.controllerId,
      brokers: res.brokers.map(b => ({ nodeId: b.brokerId, host: b.host, port: b.port, rack: b.rack })).sort((a, b) => a.nodeId - b.nodeId)
    }
  }

  /** Groups of the cluster, optionally only some types (`['share']`) or states. */
  async listGroups (options: ListGroupsOptions = {}): Promise<ListedGroup[]> {
    return await listGroups(this.ctx, this.deadline(options), options)
  }

  /** A share group: state, epochs, members and their assignments (ShareGroupDescribe). */
  async describeShareGroup (groupId: string, options: AdminCallOptions = {}): Promise<ShareGroupDescription> {
    return await describeShareGroup(this.ctx, this.deadline(options), groupId)
  }

  /** Deletes groups; a share group must have no members. */
  async deleteGroups (groupIds: readonly string[], options: AdminCallOptions = {}): Promise<DeletedGroup[]> {
    return await deleteGroups(this.ctx, this.deadline(options), groupIds)
  }

  /**
   * A share group's start offset and lag per partition (all partitions it has state for,
   * or those of `options.topics`). Unknown values are `null`.
   */
  async describeShareGroupOffsets (groupId: string, options: AdminCallOptions & { topics?: readonly TopicPartitionsFilter[] } = {}): Promise<ShareGroupPartitionOffset[]> {
    return await describeShareGroupOffsets(this.ctx, this.deadline(options), groupId, options.topics)
  }

  /** Sets start offsets of an empty share group. */
  async alterShareGroupOffsets (groupId: string, changes: readonly ShareGroupOffsetChange[], options: AdminCallOptions = {}): Promise<AlteredShareGroupOffset[]> {
    return await alterShareGroupOffsets(this.ctx, this.deadline(options), groupId, changes)
  }

  /** Deletes an empty share group's state for whole topics. */
  async deleteShareGroupOffsets (groupId: string, topics: readonly string[], options: AdminCallOptions = {}): Promise<DeletedShareGroupOffsets[]> {
    return await deleteShareGroupOffsets(this.ctx, this.deadline(options), groupId, topics)
  }

  /**
   * Changes group configs incrementally: a string sets the key, `null` removes it (back to
   * the broker default), e.g. `{ 'share.auto.offset.reset': 'earliest' }`.
   */
  async alterGroupConfigs (groupId: string, changes: Readonly<Record<string, string | null>>, options: AdminCallOptions = {}): Promise<void> {
    await alterGroupConfigs(this.ctx, this.deadline(options), groupId, changes)
  }

  /** A group's configs by name (all keys, or `options.keys`), with where each value comes from. */
  async describeGroupConfigs (groupId: string, options: AdminCallOptions & { keys?: readonly string[] } = {}): Promise<Record<string, ConfigEntry>> {
    return await describeGroupConfigs(this.ctx, this.deadline(options), groupId, options.keys)
  }

  /** Closes the connections; calls in progress reject with a `ConnectionError`. */
  async close (): Promise<void> {
    this.ctx.delays.cancelAll(() => new ConnectionError('the admin client is closed', 'closed', '', 0))
    await this.cluster.close()
  }

  private deadline (options: AdminCallOptions): number {
    return Date.now() + (options.timeoutMs === undefined ? this.apiTimeoutMs : positiveInt(options.timeoutMs, 'timeoutMs'))
  }
}

export { AdminError, type ItemOutcome } from './admin/errors.js'
export type { ConfigEntry, ConfigSource } from './admin/group-configs.js'
export type { DeletedGroup, GroupType, ListedGroup, ListGroupsOptions, ShareGroupDescription, ShareGroupMember } from './admin/groups.js'
export type { AlteredShareGroupOffset, DeletedShareGroupOffsets, ShareGroupOffsetChange, ShareGroupPartitionOffset, TopicPartitionsFilter } from './admin/share-offsets.js'
export type { CreatedPartitions, CreatedTopic, CreateTopicsOptions, DeletedTopic, NewPartitions, NewTopic } from './admin/topics.js'
