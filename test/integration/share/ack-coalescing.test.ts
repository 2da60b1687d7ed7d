/**
 * A trickle of acknowledgements after a partition ran dry (issue: each single accept went out
 * in a ShareFetch of its own, about 10 ms apart). Acks that only a request of their own would
 * carry now wait briefly for company.
 */
import t from 'tap'
import { testBootstrap } from '../../harness/index.js'
import { TRACE_CHANNELS } from '../../../client/tracing.js'
import { ShareConsumer } from '../../../index.js'
import { captureRequests, pollUntil, shareFixture } from '../../helpers/share-setup.js'

interface AckCarrier { memberId: string, topics: Array<{ partitions: Array<{ acknowledgementBatches: unknown[] }> }> }

t.test('40 single accepts 10 ms apart on a drained partition share requests (one per ~50 ms, not one each); none is lost', async t => {
  const f = await shareFixture(testBootstrap(), 'coalesce', 1, 40)
  const consumer = new ShareConsumer({ bootstrapServers: f.bootstrap, groupId: f.groupId, acknowledgementMode: 'explicit', maxPollRecords: 40 })
  t.teardown(() => consumer.close())
  consumer.subscribe([f.topic])
  const held = await pollUntil(consumer, all => all.length >= 40, 30_000)
  t.equal(held.length, 40)
  await new Promise(resolve => setTimeout(resolve, 300)) // the partition is drained: the prefetch came back empty
  const traces = captureRequests(t, TRACE_CHANNELS.start)
  const results: Array<{ offsets: bigint[], error: unknown }> = []
  consumer.onAcknowledgementCommit(r => results.push(...r))
  for (const r of held) {
    consumer.acknowledge(r)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
  for (let i = 0; i < 50 && results.flatMap(r => r.offsets).length < 40; i++) await new Promise(resolve => setTimeout(resolve, 50))
  const carrying = traces.filter(r => (r.api === 'ShareFetch' || r.api === 'ShareAcknowledge') && (r.request as AckCarrier).memberId === consumer.memberId &&
    (r.request as AckCarrier).topics.some(topic => topic.partitions.some(p => p.acknowledgementBatches.length > 0)))
  t.equal(results.flatMap(r => r.offsets).length, 40, 'every accept confirmed')
  t.ok(results.every(r => r.error === null), 'all applied')
  t.ok(carrying.length <= 15, `${carrying.length} requests carried the 40 accepts (26 before acks lingered)`)
})
