import t from 'tap'
import { testBootstrap } from '../../harness/index.js'
import { TRACE_CHANNELS } from '../../../client/tracing.js'
import { ConfigurationError, type ShareRecord } from '../../../index.js'
import { captureRequests, pollUntil, shareFixture, subscribedConsumer } from '../../helpers/share-setup.js'

interface FetchBody { memberId: string, maxRecords: number, batchSize: number }
interface FetchResponse { responses: Array<{ partitions: Array<{ acquiredRecords: Array<{ firstOffset: bigint, lastOffset: bigint }> }> }> }

/** Records acquired for `memberId` in the ShareFetch responses seen so far. */
function acquired (traces: ReturnType<typeof captureRequests>, memberId: string): number {
  let n = 0
  for (const r of traces) {
    if (r.api !== 'ShareFetch' || (r.request as FetchBody).memberId !== memberId) continue
    for (const topic of (r.response as FetchResponse).responses) {
      for (const p of topic.partitions) for (const a of p.acquiredRecords) n += Number(a.lastOffset - a.firstOffset) + 1
    }
  }
  return n
}

t.test('poll(timeout, { maxRecords }): at most that many per poll; poll(timeout) keeps maxPollRecords', async t => {
  const f = await shareFixture(testBootstrap(), 'polllimit', 1, 40)
  const consumer = subscribedConsumer(t, f, { acknowledgementMode: 'explicit', maxPollRecords: 20 })
  const sizes: number[] = []
  const limited = await pollUntil({ poll: async ms => await consumer.poll(ms, { maxRecords: 3 }) }, all => all.length >= 12, 30_000, b => sizes.push(b.length))
  t.ok(sizes.every(n => n <= 3), `batches of at most 3: ${sizes.join(',')}`)
  t.equal(limited.length, 12)
  for (const r of limited) consumer.acknowledge(r)
  const unlimited: number[] = []
  const rest = await pollUntil(consumer, all => all.length >= 28, 30_000, b => {
    unlimited.push(b.length)
    for (const r of b) consumer.acknowledge(r)
  })
  t.equal(rest.length, 28)
  t.ok(unlimited.some(n => n > 3) && unlimited.every(n => n <= 20), `without the option, up to maxPollRecords: ${unlimited.filter(n => n > 0).join(',')}`)
  t.same(new Set([...limited, ...rest].map(r => r.offset)).size, 40, 'every record once')
  t.same((await consumer.commitSync()).map(r => r.error), [null])
  await t.rejects(consumer.poll(10, { maxRecords: 0 }), ConfigurationError)
  await t.rejects(consumer.poll(10, { maxRecords: 1.5 }), ConfigurationError)
})

t.test('record_limit with maxRecords: the broker is asked for no more, so nothing waits in the buffer', async t => {
  const f = await shareFixture(testBootstrap(), 'polllimit-rl', 1, 30)
  const traces = captureRequests(t, TRACE_CHANNELS.end)
  const consumer = subscribedConsumer(t, f, { acknowledgementMode: 'explicit', acquireMode: 'record_limit', maxPollRecords: 10 })
  const handed: ShareRecord[] = []
  const limits = [1, 4, 2, 7, 3]
  for (let i = 0; handed.length < 30 && i < 200; i++) {
    const maxRecords = limits[i % limits.length]!
    // A poll that waits until records come: a fetch answered after a poll gave up would leave records buffered.
    const batch = await consumer.poll(15_000, { maxRecords })
    t.ok(batch.length <= maxRecords, `poll ${i}: ${batch.length} of at most ${maxRecords}`)
    handed.push(...batch)
    for (const r of batch) consumer.acknowledge(r)
    // Every record the broker gave this member so far is in the application's hands.
    t.equal(acquired(traces, consumer.memberId), handed.length, `poll ${i}: acquired = handed out (${handed.length})`)
  }
  t.equal(new Set(handed.map(r => r.offset)).size, 30, 'all 30 records, once each')
  const asked = traces.filter(r => r.api === 'ShareFetch' && (r.request as FetchBody).memberId === consumer.memberId && (r.request as FetchBody).maxRecords > 0)
    .map(r => (r.request as FetchBody).maxRecords)
  t.ok(asked.length > 0 && asked.every(n => limits.includes(n)), `fetches asked for ${[...new Set(asked)].join(', ')} records, never the default 10`)
  t.same((await consumer.commitSync()).map(r => r.error), [null])
})
