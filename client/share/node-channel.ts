import type { KafkaError } from '../errors.js'
import { AckBundle } from './ack-bundle.js'
import { AckOutbox, partitionKey, type AckSet, type TopicIdPartition } from './ack-outbox.js'
import type { AcknowledgementResult } from './ack-results.js'
import { LeaderMovedError, ShareSessionLostError } from './share-errors.js'
import { ShareSession } from './share-session.js'
import type { Delivery } from './share-record.js'

/** What a commit waits for: the acks that were in the outbox when it asked. */
export interface OutboxClaim {
  /** The bundle that took them, once taken. */
  bundle: AckBundle | undefined
  /** Their results. */
  done: Promise<AcknowledgementResult[]>
}

/** What a node channel does next. */
export type ChannelAction = 'fetch' | 'acknowledge' | 'close' | 'idle'

/** The facts {@link nextAction} decides on. */
export interface ChannelFacts {
  /** A request to this node is in flight (one at a time: the session epoch is a sequence). */
  busy: boolean
  /** Epoch ms before which nothing is sent (backoff after a failure). */
  retryAt: number
  /** The session is not open yet (epoch 0). */
  sessionIsNew: boolean
  /** Partitions to fetch from this node. */
  wantedCount: number
  /** Acknowledgements wait in the outbox. */
  hasAcks: boolean
  /** One of them is a RENEW. */
  hasRenew: boolean
  /** Epoch ms when the oldest waiting acknowledgement was queued. */
  acksSince: number
  /** commitSync / commitAsync asked for the acks to go now. */
  flushRequested: boolean
  /** The consumer wants records from this node now (see ShareFetcher). */
  fetchAllowed: boolean
  /** Records of this node are buffered or held by the application (their acks need the session). */
  holdsRecords: boolean
}

/**
 * Where acknowledgements travel. They ride on the next ShareFetch to the node that delivered
 * the records when that fetch goes now. They go alone in a ShareAcknowledge when they cannot
 * wait: a RENEW (a renewing ShareFetch may not fetch, so it would stall fetching), a commit,
 * no fetch coming to this node (its partitions moved away: after `lingerMs`, so that acks
 * arriving close together share a request), or they have waited `flushDelayMs` (records of
 * this node are still buffered, so its next fetch is not due).
 * A new session (epoch 0) carries no acks (KAFKA-18198); the caller fails stale ones.
 */
export function nextAction (f: ChannelFacts, now: number, flushDelayMs: number, lingerMs = 0): ChannelAction {
  if (f.busy || now < f.retryAt) return 'idle'
  if (f.sessionIsNew) return f.fetchAllowed && f.wantedCount > 0 ? 'fetch' : 'idle'
  const waited = now - f.acksSince
  if (f.hasAcks && (f.hasRenew || f.flushRequested || (f.wantedCount === 0 && waited >= lingerMs) || waited >= flushDelayMs)) return 'acknowledge'
  // Every partition moved away and nothing of this node is held: end the session (as Java's
  // isSessionCloseCandidate). Not sooner: a new session would orphan acks of held records.
  if (f.wantedCount === 0 && !f.hasAcks && !f.holdsRecords) return 'close'
  return f.fetchAllowed && f.wantedCount > 0 ? 'fetch' : 'idle'
}

/** Everything the consumer keeps per leader node: session, acks to send, the request in flight, backoff. */
export class NodeChannel {
  /** The share session with this node. */
  readonly session: ShareSession
  /** Acknowledgements waiting to be sent here. */
  readonly outbox = new AckOutbox()
  /** Partitions to fetch from this node. */
  wanted: TopicIdPartition[] = []
  /** Keys (`partitionKey`) of the partitions this node has delivered records of. */
  readonly delivered = new Set<string>()
  /**
   * Keys of delivered partitions another node leads now: the broker dropped their records with
   * the leadership, so acks for this node's deliveries of them are refused.
   */
  readonly movedAway = new Set<string>()
  /** The acknowledgements of the request in flight, if it carries any. */
  inFlightAcks: AckBundle | undefined
  /** A request is in flight. */
  busy = false
  /** Records the fetch in flight may acquire (its MaxRecords); 0 when no fetch is in flight. */
  asking = 0
  /** Epoch ms the last fetch started. */
  lastFetchAt = 0
  /** Epoch ms when the oldest acknowledgement in the outbox was queued. */
  acksSince = 0
  /** Backoff: nothing is sent before this (epoch ms). */
  retryAt = 0
  /** Consecutive failures, for the backoff. */
  failures = 0
  /** An empty fetch that did not wait at the broker paces the next one: none before this (epoch ms); see planFetches. */
  idleUntil = 0
  /** Send the outbox now (commit). */
  flushRequested = false
  /** Epoch ms by which the commit that asked wants its outcome: the outbox's acks are not retried past it. */
  flushDeadline = Infinity
  /** Id of the connection the session was opened on (the broker drops the session with that connection). */
  connectionId = -1
  private claims: Array<{ claim: OutboxClaim, resolve: (results: AcknowledgementResult[]) => void }> = []

  /** @param nodeId the leader */
  constructor (readonly nodeId: number) {
    this.session = new ShareSession(nodeId)
  }

  /** Queues an acknowledgement here, made at `now` for a lock running until `lockDeadline`; false when ignored (a RENEW after a terminal type). */
  queueAck (target: TopicIdPartition, offset: bigint, typeId: number, now: number, lockDeadline: number): boolean {
    if (this.outbox.isEmpty) this.acksSince = now
    return this.outbox.add(target, offset, typeId, lockDeadline)
  }

  /** A claim on the acks now in the outbox: the bundle that takes them, and their results once sent (or failed). */
  claimOutbox (): OutboxClaim {
    let resolve!: (results: AcknowledgementResult[]) => void
    const claim: OutboxClaim = { bundle: undefined, done: new Promise(r => { resolve = r }) }
    this.claims.push({ claim, resolve })
    return claim
  }

  /** Takes the outbox as a bundle (with whoever waits for it), retried until `deadline` at most (or the commit's deadline). */
  takeOutbox (deadline = Infinity): AckBundle {
    const bundle = new AckBundle(this.outbox.take(), Math.min(deadline, this.flushDeadline))
    for (const { claim, resolve } of this.claims.splice(0)) {
      claim.bundle = bundle
      bundle.adopt([resolve])
    }
    this.flushRequested = false
    this.flushDeadline = Infinity
    return bundle
  }

  /**
   * Why an acknowledgement of `delivery` (delivered by this node) cannot be sent, as its
   * result; `undefined` when it can. As Java's client: the partition's leadership moved to
   * another node ({@link LeaderMovedError}, NOT_LEADER_OR_FOLLOWER), else the session that
   * delivered it ended ({@link ShareSessionLostError}). Either way the broker has let go of it.
   */
  refusal (delivery: Delivery): AcknowledgementResult | undefined {
    const { topic, partition, offset } = delivery.record
    if (this.movedAway.size > 0 && this.movedAway.has(partitionKey(delivery.target.topicId, partition))) {
      return { topic, partition, offsets: [offset], error: new LeaderMovedError(this.nodeId, topic, partition) }
    }
    if (this.session.generation !== delivery.generation) {
      return { topic, partition, offsets: [offset], error: new ShareSessionLostError(this.nodeId, 'the records were delivered by an earlier session') }
    }
    return undefined
  }

  /** Why acks of `set` cannot go here any more, per partition, as {@link refusal} decides: the leader moved, else the session ended (`reason`). */
  cannotSend (set: AckSet, reason: string): (key: string) => KafkaError {
    const lost = new ShareSessionLostError(this.nodeId, reason)
    return key => {
      const target = set.get(key)?.target
      return target !== undefined && this.movedAway.has(key) ? new LeaderMovedError(this.nodeId, target.topic, target.partition) : lost
    }
  }

  /** The facts for {@link nextAction}. */
  facts (fetchAllowed: boolean, holdsRecords: boolean): ChannelFacts {
    return {
      busy: this.busy,
      retryAt: this.retryAt,
      sessionIsNew: this.session.isNew,
      wantedCount: this.wanted.length,
      hasAcks: !this.outbox.isEmpty,
      hasRenew: this.outbox.hasRenew,
      acksSince: this.acksSince,
      flushRequested: this.flushRequested,
      fetchAllowed,
      holdsRecords
    }
  }
}

/**
 * Applies a routing (partitions by leader node) to the channels, which must include one for
 * every node of `byNode`: their wanted partitions, and the partitions that moved away from
 * the node that delivered their records, whose acks are then refused. A partition missing from
 * the routing (not assigned now) keeps what was known of it.
 */
export function routeChannels (channels: Iterable<NodeChannel>, byNode: ReadonlyMap<number, TopicIdPartition[]>): void {
  const leaderOf = new Map<string, number>()
  for (const [nodeId, partitions] of byNode) for (const p of partitions) leaderOf.set(partitionKey(p.topicId, p.partition), nodeId)
  for (const c of channels) {
    c.wanted = byNode.get(c.nodeId) ?? []
    for (const key of c.delivered) {
      const leader = leaderOf.get(key)
      if (leader === c.nodeId) c.movedAway.delete(key)
      else if (leader !== undefined) c.movedAway.add(key)
    }
  }
}
