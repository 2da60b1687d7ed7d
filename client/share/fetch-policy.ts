import type { FetchLimits } from './share-session.js'

/** What the consumer's poll asks of the fetcher now. */
export interface FetchPolicy {
  /** Fetching is on (a poll has happened, not closing, not failed). */
  enabled: boolean
  /** `record_limit`: fetch only for a waiting poll, and acquire no more than it takes (nothing waits in the buffer). */
  recordLimit: boolean
  /** A poll is waiting for records. */
  pollWaiting: boolean
  /** Most records the waiting poll takes. */
  pollLimit: number
  /** Epoch ms when the waiting poll gives up; its fetches wait at the broker no longer than that. */
  pollDeadline: number
}

/** One leader as {@link planFetches} sees it. */
export interface FetchCandidate {
  /** Leader node id. */
  nodeId: number
  /** It leads partitions assigned to us. */
  wanted: boolean
  /** A request to it is in flight (one at a time). */
  busy: boolean
  /** Records its fetch in flight may still acquire (its MaxRecords; 0 when none is in flight). */
  asking: number
  /** Records it delivered that wait in the buffer. */
  buffered: number
  /** After an empty fetch that did not wait at the broker, none before this (epoch ms) unless acks go with it. */
  idleUntil: number
  /** Acknowledgements wait for it (a fetch would carry them). */
  hasAcks: boolean
  /** Epoch ms its last fetch started: the longest unasked leader goes first when records are scarce. */
  lastFetchAt: number
}

/**
 * Which leaders fetch now, and with what limits: the fetch planning of the share consumer,
 * without I/O. A leader with records of ours still in the buffer never fetches (one response
 * per leader at most: memory stays bounded however slow the application is).
 *
 * `batch_optimized`: every leader fetches as configured. A prefetch (no poll waiting) does not
 * wait at the broker; after an empty one the next waits here instead (one per `maxWaitMs`, as
 * a long poll would), unless it carries acknowledgements. A waiting poll's fetch waits at the
 * broker no longer than the poll: the leader takes one request at a time, so a fetch parked at
 * the broker would hold back the acks of a commitSync() or close() behind it.
 *
 * `record_limit` keeps its promise — no record waits in the buffer with its lock running —
 * by fetching only for a waiting poll and by never asking all leaders together for more than
 * that poll takes: records in the buffer and those that fetches in flight may still acquire
 * count against the poll's limit, and the rest is shared among the leaders that may fetch, the
 * one asked longest ago first (so when the poll takes fewer records than there are leaders,
 * the leaders take turns: none starves). With one leader its fetch waits at the broker for
 * records as usual. With several, fetches do not wait at the broker, so a leader without
 * records never holds the poll's share while another has them; a leader that answered empty
 * is paced as a prefetch is (once per `maxWaitMs`).
 */
export function planFetches (policy: FetchPolicy, limits: FetchLimits, candidates: readonly FetchCandidate[], now: number): Map<number, FetchLimits> {
  const plan = new Map<number, FetchLimits>()
  if (!policy.enabled || (policy.recordLimit && !policy.pollWaiting)) return plan
  const pollWaitMs = Math.min(limits.maxWaitMs, Math.max(0, Math.ceil(policy.pollDeadline - now)))
  const free = (c: FetchCandidate): boolean => c.wanted && !c.busy && c.buffered === 0
  const paced = (c: FetchCandidate): boolean => c.idleUntil > now && !c.hasAcks
  if (!policy.recordLimit) {
    const maxWaitMs = policy.pollWaiting ? pollWaitMs : 0
    const fetchLimits = maxWaitMs === limits.maxWaitMs ? limits : { ...limits, maxWaitMs }
    for (const c of candidates) if (free(c) && (policy.pollWaiting || !paced(c))) plan.set(c.nodeId, fetchLimits)
    return plan
  }
  let budget = policy.pollLimit
  for (const c of candidates) budget -= c.buffered + c.asking
  const single = candidates.filter(c => c.wanted).length === 1
  const eligible = candidates.filter(c => free(c) && (single || !paced(c))).sort((a, b) => a.lastFetchAt - b.lastFetchAt || a.nodeId - b.nodeId)
  const shared = Math.min(eligible.length, Math.max(0, budget))
  const maxWaitMs = single ? pollWaitMs : 0
  for (let i = 0; i < shared; i++) {
    const maxRecords = Math.min(limits.maxRecords, Math.floor(budget / shared) + (i < budget % shared ? 1 : 0))
    plan.set(eligible[i]!.nodeId, { ...limits, maxWaitMs, maxRecords, batchSize: Math.min(limits.batchSize, maxRecords) })
  }
  return plan
}
