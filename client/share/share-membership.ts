import type { RequestInput, ResponseOf } from '../../protocol/api.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import type { ShareGroupHeartbeat } from '../../protocol/messages/share-group-heartbeat.js'
import { randomUuid } from '../../protocol/uuid.js'
import { responseError, type KafkaError } from '../errors.js'
import { ShareGroupsUnavailableError } from './share-errors.js'

/** Member epoch of a heartbeat that joins (or rejoins after being fenced). */
export const JOIN_EPOCH = 0
/** Member epoch of a heartbeat that leaves the group. */
export const LEAVE_EPOCH = -1

/** Where the member stands. */
export type MembershipState =
  /** Not subscribed: no heartbeats. */
  | 'unsubscribed'
  /** Subscribed; the next heartbeat joins with epoch 0. */
  | 'joining'
  /** In the group; heartbeats carry the member epoch. */
  | 'stable'
  /** The next heartbeat leaves (epoch -1). */
  | 'leaving'
  /** A heartbeat failed in a way retrying cannot fix; see `fatalError`. */
  | 'failed'

/** The partitions assigned to this member: topic id → partition indexes (ascending). */
export type Assignment = ReadonlyMap<string, readonly number[]>

/** What the caller should do after a heartbeat response. */
export type HeartbeatOutcome =
  /** All good; `assignmentChanged` tells whether {@link ShareMembership.assignment} changed. */
  | { kind: 'ok', assignmentChanged: boolean }
  /** Fenced or unknown: the assignment was dropped; heartbeat again now with epoch 0 (same member id). */
  | { kind: 'rejoin', error: KafkaError }
  /** The coordinator moved or is unavailable: find it again, then heartbeat. */
  | { kind: 'find-coordinator', error: KafkaError }
  /** Try the same heartbeat again after a backoff. */
  | { kind: 'retry', error: KafkaError }
  /** The member cannot go on; the error is also kept in {@link ShareMembership.fatalError}. */
  | { kind: 'fatal', error: KafkaError }
  /** Membership goes on, but the application should hear about this error (e.g. topic authorization). */
  | { kind: 'report', error: KafkaError }

const FIND_COORDINATOR = new Set<number>([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE])
const REJOIN = new Set<number>([ErrorCode.FENCED_MEMBER_EPOCH, ErrorCode.UNKNOWN_MEMBER_ID])

/**
 * Share-group membership through ShareGroupHeartbeat (KIP-932), without I/O: the caller sends
 * what {@link nextHeartbeat} builds and hands the answer to {@link onResponse}.
 *
 * The member id is generated here and kept for the consumer's lifetime, through rejoins.
 * Epoch 0 joins, -1 leaves. The subscription is sent when joining and when it changed (or
 * after a failed heartbeat, whose effect is unknown); otherwise null, meaning unchanged. The
 * heartbeat interval comes from the broker (group config `share.heartbeat.interval.ms`).
 */
export class ShareMembership {
  /** Client-generated member id (Kafka UUID), kept through rejoins. */
  readonly memberId = randomUuid()
  /** Member epoch to send next. */
  memberEpoch = JOIN_EPOCH
  /** See {@link MembershipState}. */
  state: MembershipState = 'unsubscribed'
  /** Interval the broker asks for between heartbeats (until it says, Kafka's default). */
  heartbeatIntervalMs = 5000
  /** When the member last joined (became stable), epoch ms. */
  joinedAt = 0
  /** True once the coordinator assigned this member any partition. */
  assignedOnce = false
  /** The error that made the member fail. */
  fatalError: KafkaError | undefined
  private subscribed: string[] = []
  private subscriptionSent = false
  private current: Map<string, number[]> = new Map()
  /** The heartbeat awaiting its answer: a leave, or the subscription it carried (null: unchanged). */
  private inFlight: { leave: boolean, subscription: string[] | null } | null = null
  /** True once a join was sent and until a leave is answered: the broker may count us as a member. */
  private known = false

  /** @param groupId the share group */
  constructor (readonly groupId: string) {}

  /** Topics subscribed to, sorted. */
  get subscription (): readonly string[] {
    return this.subscribed
  }

  /** The current assignment. */
  get assignment (): Assignment {
    return this.current
  }

  /** True when the caller should heartbeat now instead of waiting for the interval. */
  get heartbeatDue (): boolean {
    return this.state === 'joining' || this.state === 'leaving' || (this.state === 'stable' && !this.subscriptionSent)
  }

  /** Subscribes to exactly `topics` (replacing the previous list); an empty list unsubscribes. */
  subscribe (topics: readonly string[]): void {
    const next = [...new Set(topics)].sort()
    if (next.length === 0) return this.unsubscribe()
    if (this.state === 'failed') return
    const changed = next.join('\0') !== this.subscribed.join('\0')
    this.subscribed = next
    if (this.state === 'unsubscribed' || this.state === 'leaving') {
      this.state = 'joining'
      this.memberEpoch = JOIN_EPOCH
      this.subscriptionSent = false
    } else if (changed) {
      this.subscriptionSent = false
    }
  }

  /** Leaves the group: the next heartbeat has epoch -1 (nothing is sent if the member never joined). */
  unsubscribe (): void {
    this.subscribed = []
    if (this.state === 'failed') return
    this.current = new Map()
    this.state = this.known ? 'leaving' : 'unsubscribed'
  }

  /** The next heartbeat to send, or `null` when none is needed (unsubscribed, failed). */
  nextHeartbeat (): RequestInput<typeof ShareGroupHeartbeat> | null {
    if (this.state === 'unsubscribed' || this.state === 'failed') return null
    if (this.state === 'leaving') {
      this.inFlight = { leave: true, subscription: null }
      return { groupId: this.groupId, memberId: this.memberId, memberEpoch: LEAVE_EPOCH, rackId: null, subscribedTopicNames: null }
    }
    const full = this.state === 'joining' || !this.subscriptionSent
    this.inFlight = { leave: false, subscription: full ? this.subscribed : null }
    this.known = true
    return {
      groupId: this.groupId,
      memberId: this.memberId,
      memberEpoch: this.state === 'joining' ? JOIN_EPOCH : this.memberEpoch,
      rackId: null,
      subscribedTopicNames: this.inFlight.subscription
    }
  }

  /** Applies a heartbeat response (to the request {@link nextHeartbeat} built last). */
  onResponse (response: ResponseOf<typeof ShareGroupHeartbeat>, brokerId?: number): HeartbeatOutcome {
    const sent = this.inFlight
    this.inFlight = null
    const code = response.errorCode
    if (sent?.leave === true) {
      // Whatever the answer, we are out: at worst the broker drops us after the session timeout.
      this.known = false
      this.memberEpoch = JOIN_EPOCH
      if (this.state === 'leaving') this.state = 'unsubscribed'
      return { kind: 'ok', assignmentChanged: false }
    }
    // The answer to a heartbeat sent before unsubscribe(): the leave follows.
    if (this.state === 'leaving' || this.state === 'unsubscribed' || this.state === 'failed') return { kind: 'ok', assignmentChanged: false }
    const sentSubscription = sent?.subscription ?? null
    const error = responseError(code, { api: 'ShareGroupHeartbeat', brokerId, brokerMessage: response.errorMessage, what: `group ${this.groupId}` })
    if (error === null) {
      this.memberEpoch = response.memberEpoch
      if (response.heartbeatIntervalMs > 0) this.heartbeatIntervalMs = response.heartbeatIntervalMs
      if (this.state === 'joining') {
        this.state = 'stable'
        this.joinedAt = Date.now()
      }
      if (sentSubscription !== null && sentSubscription === this.subscribed) this.subscriptionSent = true
      return { kind: 'ok', assignmentChanged: response.assignment !== null && this.applyAssignment(response.assignment.topicPartitions) }
    }
    // Whatever was sent may not have been applied: send the full state next time.
    this.subscriptionSent = false
    if (REJOIN.has(code)) {
      this.memberEpoch = JOIN_EPOCH
      this.state = 'joining'
      this.current = new Map()
      return { kind: 'rejoin', error }
    }
    if (FIND_COORDINATOR.has(code)) return { kind: 'find-coordinator', error }
    if (code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return { kind: 'retry', error }
    if (code === ErrorCode.TOPIC_AUTHORIZATION_FAILED) return { kind: 'report', error }
    const fatal = code === ErrorCode.UNSUPPORTED_VERSION
      ? new ShareGroupsUnavailableError(`ShareGroupHeartbeat answered UNSUPPORTED_VERSION${response.errorMessage !== null ? ` (${response.errorMessage})` : ''}`, { brokerId, api: 'ShareGroupHeartbeat' })
      : error
    return this.fail(fatal)
  }

  /** The heartbeat got no answer (timeout, lost connection): its effect is unknown, so the next one is full. */
  onRequestFailed (): void {
    this.inFlight = null
    this.subscriptionSent = false
  }

  /** Marks the member failed for good (also used for errors found outside heartbeats). */
  fail (error: KafkaError): HeartbeatOutcome {
    this.state = 'failed'
    this.fatalError = error
    this.current = new Map()
    return { kind: 'fatal', error }
  }

  private applyAssignment (topicPartitions: ReadonlyArray<{ topicId: string, partitions: number[] }>): boolean {
    const next = new Map<string, number[]>()
    for (const { topicId, partitions } of topicPartitions) {
      if (partitions.length > 0) next.set(topicId, [...new Set([...(next.get(topicId) ?? []), ...partitions])].sort((a, b) => a - b))
    }
    const same = next.size === this.current.size &&
      [...next].every(([id, parts]) => this.current.get(id)?.join(',') === parts.join(','))
    this.current = next
    if (next.size > 0) this.assignedOnce = true
    return !same
  }
}
