import t from 'tap'
import { testBootstrap } from '../../harness/index.js'
import { BaseConsumer, type Message } from '../../../framework/index.js'
import { headersOf, jobsFixture, readTopic, startApp, waitFor } from '../../helpers/framework-setup.js'

// Proves on a real broker: a transient failure is released and comes back with delivery
// attempt 2 and is then accepted; a permanent failure is dead-lettered with the documented
// headers and never delivered again; a record out of attempts is dead-lettered and rejected.

interface Job { id: number, kind: 'ok' | 'transient' | 'permanent' | 'always' }

class PermanentError extends Error {
  override name = 'PermanentError'
}

const deliveries: Array<{ id: number, attempt: number }> = []

class Jobs extends BaseConsumer<Job> {
  consume (messages: readonly Message<Job>[]): void {
    for (const m of messages) {
      deliveries.push({ id: m.payload.id, attempt: m.deliveryAttempt })
      if (m.payload.kind === 'transient' && !m.redelivered) this.release(m)
      else if (m.payload.kind === 'permanent') this.reject(m, new PermanentError(`job ${m.payload.id} cannot succeed`))
      else if (m.payload.kind === 'always') throw new Error(`job ${m.payload.id} failed again`)
      else this.accept(m)
    }
  }
}

t.test('transient → redelivered with attempt 2 → accepted; permanent → DLQ with headers, never again; exhausted → DLQ + reject', async (t) => {
  const jobs: Job[] = [{ id: 0, kind: 'ok' }, { id: 1, kind: 'transient' }, { id: 2, kind: 'permanent' }, { id: 3, kind: 'always' }]
  const f = await jobsFixture(testBootstrap(), 'fw-retries', jobs)
  const run = await startApp(f.bootstrap, (r) => r.shareGroup(f.groupId, (g) => {
    g.kafka({ 'share.auto.offset.reset': 'earliest' })
    g.topic(f.topic, (t) => t.consumer(Jobs).deadLetterQueue({ topic: f.dlqTopic, maxAttempts: 3 }).retryBackoff({ initialMs: 200, maxMs: 200 }))
  }))
  t.teardown(async () => { await run.app.stop() })
  await waitFor('every job decided', () => run.app.monitor.counters.accepted === 2 && run.app.monitor.counters.rejected === 2)
  // Give a rejected record the time it would need to come back, if it could.
  await new Promise((resolve) => setTimeout(resolve, 3000))
  const of = (id: number): number[] => deliveries.filter((d) => d.id === id).map((d) => d.attempt)
  t.same(of(0), [1], 'ok: once')
  t.same(of(1), [1, 2], 'transient: released, then redelivered with deliveryAttempt 2 and accepted')
  t.same(of(2), [1], 'permanent: never redelivered')
  t.same(of(3), [1, 2, 3], 'always failing: attempts 1..3, then dead-lettered')
  t.same(run.of('consumer.released').map((e) => e.reason).sort(), ['backoff', 'backoff', 'explicit'])
  t.same(run.of('consumer.rejected').map((e) => e.reason).sort(), ['attempts_exhausted', 'explicit'])
  t.same(run.of('error.occurred').filter((e) => e.source !== 'consumer.consume'), [], 'no other error')

  const dead = await readTopic(f.bootstrap, f.dlqTopic, 2)
  t.equal(dead.length, 2, 'two dead letters')
  const byId = new Map(dead.map((r) => [JSON.parse(r.value?.toString() ?? 'null').id as number, r]))
  const permanent = byId.get(2)
  t.same(headersOf(permanent!), {
    'kshare.original.topic': f.topic,
    'kshare.original.partition': '0',
    'kshare.original.offset': '2',
    'kshare.delivery.attempt': '1',
    'kshare.error.class': 'PermanentError',
    'kshare.error.message': 'job 2 cannot succeed'
  })
  t.equal(permanent?.key?.toString(), '2', 'original key kept')
  t.match(headersOf(byId.get(3)!), { 'kshare.original.offset': '3', 'kshare.delivery.attempt': '3', 'kshare.error.class': 'Error', 'kshare.error.message': 'job 3 failed again' })
})
