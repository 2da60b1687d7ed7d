/**
 * The share consumer on a cluster whose partition leaders are spread over three brokers
 * (issue: in `record_limit` mode only the first leader was ever fetched, and the records of
 * the other leaders sat in the topic with no error). Every record is counted.
 */
import t from 'tap'
import { ShareConsumer, type ShareRecord } from '../../../index.js'
import { TRACE_CHANNELS } from '../../../client/tracing.js'
import { threeNodeBootstrap } from '../../helpers/cluster.js'
import { leaders } from '../../helpers/share-failover.js'
import { captureRequests, shareFixture, shareGroupLag } from '../../helpers/share-setup.js'

const PARTITIONS = 6

let bootstrap: string
t.before(async () => { bootstrap = await threeNodeBootstrap(t) })

interface FetchBody { memberId: string, maxRecords: number }
interface FetchResponse { responses: Array<{ partitions: Array<{ acquiredRecords: Array<{ firstOffset: bigint, lastOffset: bigint }> }> }> }

/** Polls every consumer in turn, acknowledging what it gets, until `total` distinct records were accepted or `timeoutMs`. */
async function consumeAll (consumers: ShareConsumer[], total: number, timeoutMs: number, afterPoll: (c: ShareConsumer, batch: ShareRecord[]) => void = () => {}): Promise<Map<string, number>> {
  const seen = new Map<string, number>()
  const deadline = Date.now() + timeoutMs
  while (seen.size < total && Date.now() < deadline) {
    await Promise.all(consumers.map(async c => {
      const batch = await c.poll(500)
      for (const r of batch) {
        const key = `${r.partition}:${r.offset}`
        seen.set(key, (seen.get(key) ?? 0) + 1)
        c.acknowledge(r)
      }
      afterPoll(c, batch)
    }))
  }
  await Promise.all(consumers.map(async c => await c.commitSync()))
  return seen
}

t.test('record_limit, one consumer, six partitions on three leaders: every leader is fetched, every record consumed, nothing left in the buffer', async t => {
  const f = await shareFixture(bootstrap, 'leaders-rl', PARTITIONS, 600)
  const spread = new Set(await leaders(bootstrap, f.topic))
  t.ok(spread.size >= 3, `partition leaders spread over ${spread.size} brokers`)
  const traces = captureRequests(t, TRACE_CHANNELS.end)
  const consumer = new ShareConsumer({ bootstrapServers: bootstrap, groupId: f.groupId, acknowledgementMode: 'explicit', acquireMode: 'record_limit', maxPollRecords: 5 })
  t.teardown(() => consumer.close())
  consumer.subscribe([f.topic])
  let handed = 0
  let overAcquired = 0
  const acquired = (): number => {
    let n = 0
    for (const r of traces) {
      if (r.api !== 'ShareFetch' || r.response === undefined || (r.request as FetchBody).memberId !== consumer.memberId) continue
      for (const topic of (r.response as FetchResponse).responses) for (const p of topic.partitions) for (const a of p.acquiredRecords) n += Number(a.lastOffset - a.firstOffset) + 1
    }
    return n
  }
  const seen = await consumeAll([consumer], 600, 90_000, (_c, batch) => {
    handed += batch.length
    if (acquired() > handed) overAcquired++
  })
  t.equal(seen.size, 600, 'all 600 records consumed (before the fix: only the first leader\'s partitions)')
  t.same([...seen.values()].filter(n => n > 1), [], 'none twice')
  t.equal(overAcquired, 0, 'after every poll, every record acquired was in the application\'s hands (record_limit)')
  const fetchedFrom = new Set(traces.filter(r => r.api === 'ShareFetch' && (r.request as FetchBody).memberId === consumer.memberId && (r.request as FetchBody).maxRecords > 0).map(r => r.broker.nodeId))
  t.same([...fetchedFrom].sort(), [...spread].sort(), 'ShareFetch went to every leader')
  const asked = traces.filter(r => r.api === 'ShareFetch' && (r.request as FetchBody).memberId === consumer.memberId).map(r => (r.request as FetchBody).maxRecords)
  t.ok(asked.every(n => n <= 5), `no fetch asked for more than the poll takes (${Math.max(...asked)})`)
  t.ok((await shareGroupLag(bootstrap, f.groupId, f.topic)).every(p => p.lag === 0n), 'lag 0 on every partition')
})

for (const acquireMode of ['record_limit', 'batch_optimized'] as const) {
  t.test(`${acquireMode}, three consumers, six partitions on three leaders: all records, once each, lag 0`, async t => {
    const f = await shareFixture(bootstrap, `leaders-3c-${acquireMode === 'record_limit' ? 'rl' : 'bo'}`, PARTITIONS, 3000)
    const consumers = [0, 1, 2].map(() => new ShareConsumer({ bootstrapServers: bootstrap, groupId: f.groupId, acknowledgementMode: 'explicit', acquireMode, maxPollRecords: 50 }))
    for (const c of consumers) {
      t.teardown(() => c.close())
      c.subscribe([f.topic])
    }
    const seen = await consumeAll(consumers, 3000, 120_000)
    t.equal(seen.size, 3000, 'every record consumed')
    t.same([...seen.values()].filter(n => n > 1).length, 0, 'none twice (no lock ran out)')
    t.ok((await shareGroupLag(bootstrap, f.groupId, f.topic)).every(p => p.lag === 0n), 'lag 0 on every partition')
  })
}
