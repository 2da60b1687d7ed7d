import { errorCodeInfo } from '../../protocol/error-codes.js'
import { acknowledgeTypeName } from '../../protocol/acknowledge-type.js'
import type { DecodedFrame } from '../exchange.js'

/**
 * One-line summaries of share-group exchanges for the proxy's timeline: session epochs,
 * acquired ranges with delivery counts, acknowledgement batches, error codes by name. Other
 * APIs get their name and any non-zero error codes. Topic ids are shown by name once a
 * Metadata response has told us the name.
 */

interface AckBatch { firstOffset: bigint, lastOffset: bigint, acknowledgeTypes: number[] }
interface Acquired { firstOffset: bigint, lastOffset: bigint, deliveryCount: number }

/** Remembers topic names from Metadata responses, to print names instead of ids. */
export class TopicNames {
  private readonly names = new Map<string, string>()

  /** Learns from a decoded frame (Metadata responses carry name and id). */
  learn (frame: DecodedFrame): void {
    if (frame.direction !== 'response' || frame.apiName !== 'Metadata') return
    const topics = (frame.body as { topics?: Array<{ name: string | null, topicId: string }> }).topics ?? []
    for (const t of topics) if (t.name !== null) this.names.set(t.topicId, t.name)
  }

  /** The topic's name, or a shortened id. */
  name (topicId: string): string {
    return this.names.get(topicId) ?? `${topicId.slice(0, 8)}…`
  }
}

const range = (first: bigint, last: bigint): string => first === last ? `${first}` : `${first}-${last}`

function acks (batches: AckBatch[]): string {
  return batches.map(b => `${range(b.firstOffset, b.lastOffset)}:${b.acknowledgeTypes.map(acknowledgeTypeName).join('/')}`).join(',')
}

function errorName (code: number): string {
  return errorCodeInfo(code).name
}

/** How an array element is named in a field path: by its name, group, partition, else its index. */
function elementLabel (element: unknown, index: string): string {
  if (element === null || typeof element !== 'object') return index
  const e = element as Record<string, unknown>
  for (const k of ['name', 'topic', 'topicName', 'groupId', 'key', 'resourceName', 'partitionIndex', 'partition', 'nodeId']) {
    if (typeof e[k] === 'string' || typeof e[k] === 'number') return String(e[k])
  }
  return index
}

/**
 * Every non-zero `*errorCode` field in a body, as `path=NAME`; array elements are named by
 * their name, group or partition (`topics[orders].partitions[0].errorCode=NOT_LEADER_OR_FOLLOWER`).
 */
export function errorsIn (body: unknown, path = ''): string[] {
  if (body === null || typeof body !== 'object' || Buffer.isBuffer(body)) return []
  const out: string[] = []
  for (const [k, v] of Object.entries(body)) {
    const p = Array.isArray(body) ? `${path}[${elementLabel(v, k)}]` : path === '' ? k : `${path}.${k}`
    if (/errorCode$/i.test(k) && typeof v === 'number' && v !== 0) out.push(`${p}=${errorName(v)}`)
    else if (typeof v === 'object') out.push(...errorsIn(v, p))
  }
  return out
}

const KEY_FIELDS: Record<string, string> = {
  groupId: 'group', groupIds: 'groups', statesFilter: 'states', typesFilter: 'types', groupState: 'state',
  resourceName: 'resource', topicNames: 'topics', coordinatorKeys: 'keys', key: 'key', subscribedTopicNames: 'subscribe', transactionalId: 'txn'
}

/** The fields that say what an admin exchange is about: groups, topics, states, resources. */
export function keyFields (body: unknown): string {
  const found = new Map<string, Set<string>>()
  const add = (label: string, v: unknown): void => {
    if (typeof v !== 'string' || v === '') return
    let set = found.get(label)
    if (set === undefined) found.set(label, set = new Set())
    set.add(v)
  }
  const walk = (o: unknown, inTopics: boolean, depth: number): void => {
    if (o === null || typeof o !== 'object' || Buffer.isBuffer(o) || depth > 4) return
    if (Array.isArray(o)) {
      for (const v of o) walk(v, inTopics, depth + 1)
      return
    }
    for (const [k, v] of Object.entries(o)) {
      const label = KEY_FIELDS[k]
      if (label !== undefined) {
        if (Array.isArray(v)) for (const e of v) add(label, e)
        else add(label, v)
      } else if ((k === 'name' || k === 'topicName') && inTopics) {
        add('topics', v)
      } else if (typeof v === 'object') {
        walk(v, /topic/i.test(k), depth + 1)
      }
    }
  }
  walk(body, false, 0)
  return [...found].map(([label, values]) => values.size === 1 && !label.endsWith('s') ? `${label}=${[...values][0]}` : `${label}=[${[...values].join(',')}]`).join(' ')
}

type Summarizer = (body: never, names: TopicNames) => string

const REQUESTS: Record<string, Summarizer> = {
  ApiVersions: (b: { clientSoftwareName?: string, clientSoftwareVersion?: string }) =>
    b.clientSoftwareName !== undefined && b.clientSoftwareName !== '' ? `software=${b.clientSoftwareName}/${b.clientSoftwareVersion ?? '?'}` : '',
  ShareGroupHeartbeat: (b: { memberId: string, memberEpoch: number, subscribedTopicNames: string[] | null }) =>
    `member=${b.memberId} epoch=${b.memberEpoch}${b.subscribedTopicNames !== null ? ` subscribe=[${b.subscribedTopicNames.join(',')}]` : ''}`,
  ShareFetch: (b: {
    memberId: string | null, shareSessionEpoch: number, maxWaitMs: number, maxRecords: number, shareAcquireMode: number, isRenewAck: boolean
    topics: Array<{ topicId: string, partitions: Array<{ partitionIndex: number, acknowledgementBatches: AckBatch[] }> }>
    forgottenTopicsData: Array<{ topicId: string, partitions: number[] }>
  }, names) => {
    const parts = [`epoch=${b.shareSessionEpoch}`, `maxWait=${b.maxWaitMs}ms`, `maxRecords=${b.maxRecords}`]
    if (b.shareAcquireMode === 1) parts.push('record_limit')
    if (b.isRenewAck) parts.push('renew')
    for (const t of b.topics) {
      for (const p of t.partitions) {
        parts.push(`${names.name(t.topicId)}-${p.partitionIndex}${p.acknowledgementBatches.length > 0 ? ` acks[${acks(p.acknowledgementBatches)}]` : ''}`)
      }
    }
    const forgotten = b.forgottenTopicsData.flatMap(t => t.partitions.map(p => `${names.name(t.topicId)}-${p}`))
    if (forgotten.length > 0) parts.push(`forget[${forgotten.join(',')}]`)
    return parts.join(' ')
  },
  ShareAcknowledge: (b: {
    shareSessionEpoch: number, isRenewAck: boolean
    topics: Array<{ topicId: string, partitions: Array<{ partitionIndex: number, acknowledgementBatches: AckBatch[] }> }>
  }, names) => [
    `epoch=${b.shareSessionEpoch}`,
    ...(b.isRenewAck ? ['renew'] : []),
    ...b.topics.flatMap(t => t.partitions.map(p => `${names.name(t.topicId)}-${p.partitionIndex} acks[${acks(p.acknowledgementBatches)}]`))
  ].join(' ')
}

const RESPONSES: Record<string, Summarizer> = {
  ShareGroupHeartbeat: (b: { errorCode: number, memberEpoch: number, heartbeatIntervalMs: number, assignment: { topicPartitions: Array<{ topicId: string, partitions: number[] }> } | null }, names) => {
    const parts = [errorName(b.errorCode), `epoch=${b.memberEpoch}`, `interval=${b.heartbeatIntervalMs}ms`]
    if (b.assignment !== null) {
      parts.push(`assignment=[${b.assignment.topicPartitions.flatMap(t => t.partitions.map(p => `${names.name(t.topicId)}-${p}`)).join(',')}]`)
    }
    return parts.join(' ')
  },
  ShareFetch: (b: {
    errorCode: number, acquisitionLockTimeoutMs: number
    responses: Array<{ topicId: string, partitions: Array<{ partitionIndex: number, errorCode: number, acknowledgeErrorCode: number, records: Buffer, acquiredRecords: Acquired[] }> }>
  }, names) => {
    const parts = [errorName(b.errorCode), `lock=${b.acquisitionLockTimeoutMs}ms`]
    for (const t of b.responses) {
      for (const p of t.partitions) {
        const acquired = p.acquiredRecords.map(a => `${range(a.firstOffset, a.lastOffset)}×${a.deliveryCount}`).join(',')
        const flags = [p.errorCode !== 0 ? errorName(p.errorCode) : '', p.acknowledgeErrorCode !== 0 ? `ack:${errorName(p.acknowledgeErrorCode)}` : ''].filter(s => s !== '')
        parts.push(`${names.name(t.topicId)}-${p.partitionIndex}${acquired !== '' ? ` acquired[${acquired}]` : ''}${p.records.length > 0 ? ` ${p.records.length}B` : ''}${flags.length > 0 ? ` ${flags.join(' ')}` : ''}`)
      }
    }
    return parts.join(' ')
  },
  ShareAcknowledge: (b: { errorCode: number, responses: Array<{ topicId: string, partitions: Array<{ partitionIndex: number, errorCode: number }> }> }, names) =>
    [errorName(b.errorCode), ...b.responses.flatMap(t => t.partitions.map(p => `${names.name(t.topicId)}-${p.partitionIndex} ${errorName(p.errorCode)}`))].join(' ')
}

/** A one-line summary of a decoded frame's body. */
export function summarize (frame: DecodedFrame, names: TopicNames): string {
  if (frame.body === undefined) return 'raw (not decoded)'
  const summarizer = (frame.direction === 'request' ? REQUESTS : RESPONSES)[frame.apiName]
  if (summarizer !== undefined) return summarizer(frame.body as never, names)
  const keys = keyFields(frame.body)
  const errors = errorsIn(frame.body)
  const status = errors.length > 0 ? errors.join(' ') : (frame.direction === 'response' ? 'ok' : '')
  return [status, keys].filter(s => s !== '').join(' ')
}
