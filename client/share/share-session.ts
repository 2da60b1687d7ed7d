import type { RequestInput } from '../../protocol/api.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import type { ShareAcknowledge } from '../../protocol/messages/share-acknowledge.js'
import type { ShareFetch } from '../../protocol/messages/share-fetch.js'
import { partitionKey, setHasRenew, type AckSet, type TopicIdPartition } from './ack-outbox.js'

/** Epoch of a request that opens (or replaces) a session. */
export const INITIAL_EPOCH = 0
/** Epoch of a request that closes a session. */
export const FINAL_EPOCH = -1
const MAX_EPOCH = 0x7fffffff

/** The epoch after `epoch`: -1 stays -1, and after INT32_MAX comes 1 (0 would open a new session). */
export function nextEpoch (epoch: number): number {
  if (epoch < 0) return FINAL_EPOCH
  return epoch === MAX_EPOCH ? 1 : epoch + 1
}

/** What a ShareFetch asks for (Java: fetch.max.wait.ms, fetch.min.bytes, fetch.max.bytes, max.poll.records). */
export interface FetchLimits {
  /** MaxWaitMs. */
  maxWaitMs: number
  /** MinBytes. */
  minBytes: number
  /** MaxBytes. */
  maxBytes: number
  /** MaxRecords. */
  maxRecords: number
  /** BatchSize: Java sends max.poll.records. */
  batchSize: number
  /** ShareAcquireMode: 0 batch_optimized, 1 record_limit. */
  shareAcquireMode: number
}

/** Who sends, and what to fetch. */
export interface FetchRequestContext {
  /** Share group id. */
  groupId: string
  /** Member id (client-generated Kafka UUID). */
  memberId: string
  /** Limits of a fetching request; zeroed when the request only sends acknowledgements. */
  limits: FetchLimits
}

/** A ShareFetch body, and whether it fetches records or only sends acks / session changes. */
export interface BuiltShareFetch {
  /** The request body. */
  body: RequestInput<typeof ShareFetch>
  /** False when all limits are 0: a renew (the broker then refuses to fetch) or an ack-only request. */
  fetches: boolean
}

/** What the session made of a response's top-level error. */
export type SessionOutcome =
  /** The session goes on with the next epoch. */
  | 'continued'
  /** The session is gone (not found, wrong epoch, limit reached, closed): the next request opens one with epoch 0. */
  | 'reset'

const SESSION_ERRORS = new Set<number>([
  ErrorCode.SHARE_SESSION_NOT_FOUND,
  ErrorCode.INVALID_SHARE_SESSION_EPOCH,
  ErrorCode.SHARE_SESSION_LIMIT_REACHED
])

/**
 * The share session with one leader node: its epoch, the partitions the broker holds in it,
 * and a generation that changes whenever the session is lost, so acknowledgements of records
 * delivered under an old session can be told apart (the broker released those records).
 *
 * Epoch 0 opens a session (full request, no acks: KAFKA-18198), each answered request
 * advances the epoch (wrapping to 1), -1 closes it. Session errors and a lost connection
 * bring it back to epoch 0 at once, so nothing waits for a session that will never answer
 * (KAFKA-18164).
 */
export class ShareSession {
  /** Epoch of the next request. */
  epoch = INITIAL_EPOCH
  /** Changes every time the session restarts; records carry the generation that delivered them. */
  generation = 0
  private inSession = new Map<string, TopicIdPartition>()

  /** @param nodeId the leader this session is with */
  constructor (readonly nodeId: number) {}

  /** True when the next request opens the session (epoch 0). */
  get isNew (): boolean {
    return this.epoch === INITIAL_EPOCH
  }

  /** The partitions the broker holds in this session (as of the last request built). */
  partitions (): IterableIterator<TopicIdPartition> {
    return this.inSession.values()
  }

  /** Number of partitions in the session. */
  get size (): number {
    return this.inSession.size
  }

  /**
   * Builds the next ShareFetch and updates the session's partitions to match it. `wanted` are
   * the partitions to fetch from this node; `acks` must be empty when {@link isNew}.
   *
   * Epoch 0 lists every wanted partition. Later epochs list only what changed: added
   * partitions in `topics`, removed ones in `forgottenTopicsData` (a partition whose topic was
   * re-created is forgotten under its old id and added under the new one). A partition that is
   * only here to carry acks goes in both lists: the broker adds `topics` first, then removes
   * `forgottenTopicsData`, so it acks without joining the session (franz-go 1.21.5 leaked such
   * partitions into the session and fetched them forever).
   */
  buildFetch (context: FetchRequestContext, wanted: readonly TopicIdPartition[], acks: AckSet): BuiltShareFetch {
    const topics = new TopicsBuilder()
    const forgotten = new TopicsBuilder()
    const next = new Map<string, TopicIdPartition>()
    for (const p of wanted) next.set(partitionKey(p.topicId, p.partition), p)
    for (const [key, p] of next) {
      if (this.isNew || !this.inSession.has(key)) topics.partition(p)
    }
    if (!this.isNew) {
      for (const [key, p] of this.inSession) if (!next.has(key)) forgotten.partition(p)
    }
    this.inSession = next
    for (const [key, { target, acks: partitionAcks }] of acks) {
      topics.partition(target).acknowledgementBatches = partitionAcks.batches()
      if (!next.has(key)) forgotten.partition(target)
    }
    const isRenewAck = setHasRenew(acks)
    // The broker refuses a renew that also fetches (all limits must be 0).
    const fetches = !isRenewAck && next.size > 0 && context.limits.maxRecords > 0
    const limits = fetches ? context.limits : { ...context.limits, maxWaitMs: 0, minBytes: 0, maxBytes: 0, maxRecords: 0, batchSize: 0 }
    return {
      fetches,
      body: {
        groupId: context.groupId,
        memberId: context.memberId,
        shareSessionEpoch: this.epoch,
        ...limits,
        isRenewAck,
        topics: topics.build(),
        forgottenTopicsData: forgotten.buildForgotten()
      }
    }
  }

  /**
   * Builds a ShareAcknowledge for `acks`. It cannot open a session, so the session must not
   * be {@link isNew}; with `close` it carries epoch -1 and ends the session (the broker then
   * releases every record this member still holds from it).
   */
  buildAcknowledge (groupId: string, memberId: string, acks: AckSet, close = false): RequestInput<typeof ShareAcknowledge> {
    if (close) this.epoch = FINAL_EPOCH
    const topics = new TopicsBuilder()
    for (const { target, acks: partitionAcks } of acks.values()) {
      topics.partition(target).acknowledgementBatches = partitionAcks.batches()
    }
    return { groupId, memberId, shareSessionEpoch: this.epoch, isRenewAck: setHasRenew(acks), topics: topics.build() }
  }

  /**
   * Applies a response's top-level error code. Session errors restart the session; a request
   * with epoch -1 ends it; any other outcome (success or not) advances the epoch, as the broker
   * does once it has accepted the epoch.
   */
  onResponse (errorCode: number): SessionOutcome {
    if (this.epoch === FINAL_EPOCH || SESSION_ERRORS.has(errorCode)) {
      this.reset()
      return 'reset'
    }
    this.epoch = nextEpoch(this.epoch)
    return 'continued'
  }

  /** The session is gone (lost connection, failed request, session error): start over with epoch 0. */
  reset (): void {
    this.epoch = INITIAL_EPOCH
    this.generation++
    this.inSession.clear()
  }
}

interface PartitionEntry {
  partitionIndex: number
  acknowledgementBatches: Array<{ firstOffset: bigint, lastOffset: bigint, acknowledgeTypes: number[] }>
}

/** Groups partitions by topic id, each partition once. */
class TopicsBuilder {
  private readonly topics = new Map<string, Map<number, PartitionEntry>>()

  partition (p: TopicIdPartition): PartitionEntry {
    let partitions = this.topics.get(p.topicId)
    if (partitions === undefined) {
      partitions = new Map()
      this.topics.set(p.topicId, partitions)
    }
    let entry = partitions.get(p.partition)
    if (entry === undefined) {
      entry = { partitionIndex: p.partition, acknowledgementBatches: [] }
      partitions.set(p.partition, entry)
    }
    return entry
  }

  build (): Array<{ topicId: string, partitions: PartitionEntry[] }> {
    return [...this.topics].map(([topicId, partitions]) => ({ topicId, partitions: [...partitions.values()] }))
  }

  buildForgotten (): Array<{ topicId: string, partitions: number[] }> {
    return [...this.topics].map(([topicId, partitions]) => ({ topicId, partitions: [...partitions.keys()] }))
  }
}
