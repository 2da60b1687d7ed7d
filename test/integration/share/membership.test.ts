import t from 'tap'
import { testBootstrap } from '../../harness/index.js'
import { TRACE_CHANNELS, type RequestTrace } from '../../../client/tracing.js'
import { captureRequests, pollUntil, produceRecords, shareFixture, subscribedConsumer } from '../../helpers/share-setup.js'

// The test brokers (harness and scratch) use group.share.session.timeout.ms=10000.
const SESSION_TIMEOUT_MS = 10_000

t.test('a member dropped by the coordinator rejoins at epoch 0 with the same id; acks of held records still count', async t => {
  const f = await shareFixture(testBootstrap(), 'fenced', 1, 5)
  const traces = captureRequests(t, TRACE_CHANNELS.end)
  const consumer = subscribedConsumer(t, f, { acknowledgementMode: 'explicit' })
  const held = await pollUntil(consumer, all => all.length >= 5, 30_000)
  t.equal(held.length, 5)
  // Silence the heartbeats (as a stalled process would) until the coordinator drops the member.
  const heartbeat = (consumer as unknown as { heartbeat: { stop: () => void, stopped: boolean, schedule: (ms: number) => void } }).heartbeat
  heartbeat.stop()
  await new Promise(resolve => setTimeout(resolve, SESSION_TIMEOUT_MS + 3000))
  const mark = traces.length
  heartbeat.stopped = false
  heartbeat.schedule(0)
  const deadline = Date.now() + 15_000
  const heartbeats = (): RequestTrace[] => traces.slice(mark).filter(r => r.api === 'ShareGroupHeartbeat')
  while (Date.now() < deadline && !heartbeats().some(r => (r.request as { memberEpoch: number }).memberEpoch === 0)) await new Promise(resolve => setTimeout(resolve, 100))
  const [fenced, rejoin] = heartbeats()
  const code = (fenced?.response as { errorCode: number } | undefined)?.errorCode
  t.ok(code === 25 || code === 110, `the coordinator no longer knows the member (error ${code})`)
  t.equal((rejoin?.request as { memberEpoch: number, memberId: string } | undefined)?.memberEpoch, 0, 'rejoins with epoch 0')
  t.equal((rejoin?.request as { memberId: string } | undefined)?.memberId, consumer.memberId, 'keeping its member id')
  for (const r of held) consumer.acknowledge(r)
  const results = await consumer.commitSync()
  t.same(results.map(r => [r.offsets.length, r.error]), [[5, null]], 'the records held across the rejoin are accepted')
  // And it is a member again: new records reach it.
  await produceRecords(f.bootstrap, f.topic, 3, 1)
  const more = await pollUntil(consumer, all => all.length >= 3, 30_000)
  t.equal(more.length, 3, 'fetching resumed after the rejoin')
  for (const r of more) consumer.acknowledge(r)
  t.same((await consumer.commitSync()).map(r => r.error), [null])
})
