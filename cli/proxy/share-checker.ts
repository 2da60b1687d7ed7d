import { ACCEPT, errorCodeInfo, GAP, REJECT, RELEASE, RENEW } from '../../protocol/index.js'
import type { DecodedFrame } from '../exchange.js'

/**
 * The share-group conformance checker: a pure state machine that follows, per member and
 * partition, what the broker handed out (acquired ranges, delivery counts, lock deadlines from
 * AcquisitionLockTimeoutMs) and what the member did with it (acks by type, renewals), and per
 * share session (group, member, broker) the epochs. Frames in, findings out; the clock is
 * the caller's (`at` on every observation), so recorded frames replay exactly.
 *
 * Violations break KIP-932/KIP-1222 rules; events are legitimate but worth a look.
 */

/** Rules a client can break. */
export type ViolationRule =
  | 'ack-not-acquired' | 'ack-batches-overlap' | 'ack-batches-unsorted' | 'ack-batch-malformed'
  | 'ack-on-epoch-0' | 'epoch-skipped' | 'epoch-repeated' | 'renew-without-flag'

/** Legitimate happenings worth seeing. */
export type EventRule = 'late-ack' | 'late-renew' | 'held-at-close' | 'fenced-holding'

/** One thing the checker noticed. */
export type Finding =
  | { kind: 'violation', rule: ViolationRule, at: number, connection: number, member: string, message: string }
  | { kind: 'event', rule: EventRule, at: number, connection: number, member: string, message: string }

/** A decoded frame as the proxy (or a capture) saw it. */
export interface Observation {
  /** Milliseconds on the observer's clock. */
  at: number
  /** Connection number: requests and responses pair per connection. */
  connection: number
  /** The broker at the other end, `host:port`: a share session lives on one broker. */
  broker: string
  /** The frame. */
  frame: DecodedFrame
}

/** What one member did with records, for the exit summary. */
export interface MemberCounts {
  acquired: number
  accepted: number
  released: number
  rejected: number
  renewed: number
  /** Records whose acquisition lock ran out before the member settled them. */
  expired: number
  /** Records acquired and not yet settled. */
  held: number
}

interface Held {
  deliveryCount: number
  deadline: number
  session: string
  expired: boolean
}

interface Batch { firstOffset: bigint, lastOffset: bigint, acknowledgeTypes: number[] }
interface AckPartition { partitionIndex: number, acknowledgementBatches: Batch[] }
interface AckTopic { topicId: string, partitions: AckPartition[] }
interface ShareRequest { groupId: string | null, memberId: string | null, shareSessionEpoch: number, isRenewAck?: boolean, topics: AckTopic[] }
interface Acquired { firstOffset: bigint, lastOffset: bigint, deliveryCount: number }
interface ShareResponse {
  errorCode: number
  acquisitionLockTimeoutMs?: number
  responses: Array<{ topicId: string, partitions: Array<{ partitionIndex: number, errorCode: number, acknowledgeErrorCode?: number, acquiredRecords?: Acquired[] }> }>
}

/** Acks a request carried, settled when its response says they were taken. */
interface PendingShare {
  member: string
  session: string
  epoch: number
  acks: Array<{ partition: string, offset: bigint, type: number }>
}

interface Session {
  /** Last epoch sent; undefined when unknown (new, closed, or after an error). */
  epoch?: number
}

const INT32_MAX = 0x7fffffff
const nextEpoch = (epoch: number): number => epoch === INT32_MAX ? 1 : epoch + 1
const FENCED = new Set(['FENCED_MEMBER_EPOCH', 'UNKNOWN_MEMBER_ID'])
const range = (first: bigint, last: bigint): string => first === last ? `${first}` : `${first}-${last}`

/** Compresses sorted offsets into `a-b,c` text. */
function ranges (offsets: bigint[]): string {
  const out: string[] = []
  let start: bigint | undefined
  let prev = 0n
  for (const o of offsets) {
    if (start !== undefined && o === prev + 1n) { prev = o; continue }
    if (start !== undefined) out.push(range(start, prev))
    start = prev = o
  }
  if (start !== undefined) out.push(range(start, prev))
  return out.join(',')
}

/** Follows share-group traffic and reports violations and events. See the module comment. */
export class ShareChecker {
  /** member → `topicId:partition` → offset → hold. */
  private readonly held = new Map<string, Map<string, Map<bigint, Held>>>()
  private readonly sessions = new Map<string, Session>()
  private readonly pending = new Map<string, PendingShare>()
  private readonly counts = new Map<string, MemberCounts>()
  /** `connection/correlationId` of a heartbeat in flight → its member id. */
  private readonly heartbeats = new Map<string, string>()

  /**
   * @param partitionName how to show a partition (`topicId:index` → `orders-0`)
   */
  constructor (private readonly partitionName: (topicId: string, partition: number) => string = (t, p) => `${t}-${p}`) {}

  /** Feeds one frame; returns what it revealed. */
  observe (o: Observation): Finding[] {
    const f = o.frame
    if (f.body === undefined) return []
    const findings: Finding[] = []
    if (f.direction === 'request') {
      if (f.apiName === 'ShareFetch' || f.apiName === 'ShareAcknowledge') this.shareRequest(o, f.body as ShareRequest, findings)
      if (f.apiName === 'ShareGroupHeartbeat') this.heartbeats.set(`${o.connection}/${f.correlationId}`, (f.body as { memberId: string }).memberId)
    } else {
      const key = `${o.connection}/${f.correlationId}`
      const pending = this.pending.get(key)
      this.pending.delete(key)
      if (pending !== undefined && (f.apiName === 'ShareFetch' || f.apiName === 'ShareAcknowledge')) this.shareResponse(o, pending, f.body as ShareResponse, findings)
      const member = this.heartbeats.get(key)
      this.heartbeats.delete(key)
      if (member !== undefined && f.apiName === 'ShareGroupHeartbeat') this.heartbeatResponse(o, member, f.body as { errorCode: number }, findings)
    }
    return findings
  }

  /** Requests awaiting a response on a closed connection never get one: forget them. */
  connectionClosed (connection: number): void {
    for (const key of this.heartbeats.keys()) if (key.startsWith(`${connection}/`)) this.heartbeats.delete(key)
    for (const [key, p] of this.pending) {
      if (key.startsWith(`${connection}/`)) {
        this.pending.delete(key)
        const session = this.sessions.get(p.session)
        if (session !== undefined) delete session.epoch
      }
    }
  }

  /** Per-member record counts as of `now` (locks past their deadline count as expired). */
  memberCounts (now: number): Map<string, MemberCounts> {
    for (const [member, partitions] of this.held) {
      for (const offsets of partitions.values()) {
        for (const h of offsets.values()) this.expire(member, h, now)
      }
    }
    return this.counts
  }

  private count (member: string): MemberCounts {
    let c = this.counts.get(member)
    if (c === undefined) this.counts.set(member, c = { acquired: 0, accepted: 0, released: 0, rejected: 0, renewed: 0, expired: 0, held: 0 })
    return c
  }

  private expire (member: string, h: Held, now: number): void {
    if (!h.expired && now > h.deadline) {
      h.expired = true
      this.count(member).expired++
    }
  }

  private shareRequest (o: Observation, b: ShareRequest, findings: Finding[]): void {
    const member = b.memberId ?? ''
    const sessionKey = `${b.groupId ?? ''}|${member}|${o.broker}`
    const violation = (rule: ViolationRule, message: string): void => {
      findings.push({ kind: 'violation', rule, at: o.at, connection: o.connection, member, message: `${o.frame.apiName} c=${o.frame.correlationId}: ${message}` })
    }
    const event = (rule: EventRule, message: string): void => {
      findings.push({ kind: 'event', rule, at: o.at, connection: o.connection, member, message: `${o.frame.apiName} c=${o.frame.correlationId}: ${message}` })
    }

    let session = this.sessions.get(sessionKey)
    if (session === undefined) this.sessions.set(sessionKey, session = {})
    const epoch = b.shareSessionEpoch
    if (epoch > 0 && session.epoch !== undefined) {
      const expected = nextEpoch(session.epoch)
      if (epoch === session.epoch) violation('epoch-repeated', `session epoch ${epoch} repeated (expected ${expected})`)
      else if (epoch !== expected) violation('epoch-skipped', `session epoch ${epoch} after ${session.epoch} (expected ${expected})`)
    }
    session.epoch = epoch === -1 ? undefined : epoch

    const pending: PendingShare = { member, session: sessionKey, epoch, acks: [] }
    const memberHeld = this.held.get(member)
    for (const t of b.topics) {
      for (const p of t.partitions) {
        const partition = `${t.topicId}:${p.partitionIndex}`
        const name = this.partitionName(t.topicId, p.partitionIndex)
        const batches = p.acknowledgementBatches
        if (batches.length === 0) continue
        if (epoch === 0) violation('ack-on-epoch-0', `${name}: acknowledgements on session epoch 0 (a new session holds no records to acknowledge)`)
        for (let i = 0; i < batches.length; i++) {
          const batch = batches[i]!
          const prev = batches[i - 1]
          if (batch.lastOffset < batch.firstOffset || (batch.acknowledgeTypes.length !== 1 && BigInt(batch.acknowledgeTypes.length) !== batch.lastOffset - batch.firstOffset + 1n)) {
            violation('ack-batch-malformed', `${name}: batch ${batch.firstOffset}-${batch.lastOffset} with ${batch.acknowledgeTypes.length} types`)
            continue
          }
          if (prev !== undefined && batch.firstOffset <= prev.lastOffset) {
            if (batch.lastOffset >= prev.firstOffset && batch.firstOffset >= prev.firstOffset) {
              violation('ack-batches-overlap', `${name}: batch ${range(batch.firstOffset, batch.lastOffset)} overlaps ${range(prev.firstOffset, prev.lastOffset)}`)
            } else {
              violation('ack-batches-unsorted', `${name}: batch ${range(batch.firstOffset, batch.lastOffset)} comes after ${range(prev.firstOffset, prev.lastOffset)}`)
            }
          }
          const notHanded: bigint[] = []
          const late: bigint[] = []
          let lateBy = 0
          for (let offset = batch.firstOffset; offset <= batch.lastOffset; offset++) {
            const type = batch.acknowledgeTypes.length === 1 ? batch.acknowledgeTypes[0]! : batch.acknowledgeTypes[Number(offset - batch.firstOffset)]!
            if (type === RENEW && b.isRenewAck !== true) violation('renew-without-flag', `${name}: RENEW for ${offset} in a request without IsRenewAck`)
            const h = memberHeld?.get(partition)?.get(offset)
            if (h === undefined) {
              notHanded.push(offset)
              continue
            }
            this.expire(member, h, o.at)
            if (o.at > h.deadline) {
              late.push(offset)
              lateBy = Math.max(lateBy, o.at - h.deadline)
            }
            pending.acks.push({ partition, offset, type })
          }
          if (notHanded.length > 0) violation('ack-not-acquired', `${name}: acknowledges ${ranges(notHanded)}, not acquired by this member`)
          if (late.length > 0) {
            const renew = batch.acknowledgeTypes.every(type => type === RENEW)
            event(renew ? 'late-renew' : 'late-ack', `${name}: ${renew ? 'renews' : 'acknowledges'} ${ranges(late)} ${lateBy.toFixed(0)} ms after the acquisition lock ran out`)
          }
        }
      }
    }
    this.pending.set(`${o.connection}/${o.frame.correlationId}`, pending)
  }

  private shareResponse (o: Observation, p: PendingShare, b: ShareResponse, findings: Finding[]): void {
    const session = this.sessions.get(p.session)
    const failed = new Set<string>()
    for (const t of b.responses) {
      for (const part of t.partitions) {
        if (part.errorCode !== 0 || (part.acknowledgeErrorCode ?? 0) !== 0) failed.add(`${t.topicId}:${part.partitionIndex}`)
      }
    }
    // A failed request leaves the epoch where the client may legitimately retry or reset it.
    if (b.errorCode !== 0 && session !== undefined) delete session.epoch
    const c = this.count(p.member)
    let memberHeld = this.held.get(p.member)
    if (memberHeld === undefined) this.held.set(p.member, memberHeld = new Map())
    if (b.errorCode === 0) {
      for (const ack of p.acks) {
        if (failed.has(ack.partition)) continue
        const offsets = memberHeld.get(ack.partition)
        const h = offsets?.get(ack.offset)
        if (h === undefined || offsets === undefined) continue
        if (ack.type === RENEW) {
          c.renewed++
          h.deadline = o.at + (b.acquisitionLockTimeoutMs ?? 0)
          h.expired = false
          continue
        }
        offsets.delete(ack.offset)
        c.held--
        if (ack.type === ACCEPT) c.accepted++
        else if (ack.type === RELEASE) c.released++
        else if (ack.type === REJECT) c.rejected++
        else if (ack.type === GAP) c.accepted++
      }
    }
    if (o.frame.apiName === 'ShareFetch' && b.errorCode === 0) {
      const lock = b.acquisitionLockTimeoutMs ?? 0
      for (const t of b.responses) {
        for (const part of t.partitions) {
          const partition = `${t.topicId}:${part.partitionIndex}`
          let offsets = memberHeld.get(partition)
          for (const a of part.acquiredRecords ?? []) {
            if (offsets === undefined) memberHeld.set(partition, offsets = new Map())
            for (let offset = a.firstOffset; offset <= a.lastOffset; offset++) {
              if (!offsets.has(offset)) c.held++
              offsets.set(offset, { deliveryCount: a.deliveryCount, deadline: o.at + lock, session: p.session, expired: false })
              c.acquired++
            }
          }
        }
      }
    }
    if (p.epoch === -1) this.closeSession(o, p, c, findings)
  }

  /** Epoch -1: the broker releases whatever the member still held through this session. */
  private closeSession (o: Observation, p: PendingShare, c: MemberCounts, findings: Finding[]): void {
    const memberHeld = this.held.get(p.member)
    if (memberHeld === undefined) return
    let released = 0
    const where: string[] = []
    for (const [partition, offsets] of memberHeld) {
      const dropped: bigint[] = []
      for (const [offset, h] of offsets) {
        if (h.session !== p.session) continue
        this.expire(p.member, h, o.at)
        offsets.delete(offset)
        dropped.push(offset)
      }
      if (dropped.length === 0) continue
      released += dropped.length
      const [topicId, index] = partition.split(':') as [string, string]
      where.push(`${this.partitionName(topicId, Number(index))} ${ranges(dropped.sort((a, b) => a < b ? -1 : a > b ? 1 : 0))}`)
    }
    if (released === 0) return
    c.held -= released
    c.released += released
    findings.push({
      kind: 'event', rule: 'held-at-close', at: o.at, connection: o.connection, member: p.member,
      message: `session closed (epoch -1) with ${released} records still held, released implicitly: ${where.join('; ')}`
    })
  }

  private heartbeatResponse (o: Observation, member: string, b: { errorCode: number }, findings: Finding[]): void {
    const name = errorCodeInfo(b.errorCode).name
    if (!FENCED.has(name)) return
    const held = [...(this.held.get(member)?.values() ?? [])].reduce((n, m) => n + m.size, 0)
    if (held > 0) {
      findings.push({ kind: 'event', rule: 'fenced-holding', at: o.at, connection: o.connection, member, message: `ShareGroupHeartbeat c=${o.frame.correlationId}: member fenced (${name}) while holding ${held} records` })
    }
  }
}
