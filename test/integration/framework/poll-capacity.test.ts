import t from 'tap'
import { testBootstrap } from '../../harness/index.js'
import { BaseConsumer, type Message } from '../../../framework/index.js'
import { jobsFixture, startApp, waitFor } from '../../helpers/framework-setup.js'

// With kshare's share consumer the listener polls for as many records as there are idle
// workers (poll(timeout, { maxRecords })): it polls while other workers are still busy,
// instead of waiting until a whole poll's worth of workers is free.

const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))

t.test('per-message jobs: polls take the free workers\' share while others are busy', async (t) => {
  const count = 12
  const f = await jobsFixture(testBootstrap(), 'fw-capacity', Array.from({ length: count }, (_, id) => ({ id })))
  let running = 0
  class Uneven extends BaseConsumer<{ id: number }> {
    async consume (messages: readonly Message<{ id: number }>[]): Promise<void> {
      running++
      await sleep(150 + 350 * ((messages[0]?.payload.id ?? 0) % 3)) // 150, 500, 850 ms
      running--
    }
  }
  const a = await startApp(f.bootstrap, (r) => r.shareGroup(f.groupId, (g) => {
    g.kafka({ 'share.auto.offset.reset': 'earliest' })
    g.topic(f.topic, (t) => t.consumer(Uneven).jobsBuilder('per_message'))
  }), { concurrency: 3 })
  t.teardown(async () => { await a.app.stop() })
  const busyAtPoll: number[] = [] // jobs running when a poll brought records
  a.app.monitor.on('listener.polled', (p) => { if (p.count > 0) busyAtPoll.push(running) })
  await waitFor('all accepted', () => a.app.monitor.counters.accepted === count, 60_000)
  const polls = a.of('listener.polled').filter((p) => p.count > 0)
  t.ok(polls.every((p) => p.count <= p.maxRecords && p.maxRecords <= 3), `no poll brought more than its free workers: ${JSON.stringify(polls.map((p) => [p.count, p.maxRecords]))}`)
  t.ok(polls.some((p) => p.maxRecords < 3), 'some polls ran while other workers were busy')
  // A client that cannot limit a poll makes the listener wait for all three workers (0 running).
  t.ok(busyAtPoll.some((n) => n > 0), `records polled while jobs ran: ${busyAtPoll.join(',')} running at each poll`)
  t.equal(a.app.monitor.counters.ackErrors, 0)
  t.equal(a.of('consumer.consumed').length, count, 'each record consumed once')
})
