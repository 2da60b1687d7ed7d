import t from 'tap'
import { planFetches, type FetchCandidate, type FetchPolicy } from '../../../../client/share/fetch-policy.js'
import type { FetchLimits } from '../../../../client/share/share-session.js'

// Fetch planning over several leaders: who fetches, how many records each may acquire, and
// whether the fetch waits at the broker. The fetcher applies the plan (share-fetcher.test.ts).

const NOW = 1_000_000
const LIMITS: FetchLimits = { maxWaitMs: 500, minBytes: 1, maxBytes: 1 << 20, maxRecords: 500, batchSize: 500, shareAcquireMode: 1 }

function policy (p: Partial<FetchPolicy> = {}): FetchPolicy {
  return { enabled: true, recordLimit: true, pollWaiting: true, pollLimit: 10, pollDeadline: NOW + 5000, ...p }
}

function node (nodeId: number, c: Partial<FetchCandidate> = {}): FetchCandidate {
  return { nodeId, wanted: true, busy: false, asking: 0, buffered: 0, idleUntil: 0, hasAcks: false, lastFetchAt: 0, ...c }
}

/** nodeId → [maxRecords, maxWaitMs] of the plan. */
function plan (p: FetchPolicy, nodes: FetchCandidate[]): Record<number, [number, number]> {
  const out: Record<number, [number, number]> = {}
  for (const [id, l] of planFetches(p, LIMITS, nodes, NOW)) out[id] = [l.maxRecords, l.maxWaitMs]
  return out
}

t.test('record_limit, one leader: it waits at the broker for the poll, asking for what the poll takes', async t => {
  t.same(plan(policy(), [node(1)]), { 1: [10, 500] })
  t.same(plan(policy({ pollDeadline: NOW + 200 }), [node(1)]), { 1: [10, 200] }, 'no longer than the poll')
  t.same(plan(policy({ pollLimit: 1000 }), [node(1)]), { 1: [500, 500] }, 'never more than maxPollRecords')
  t.same(plan(policy(), [node(1, { idleUntil: NOW + 100 })]), { 1: [10, 500] }, 'a lone leader is not paced: its fetch waits at the broker')
  t.same(plan(policy({ pollWaiting: false }), [node(1)]), {}, 'no poll waiting: no fetch')
})

t.test('record_limit, several leaders: every leader is asked, none for more than its share, none waits at the broker', async t => {
  const three = [node(1), node(2), node(3)]
  t.same(plan(policy({ pollLimit: 10 }), three), { 1: [4, 0], 2: [3, 0], 3: [3, 0] })
  t.same(plan(policy({ pollLimit: 3 }), three), { 1: [1, 0], 2: [1, 0], 3: [1, 0] })
  t.same(plan(policy(), [node(1, { wanted: false }), node(2), node(3, { wanted: false })]), { 2: [10, 500] }, 'only one leader has partitions for us: it waits at the broker')
})

t.test('record_limit: records buffered and those fetches in flight may acquire count against the poll', async t => {
  t.same(plan(policy({ pollLimit: 10 }), [node(1, { busy: true, asking: 4 }), node(2), node(3)]), { 2: [3, 0], 3: [3, 0] })
  t.same(plan(policy({ pollLimit: 10 }), [node(1, { buffered: 7 }), node(2), node(3)]), { 2: [2, 0], 3: [1, 0] })
  t.same(plan(policy({ pollLimit: 4 }), [node(1, { busy: true, asking: 4 }), node(2)]), {}, 'nothing left to ask for')
})

t.test('record_limit: when the poll takes fewer records than there are leaders, the one asked longest ago goes first (no starvation)', async t => {
  const nodes = [node(1, { lastFetchAt: NOW - 10 }), node(2, { lastFetchAt: NOW - 30 }), node(3, { lastFetchAt: NOW - 20 })]
  t.same(plan(policy({ pollLimit: 1 }), nodes), { 2: [1, 0] })
  t.same(plan(policy({ pollLimit: 2 }), nodes), { 2: [1, 0], 3: [1, 0] })
  // Taking turns: whoever fetched last goes to the back, so over three rounds each leader is asked once.
  const asked: number[] = []
  let clock = NOW
  const rotating = [node(1), node(2), node(3)]
  for (let round = 0; round < 6; round++) {
    const [id] = [...planFetches(policy({ pollLimit: 1 }), LIMITS, rotating, clock).keys()]
    asked.push(id!)
    rotating.find(n => n.nodeId === id)!.lastFetchAt = clock++
  }
  t.same(asked, [1, 2, 3, 1, 2, 3])
})

t.test('record_limit: a leader that answered empty (paced) does not hold the others back', async t => {
  const nodes = [node(1, { idleUntil: NOW + 300 }), node(2), node(3, { idleUntil: NOW + 300 })]
  t.same(plan(policy({ pollLimit: 1 }), nodes), { 2: [1, 0] }, 'the poll\'s single record goes to the leader not known to be empty')
  t.same(plan(policy({ pollLimit: 1 }), [node(1, { idleUntil: NOW + 300, hasAcks: true }), node(2, { lastFetchAt: NOW })]), { 1: [1, 0] }, 'acks waiting overrule pacing')
  t.same(plan(policy(), [node(1, { idleUntil: NOW + 300 }), node(2, { idleUntil: NOW + 1 })]), {}, 'all paced: nothing until the earliest pacing ends')
})

t.test('no leader fetches while records it delivered wait in the buffer', async t => {
  t.same(plan(policy({ recordLimit: false, pollWaiting: false }), [node(1, { buffered: 3 }), node(2)]), { 2: [500, 0] })
})

t.test('batch_optimized: every free leader fetches as configured; prefetches do not wait at the broker and are paced after an empty one', async t => {
  const p = policy({ recordLimit: false, pollWaiting: false })
  t.same(plan(p, [node(1), node(2, { busy: true }), node(3, { idleUntil: NOW + 10 })]), { 1: [500, 0] })
  t.same(plan({ ...p, pollWaiting: true }, [node(1), node(3, { idleUntil: NOW + 10 })]), { 1: [500, 500], 3: [500, 500] }, 'a waiting poll fetches from every leader, waiting at the broker')
  t.same(plan({ ...p, enabled: false }, [node(1)]), {}, 'fetching off')
})
