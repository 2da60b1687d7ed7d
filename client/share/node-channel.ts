import { AckOutbox, type AckSet, type TopicIdPartition } from './ack-outbox.js'
import type { AcknowledgementResult } from './ack-results.js'
import { ShareSession } from './share-session.js'

/** Acknowledgements taken from an outbox, on their way; whoever waits for them learns their results. */
export class AckBundle {
  private readonly waiters: Array<(results: AcknowledgementResult[]) => void> = []
  private results: AcknowledgementResult[] | undefined

  /** @param set the acknowledgements */
  constructor (readonly set: AckSet) {}

  /** True once the results are known. */
  get completed (): boolean {
    return this.results !== undefined
  }

  /** Resolves with the results once known. */
  done (): Promise<AcknowledgementResult[]> {
    if (this.results !== undefined) return Promise.resolve(this.results)
    return new Promise(resolve => this.waiters.push(resolve))
  }

  /** Adds waiters that asked before the acks were taken. */
  adopt (waiters: Iterable<(results: AcknowledgementResult[]) => void>): void {
    for (const w of waiters) this.waiters.push(w)
  }

  /** Sets the results and wakes the waiters (once). */
  complete (results: AcknowledgementResult[]): void {
    if (this.results !== undefined) return
    this.results = results
    for (const w of this.waiters.splice(0)) w(results)
  }
}

/** What a node channel does next. */
export type ChannelAction = 'fetch' | 'acknowledge' | 'idle'

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
}

/**
 * Where acknowledgements travel. They ride on the next ShareFetch to the node that delivered
 * the records when that fetch goes now. They go alone in a ShareAcknowledge when they cannot
 * wait: a RENEW (a renewing ShareFetch may not fetch, so it would stall fetching), a commit,
 * no fetch coming to this node (its partitions moved away), or they have waited
 * `flushDelayMs` (records of this node are still buffered, so its next fetch is not due).
 * A new session (epoch 0) carries no acks (KAFKA-18198); the caller fails stale ones.
 */
export function nextAction (f: ChannelFacts, now: number, flushDelayMs: number): ChannelAction {
  if (f.busy || now < f.retryAt) return 'idle'
  if (f.sessionIsNew) return f.fetchAllowed && f.wantedCount > 0 ? 'fetch' : 'idle'
  if (f.hasAcks && (f.hasRenew || f.flushRequested || f.wantedCount === 0 || now - f.acksSince >= flushDelayMs)) return 'acknowledge'
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
  /** The acknowledgements of the request in flight, if it carries any. */
  inFlightAcks: AckBundle | undefined
  /** A request is in flight. */
  busy = false
  /** The request in flight fetches records. */
  fetching = false
  /** Epoch ms when the oldest acknowledgement in the outbox was queued. */
  acksSince = 0
  /** Backoff: nothing is sent before this (epoch ms). */
  retryAt = 0
  /** Consecutive failures, for the backoff. */
  failures = 0
  /** Send the outbox now (commit). */
  flushRequested = false
  /** Id of the connection the session was opened on (the broker drops the session with that connection). */
  connectionId = -1
  private outboxWaiters: Array<(results: AcknowledgementResult[]) => void> = []

  /** @param nodeId the leader */
  constructor (readonly nodeId: number) {
    this.session = new ShareSession(nodeId)
  }

  /** Queues an acknowledgement here; false when ignored (a RENEW after a terminal type). */
  queueAck (target: TopicIdPartition, offset: bigint, typeId: number, now: number): boolean {
    if (this.outbox.isEmpty) this.acksSince = now
    return this.outbox.add(target, offset, typeId)
  }

  /** Resolves with the results of the acks now in the outbox, once they are sent (or failed). */
  whenOutboxDone (): Promise<AcknowledgementResult[]> {
    return new Promise(resolve => this.outboxWaiters.push(resolve))
  }

  /** Takes the outbox as a bundle (with whoever waits for it). */
  takeOutbox (): AckBundle {
    const bundle = new AckBundle(this.outbox.take())
    bundle.adopt(this.outboxWaiters.splice(0))
    this.flushRequested = false
    return bundle
  }

  /** The facts for {@link nextAction}. */
  facts (fetchAllowed: boolean): ChannelFacts {
    return {
      busy: this.busy,
      retryAt: this.retryAt,
      sessionIsNew: this.session.isNew,
      wantedCount: this.wanted.length,
      hasAcks: !this.outbox.isEmpty,
      hasRenew: this.outbox.hasRenew,
      acksSince: this.acksSince,
      flushRequested: this.flushRequested,
      fetchAllowed
    }
  }
}
