import t from 'tap'
import { testBootstrap } from '../../harness/index.js'
import { BaseConsumer, type Message } from '../../../framework/index.js'
import { jobsFixture, startApp, waitFor } from '../../helpers/framework-setup.js'
import { shareGroupLag } from '../../helpers/share-setup.js'

// Proves on a real broker that virtual partitions process one polled batch in parallel jobs,
// each acknowledging its own messages exactly once.

t.test('virtual partitions: concurrency > 1 inside one batch, each message acked once', async (t) => {
  const count = 60
  const f = await jobsFixture(testBootstrap(), 'fw-vp', Array.from({ length: count }, (_, id) => ({ id })))
  let running = 0
  let most = 0
  const batchesSeen = new Set<string>()
  class Parallel extends BaseConsumer<{ id: number }> {
    async consume (messages: readonly Message<{ id: number }>[]): Promise<void> {
      most = Math.max(most, ++running)
      await new Promise((resolve) => setTimeout(resolve, 300))
      running--
      batchesSeen.add(messages.map((m) => m.offset).join(','))
      for (const m of messages) this.accept(m)
    }
  }
  const a = await startApp(f.bootstrap, (r) => r.shareGroup(f.groupId, (g) => {
    g.kafka({ 'share.auto.offset.reset': 'earliest' })
    g.topic(f.topic, (t) => t.consumer(Parallel).kafka({ 'max.poll.records': count }).virtualPartitions({ partitioner: 'round_robin', maxPartitions: 4 }))
  }), { concurrency: 4 })
  t.teardown(async () => { await a.app.stop() })
  await waitFor('all accepted', () => a.app.monitor.counters.accepted === count)
  t.ok(most > 1, `jobs of one batch ran in parallel (at most ${most} at once)`)
  const accepted = a.of('consumer.accepted').map((e) => e.offset)
  t.equal(accepted.length, count, 'one accept per message')
  t.equal(new Set(accepted).size, count, 'no message accepted twice')
  t.equal(a.app.monitor.counters.ackErrors, 0)
  await a.app.stop()
  const lag = await shareGroupLag(f.bootstrap, f.groupId, f.topic)
  t.same(lag.map((p) => p.lag), [0n], 'the broker agrees: lag 0')
})
