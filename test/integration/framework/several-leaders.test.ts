/**
 * The framework with its defaults (acquire mode `record_limit`) on six partitions whose
 * leaders are spread over three brokers. Before the fix it processed about half of the
 * records and left the rest in the topic, with no error and no warning.
 */
import t from 'tap'
import { BaseConsumer, type Message } from '../../../framework/index.js'
import { threeNodeBootstrap } from '../../helpers/cluster.js'
import { jobsFixture, startApp, waitFor } from '../../helpers/framework-setup.js'
import { leaders } from '../../helpers/share-failover.js'
import { shareGroupLag } from '../../helpers/share-setup.js'

const COUNT = 3000

let bootstrap: string
t.before(async () => { bootstrap = await threeNodeBootstrap(t) })

t.test('defaults, two Apps, six partitions on three leaders: every job consumed once, lag 0', async t => {
  const f = await jobsFixture(bootstrap, 'fw-leaders', Array.from({ length: COUNT }, (_, seq) => ({ seq })), 6)
  t.equal(new Set(await leaders(bootstrap, f.topic)).size, 3, 'leaders on three brokers')
  const consumed = new Map<number, number>()
  class Jobs extends BaseConsumer<{ seq: number }> {
    async consume (messages: readonly Message<{ seq: number }>[]): Promise<void> {
      for (const m of messages) consumed.set(m.payload.seq, (consumed.get(m.payload.seq) ?? 0) + 1)
    }
  }
  const apps = await Promise.all([0, 1].map(async () => await startApp(f.bootstrap, (r) => r.shareGroup(f.groupId, (g) => {
    g.kafka({ 'share.auto.offset.reset': 'earliest' })
    g.topic(f.topic, (tp) => tp.consumer(Jobs))
  }), { concurrency: 4 })))
  t.teardown(async () => { await Promise.all(apps.map(async a => { await a.app.stop() })) })
  const accepted = (): number => apps.reduce((n, a) => n + a.app.monitor.counters.accepted, 0)
  await waitFor(`${COUNT} jobs accepted`, () => accepted() >= COUNT, 120_000).catch(err => t.fail(`${String(err)}: accepted ${accepted()}, consumed ${consumed.size}`))
  t.equal(consumed.size, COUNT, 'every job reached consume()')
  t.same([...consumed].filter(([, n]) => n > 1).map(([seq]) => seq), [], 'none twice')
  t.equal(apps.reduce((n, a) => n + a.app.monitor.counters.ackErrors, 0), 0, 'no acknowledgement failed')
  let lag: Array<{ partition: number, lag: bigint | null }> = []
  for (let i = 0; i < 20; i++) {
    lag = await shareGroupLag(bootstrap, f.groupId, f.topic)
    if (lag.every(p => p.lag === 0n)) break
    await new Promise(resolve => setTimeout(resolve, 500))
  }
  t.same(lag.map(p => p.lag), [0n, 0n, 0n, 0n, 0n, 0n], 'lag 0 on every partition')
})
