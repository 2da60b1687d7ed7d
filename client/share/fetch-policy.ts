import type { FetchBuffer } from './fetch-buffer.js'
import type { NodeChannel } from './node-channel.js'
import type { FetchLimits } from './share-session.js'

/** When the fetcher may fetch, and how much, as the consumer decides it. */
export interface FetchPolicy {
  /** Fetching is on (a poll has happened, not closing, not failed). */
  enabled: boolean
  /** `record_limit`: fetch only for a waiting poll, with nothing buffered, from one node at a time. */
  recordLimit: boolean
  /** A poll is waiting for records. */
  pollWaiting: boolean
  /** Most records the waiting poll takes; `record_limit` asks the broker for no more (nothing waits in the buffer). */
  pollLimit: number
  /** Epoch ms when the waiting poll gives up; its fetch waits at the broker no longer than that. */
  pollDeadline: number
}

/**
 * True when `c` may fetch now: fetching is on, nothing of `c` is buffered (one response
 * per node at most: bounded memory) and an idle node's prefetch pacing allows it. `record_limit` also needs a waiting poll, an empty buffer
 * and no other fetch in flight, so records never wait in the buffer with their lock running.
 */
export function fetchAllowed (policy: FetchPolicy, c: NodeChannel, buffer: FetchBuffer, channels: Iterable<NodeChannel>, now: number): boolean {
  if (!policy.enabled || buffer.sizeOf(c.nodeId) > 0) return false
  // Prefetches do not wait at the broker, so after an empty one the next waits here instead
  // (one per maxWaitMs, as a long poll would); one that carries acknowledgements still goes.
  if (!policy.pollWaiting && c.idleUntil > now && c.outbox.isEmpty) return false
  if (!policy.recordLimit) return true
  if (!policy.pollWaiting || buffer.size > 0) return false
  for (const other of channels) if (other.fetching) return false
  return true
}

/**
 * The limits of a fetch: as configured, except that
 * - `record_limit` asks for no more than the waiting poll takes;
 * - a prefetch (no poll waiting) does not wait at the broker, and a waiting poll's fetch
 *   waits no longer than the poll: the node takes one request at a time, so a fetch parked
 *   at the broker would hold back the acks of a commitSync() or close() behind it.
 */
export function fetchLimits (policy: FetchPolicy, limits: FetchLimits, now: number): FetchLimits {
  const maxWaitMs = policy.pollWaiting ? Math.min(limits.maxWaitMs, Math.max(0, Math.ceil(policy.pollDeadline - now))) : 0
  const max = policy.pollLimit
  if (!policy.recordLimit || max >= limits.maxRecords) return maxWaitMs === limits.maxWaitMs ? limits : { ...limits, maxWaitMs }
  return { ...limits, maxWaitMs, maxRecords: max, batchSize: Math.min(limits.batchSize, max) }
}
