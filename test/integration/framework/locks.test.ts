import t from 'tap'
import { testBootstrap } from '../../harness/index.js'
import { BaseConsumer, type Message } from '../../../framework/index.js'
import { jobsFixture, startApp, waitFor } from '../../helpers/framework-setup.js'

// Proves on a real broker that the framework keeps the locks of the records it holds: a job
// running three lock durations keeps its records (automatic renewal) and no other member
// receives them; slow workers with a small lock lose no record while it waits for a worker.

const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))

t.test('a job running 3× the lock keeps its records; nobody else receives them', async (t) => {
  const f = await jobsFixture(testBootstrap(), 'fw-long', [{ id: 1 }, { id: 2 }])
  const deliveries: Array<{ who: string, id: number, attempt: number }> = []
  const consumerFor = (who: string): new () => BaseConsumer<{ id: number }> => class extends BaseConsumer<{ id: number }> {
    async consume (messages: readonly Message<{ id: number }>[]): Promise<void> {
      for (const m of messages) deliveries.push({ who, id: m.payload.id, attempt: m.deliveryAttempt })
      await sleep(9000) // the group's lock is 3 s
    }
  }
  const draw = (who: string) => (r: Parameters<Parameters<typeof startApp>[1]>[0]): void => {
    r.shareGroup(f.groupId, (g) => {
      g.kafka({ 'share.auto.offset.reset': 'earliest', 'share.record.lock.duration.ms': 3000 })
      g.topic(f.topic, (t) => t.consumer(consumerFor(who)))
    })
  }
  const a = await startApp(f.bootstrap, draw('a'))
  const b = await startApp(f.bootstrap, draw('b'))
  t.teardown(async () => { await Promise.all([a.app.stop(), b.app.stop()]) })
  await waitFor('both records accepted', () => a.app.monitor.counters.accepted + b.app.monitor.counters.accepted === 2, 60_000)
  await sleep(3500) // a lost lock would show as a redelivery by now
  t.equal(deliveries.length, 2, `each record delivered once: ${JSON.stringify(deliveries)}`)
  t.ok(deliveries.every((d) => d.attempt === 1), 'first delivery only')
  const holder = deliveries[0]?.who === 'a' ? a : b
  t.ok(holder.app.monitor.counters.renewed >= 4, `renewed while the job ran (${holder.app.monitor.counters.renewed} record renewals)`)
  t.equal(a.app.monitor.counters.lockExpiries + b.app.monitor.counters.lockExpiries, 0, 'lock.expired: 0')
  t.equal(a.app.monitor.counters.ackErrors + b.app.monitor.counters.ackErrors, 0, 'the accepts after 9 s were applied')
})

t.test('slow workers (jobs longer than the lock): no record expires waiting in a buffer', async (t) => {
  const count = 8
  const f = await jobsFixture(testBootstrap(), 'fw-slow', Array.from({ length: count }, (_, id) => ({ id })))
  const attempts: number[] = []
  class Slow extends BaseConsumer<{ id: number }> {
    async consume (messages: readonly Message<{ id: number }>[]): Promise<void> {
      for (const m of messages) attempts.push(m.deliveryAttempt)
      await sleep(2500) // longer than the 2 s lock: a record that waited in any buffer meanwhile would expire
    }
  }
  const a = await startApp(f.bootstrap, (r) => r.shareGroup(f.groupId, (g) => {
    g.kafka({ 'share.auto.offset.reset': 'earliest', 'share.record.lock.duration.ms': 2000 })
    g.topic(f.topic, (t) => t.consumer(Slow).jobsBuilder('per_message').kafka({ 'max.poll.records': count }))
  }), { concurrency: 2 })
  t.teardown(async () => { await a.app.stop() })
  await waitFor('all accepted', () => a.app.monitor.counters.accepted === count, 90_000)
  t.equal(a.of('lock.expired').length, 0, 'lock.expired events: 0')
  // Records that expire before the framework gets them (e.g. prefetched into the client's
  // buffer) never raise lock.expired: they show up as later delivery attempts.
  t.same(attempts, Array(count).fill(1), 'every record processed once, on its first delivery')
  const polls = a.of('listener.polled').filter((p) => p.count > 0)
  t.ok(polls.every((p) => p.maxRecords <= 2), 'no poll asked for more than the two workers')
  t.ok(polls.every((p) => p.count <= p.maxRecords), `no poll brought more records than free workers: ${JSON.stringify(polls.map((p) => [p.count, p.maxRecords]))}`)
  t.equal(a.app.monitor.counters.ackErrors, 0)
})
