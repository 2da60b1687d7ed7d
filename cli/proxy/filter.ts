import type { DecodedFrame } from '../exchange.js'
import { errorsIn } from './timeline.js'

/**
 * What `proxy` and `decode` show: `--api`, `--group`, `--member`, `--topic`, `--client-id`,
 * `--errors-only`, `--hide-idle`. Every given criterion must match (and); a list in one
 * criterion matches any of its entries (or).
 */
export interface FrameFilter {
  /** API names (case-insensitive). */
  apis?: string[]
  /** Group id. */
  group?: string
  /** Member id. */
  member?: string
  /** Topic name (or id). */
  topic?: string
  /** Client id of the connection. */
  clientId?: string
  /** Only exchanges whose response carries a non-zero error code. */
  errorsOnly?: boolean
  /** Drop empty fetches and steady heartbeats (request and response). */
  hideIdle?: boolean
}

/** The facts of an exchange a filter looks at; a response inherits its request's. */
export interface FrameFacts {
  apiName: string
  clientId?: string
  groups: string[]
  members: string[]
  /** Topic names, and ids where no name is known. */
  topics: string[]
  /** Error names found in the response (empty for requests and clean responses). */
  errors: string[]
}

const HEARTBEATS = new Set(['ShareGroupHeartbeat', 'ConsumerGroupHeartbeat', 'Heartbeat', 'StreamsGroupHeartbeat'])
const FETCHES = new Set(['ShareFetch', 'Fetch'])

/** Collects group ids, member ids and topics from anywhere in a body. */
function collect (body: unknown, topicName: (id: string) => string, into: FrameFacts, inTopics = false, depth = 0): void {
  if (body === null || typeof body !== 'object' || Buffer.isBuffer(body) || depth > 6) return
  if (Array.isArray(body)) {
    for (const v of body) {
      if (typeof v === 'string' && inTopics) into.topics.push(v)
      else collect(v, topicName, into, inTopics, depth + 1)
    }
    return
  }
  for (const [k, v] of Object.entries(body)) {
    if (typeof v === 'string' && v !== '') {
      if (k === 'groupId') into.groups.push(v)
      else if (k === 'memberId') into.members.push(v)
      else if (k === 'topicId') into.topics.push(topicName(v), v)
      else if (k === 'topic' || k === 'topicName' || (k === 'name' && inTopics)) into.topics.push(v)
    } else if (typeof v === 'object') {
      if (k === 'groupIds' && Array.isArray(v)) into.groups.push(...v.filter((g): g is string => typeof g === 'string'))
      else collect(v, topicName, into, /topic/i.test(k), depth + 1)
    }
  }
}

/** The facts of a request frame. */
export function requestFacts (frame: DecodedFrame, topicName: (id: string) => string): FrameFacts {
  const facts: FrameFacts = { apiName: frame.apiName, clientId: frame.clientId ?? undefined, groups: [], members: [], topics: [], errors: [] }
  collect(frame.body, topicName, facts)
  return facts
}

/** The facts of a response: its request's, plus what the response names and its errors. */
export function responseFacts (frame: DecodedFrame, request: FrameFacts | undefined, topicName: (id: string) => string): FrameFacts {
  const facts: FrameFacts = {
    apiName: frame.apiName,
    clientId: request?.clientId,
    groups: [...request?.groups ?? []],
    members: [...request?.members ?? []],
    topics: [...request?.topics ?? []],
    errors: errorsIn(frame.body).map(e => e.slice(e.lastIndexOf('=') + 1))
  }
  collect(frame.body, topicName, facts)
  return facts
}

/** True when the exchange with these facts is shown (idleness is decided by {@link isIdleExchange}). */
export function frameMatches (filter: FrameFilter, facts: FrameFacts, direction: 'request' | 'response'): boolean {
  if (filter.apis !== undefined && !filter.apis.some(a => a.toLowerCase() === facts.apiName.toLowerCase())) return false
  if (filter.group !== undefined && !facts.groups.includes(filter.group)) return false
  if (filter.member !== undefined && !facts.members.includes(filter.member)) return false
  if (filter.topic !== undefined && !facts.topics.includes(filter.topic)) return false
  if (filter.clientId !== undefined && facts.clientId !== filter.clientId) return false
  if (filter.errorsOnly === true && (direction === 'request' || facts.errors.length === 0)) return false
  return true
}

/** True for a request whose exchange may turn out idle: hold it back until its response. */
export function mayBeIdle (request: DecodedFrame): boolean {
  const b = request.body as Record<string, unknown> | undefined
  if (b === undefined) return false
  if (HEARTBEATS.has(request.apiName)) return typeof b.memberEpoch === 'number' && b.memberEpoch > 0 && (b.subscribedTopicNames === null || b.subscribedTopicNames === undefined)
  if (FETCHES.has(request.apiName)) {
    const topics = (b.topics ?? []) as Array<{ partitions: Array<{ acknowledgementBatches?: unknown[] }> }>
    return topics.every(t => t.partitions.every(p => (p.acknowledgementBatches ?? []).length === 0))
  }
  return false
}

/**
 * True when a request that {@link mayBeIdle} got a response saying nothing new: a fetch that
 * returned no records and no error, a heartbeat answered without error, epoch change or
 * assignment.
 */
export function isIdleExchange (request: DecodedFrame, response: DecodedFrame): boolean {
  if (!mayBeIdle(request) || response.body === undefined || errorsIn(response.body).length > 0) return false
  const b = response.body as Record<string, unknown>
  if (HEARTBEATS.has(response.apiName)) {
    return (b.memberEpoch === undefined || b.memberEpoch === (request.body as { memberEpoch: number }).memberEpoch) &&
      (b.assignment === null || b.assignment === undefined)
  }
  const topics = (b.responses ?? []) as Array<{ partitions: Array<{ records?: Buffer | null, acquiredRecords?: unknown[] }> }>
  return topics.every(t => t.partitions.every(p => (p.records === null || p.records === undefined || p.records.length === 0) && (p.acquiredRecords ?? []).length === 0))
}

/** The filter options of `proxy` and `decode`, for `parseArgs`. */
export const FILTER_OPTIONS = {
  api: { type: 'string' },
  group: { type: 'string' },
  member: { type: 'string' },
  topic: { type: 'string' },
  'client-id': { type: 'string' },
  'errors-only': { type: 'boolean', default: false },
  'hide-idle': { type: 'boolean', default: false }
} as const

/** Help lines of the filter options. */
export const FILTER_HELP = `  --api NAME[,NAME]      only these APIs (e.g. ShareFetch,ShareAcknowledge)
  --group ID             only exchanges naming this group
  --member ID            only exchanges of this member
  --topic NAME           only exchanges naming this topic
  --client-id ID         only connections with this client id
  --errors-only          only responses carrying an error code
  --hide-idle            hide empty fetches and steady heartbeats
`

/** The filter `parseArgs` values describe. */
export function filterFromArgs (v: { api?: string, group?: string, member?: string, topic?: string, 'client-id'?: string, 'errors-only'?: boolean, 'hide-idle'?: boolean }): FrameFilter {
  return {
    apis: v.api?.split(',').map(a => a.trim()).filter(a => a !== ''),
    group: v.group,
    member: v.member,
    topic: v.topic,
    clientId: v['client-id'],
    errorsOnly: v['errors-only'],
    hideIdle: v['hide-idle']
  }
}
