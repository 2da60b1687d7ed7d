import t from 'tap'
import { testBootstrap } from '../../harness/index.js'
import { TRACE_CHANNELS } from '../../../client/tracing.js'
import { ShareConsumer, ShareSessionLostError, type ShareRecord } from '../../../index.js'
import { captureRequests, pollUntil, shareFixture, subscribedConsumer } from '../../helpers/share-setup.js'

t.test('explicit mode: commitSync returns one result per partition', async t => {
  const f = await shareFixture(testBootstrap(), 'commit', 3, 30)
  const consumer = subscribedConsumer(t, f, { acknowledgementMode: 'explicit' })
  const records = await pollUntil(consumer, all => all.length >= 30, 30_000)
  t.equal(records.length, 30)
  const types = ['accept', 'release', 'reject'] as const
  for (const r of records) consumer.acknowledge(r, types[r.partition]!)
  const results = (await consumer.commitSync()).sort((a, b) => a.partition - b.partition)
  t.same(results.map(r => ({ topic: r.topic, partition: r.partition, count: r.offsets.length, error: r.error })), [
    { topic: f.topic, partition: 0, count: 10, error: null },
    { topic: f.topic, partition: 1, count: 10, error: null },
    { topic: f.topic, partition: 2, count: 10, error: null }
  ])
  t.same(results[0]!.offsets, [...results[0]!.offsets].sort((a, b) => (a < b ? -1 : 1)), 'offsets ascending')
  t.same(await consumer.commitSync(), [], 'nothing left to commit')
  // Partition 1 was released: it comes back (delivery 2); partitions 0 and 2 do not.
  const back = await pollUntil(consumer, all => all.length >= 10, 30_000)
  t.same([...new Set(back.map(r => r.partition))], [1])
  t.ok(back.every(r => r.deliveryCount === 2))
  for (const r of back) consumer.acknowledge(r)
  t.same((await consumer.commitSync()).map(r => r.error), [null])
})

t.test('close() releases unacknowledged records (epoch -1) and leaves; another member gets them at once', async t => {
  const f = await shareFixture(testBootstrap(), 'close', 1, 10)
  const requests = captureRequests(t, TRACE_CHANNELS.start)
  const first = new ShareConsumer({ bootstrapServers: f.bootstrap, groupId: f.groupId, acknowledgementMode: 'explicit' })
  const second = new ShareConsumer({ bootstrapServers: f.bootstrap, groupId: f.groupId, acknowledgementMode: 'explicit' })
  t.teardown(() => second.close())
  first.subscribe([f.topic])
  const held = await pollUntil(first, all => all.length >= 10, 30_000)
  t.equal(held.length, 10)
  second.subscribe([f.topic])
  await pollUntil(second, () => false, 1500) // joined and fetching: nothing to get while the first holds all
  const closedAt = Date.now()
  await first.close()
  const got = await pollUntil(second, all => all.length >= 10, 10_000)
  const waited = Date.now() - closedAt
  t.equal(got.length, 10, 'the second member received every record')
  t.ok(got.every(r => r.deliveryCount === 2), 'as second deliveries')
  t.ok(waited < 5000, `within ${waited} ms of close(), far below the 30 s lock`)
  const mine = requests.filter(r => (r.request as { memberId?: string }).memberId === first.memberId)
  const finalAck = mine.find(r => r.api === 'ShareAcknowledge' && (r.request as { shareSessionEpoch: number }).shareSessionEpoch === -1)
  t.ok(finalAck, 'close sent ShareAcknowledge with epoch -1')
  const leave = mine.find(r => r.api === 'ShareGroupHeartbeat' && (r.request as { memberEpoch: number }).memberEpoch === -1)
  t.ok(leave, 'close left the group with a heartbeat at epoch -1')
  t.ok(mine.indexOf(finalAck!) < mine.indexOf(leave!), 'acknowledgements first, then leave')
  for (const r of got) second.acknowledge(r)
  t.same((await second.commitSync()).map(r => r.error), [null])
})

t.test('a lost fetch connection ends the session: acks of its records fail, fetching resumes at epoch 0', async t => {
  const f = await shareFixture(testBootstrap(), 'lost', 1, 20)
  const requests = captureRequests(t, TRACE_CHANNELS.start)
  const consumer = subscribedConsumer(t, f, { acknowledgementMode: 'explicit', maxPollRecords: 10 })
  const before = await pollUntil(consumer, all => all.length > 0, 30_000)
  t.ok(before.length > 0)
  // Drop the fetch connection, as a network failure would (the broker then drops the session and releases the records).
  const pool = (consumer as unknown as { cluster: { pool: { list: () => Array<{ purpose: string, close: () => Promise<void> }> } } }).cluster.pool
  const fetchConns = pool.list().filter(c => c.purpose === 'fetch')
  t.equal(fetchConns.length, 1)
  const mark = requests.length
  await fetchConns[0]!.close()
  const failures: unknown[] = []
  consumer.onAcknowledgementCommit(results => failures.push(...results.map(r => r.error)))
  consumer.acknowledge(before[0]!, 'accept')
  t.type(failures[0], ShareSessionLostError, 'an ack for a record of the lost session fails at once')
  const [lost] = await consumer.commitSync()
  t.type(lost?.error, ShareSessionLostError, 'commitSync reports it too')
  t.same(lost?.offsets, [before[0]!.offset])
  const seen = new Map<bigint, ShareRecord>()
  await pollUntil(consumer, () => seen.size >= 20, 30_000, batch => { for (const r of batch) { seen.set(r.offset, r); consumer.acknowledge(r) } })
  t.equal(seen.size, 20, 'every record delivered after the reconnect (released ones again)')
  const fetches = requests.slice(mark).filter(r => r.api === 'ShareFetch').map(r => (r.request as { shareSessionEpoch: number }).shareSessionEpoch)
  t.equal(fetches[0], 0, 'the first ShareFetch after the loss opens a new session')
  t.same((await consumer.commitSync()).map(r => r.error), [null])
})
