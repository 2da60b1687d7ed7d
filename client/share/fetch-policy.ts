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
}

/**
 * True when `c` may fetch now: fetching is on and nothing of `c` is buffered (one response
 * per node at most: bounded memory). `record_limit` also needs a waiting poll, an empty buffer
 * and no other fetch in flight, so records never wait in the buffer with their lock running.
 */
export function fetchAllowed (policy: FetchPolicy, c: NodeChannel, buffer: FetchBuffer, channels: Iterable<NodeChannel>): boolean {
  if (!policy.enabled || buffer.sizeOf(c.nodeId) > 0) return false
  if (!policy.recordLimit) return true
  if (!policy.pollWaiting || buffer.size > 0) return false
  for (const other of channels) if (other.fetching) return false
  return true
}

/** The limits of a fetch: as configured; `record_limit` asks for no more than the waiting poll takes. */
export function fetchLimits (policy: FetchPolicy, limits: FetchLimits): FetchLimits {
  const max = policy.pollLimit
  if (!policy.recordLimit || max >= limits.maxRecords) return limits
  return { ...limits, maxRecords: max, batchSize: Math.min(limits.batchSize, max) }
}
