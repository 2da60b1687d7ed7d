import t from 'tap'
import { testBootstrap } from '../../harness/index.js'
import { BackoffExceedsLockDurationError, BaseConsumer, type Message, type RoutesBuilder } from '../../../framework/index.js'
import { jobsFixture, startApp, waitFor, type JobsFixture, type RunningApp } from '../../helpers/framework-setup.js'

// Proves on a real broker that pause(message, backoffMs) holds the record: no member of the
// group receives it before the backoff ends, then it comes back. Without renewal a backoff
// longer than the lock is refused; with renewal it is honoured.

interface Delivery { who: string, id: number, attempt: number, at: number }

function consumerFor (who: string, log: Delivery[], onFirst: (c: BaseConsumer<{ id: number }>, m: Message<{ id: number }>) => void): new () => BaseConsumer<{ id: number }> {
  return class extends BaseConsumer<{ id: number }> {
    consume (messages: readonly Message<{ id: number }>[]): void {
      for (const m of messages) {
        log.push({ who, id: m.payload.id, attempt: m.deliveryAttempt, at: Date.now() })
        if (!m.redelivered) onFirst(this, m)
        else this.accept(m)
      }
    }
  }
}

function routes (f: JobsFixture, consumer: new () => BaseConsumer<{ id: number }>, lockMs: number): (r: RoutesBuilder) => void {
  return (r) => r.shareGroup(f.groupId, (g) => {
    g.kafka({ 'share.auto.offset.reset': 'earliest', 'share.record.lock.duration.ms': lockMs })
    g.topic(f.topic, (t) => t.consumer(consumer).kafka({ 'max.poll.records': 1 }))
  })
}

async function stopAll (apps: RunningApp[]): Promise<void> {
  await Promise.all(apps.map(async (a) => await a.app.stop()))
}

t.test('pause(m, 2000): nobody receives m for 2 s, then it is redelivered', async (t) => {
  const f = await jobsFixture(testBootstrap(), 'fw-pause', [{ id: 1 }])
  const log: Delivery[] = []
  let pausedAt = 0
  const a = await startApp(f.bootstrap, routes(f, consumerFor('a', log, (c, m) => { pausedAt = Date.now(); c.pause(m, 2000) }), 10_000))
  const b = await startApp(f.bootstrap, routes(f, consumerFor('b', log, (c, m) => { pausedAt = Date.now(); c.pause(m, 2000) }), 10_000))
  t.teardown(async () => { await stopAll([a, b]) })
  await waitFor('the redelivery', () => log.length === 2)
  const [first, second] = log
  t.equal(first?.attempt, 1)
  t.equal(second?.attempt, 2, 'redelivered once, as attempt 2')
  const gap = (second?.at ?? 0) - pausedAt
  t.ok(gap >= 2000, `nobody received it during the backoff (${gap} ms)`)
  t.ok(gap < 8000, `and it came back soon after (${gap} ms)`)
  t.equal(a.app.monitor.counters.lockExpiries + b.app.monitor.counters.lockExpiries, 0)
})

t.test('without renew, a backoff longer than the lock is refused', async (t) => {
  const f = await jobsFixture(testBootstrap(), 'fw-pause-norenew', [{ id: 1 }])
  const log: Delivery[] = []
  const refused: unknown[] = []
  const consumer = consumerFor('a', log, (c, m) => {
    try {
      c.pause(m, 5000)
    } catch (err) {
      refused.push(err)
      c.accept(m)
    }
  })
  const a = await startApp(f.bootstrap, routes(f, consumer, 3000), { shareGroups: { renew: false } })
  t.teardown(async () => { await a.app.stop() })
  await waitFor('the decision', () => a.app.monitor.counters.accepted === 1)
  t.equal(refused.length, 1)
  t.type(refused[0], BackoffExceedsLockDurationError)
  t.match(refused[0], { backoffMs: 5000, lockDurationMs: 3000, bufferMs: 1000 })
  t.ok((refused[0] as BackoffExceedsLockDurationError).maxBackoffMs <= 2000, 'at most the lock less the buffer')
  t.match(a.of('group.configured'), [{ renew: false, lockDurationMs: 3000 }])
})

t.test('with renew, a backoff twice the lock is honoured: held by renewals, nobody else gets it, then redelivered', async (t) => {
  const f = await jobsFixture(testBootstrap(), 'fw-pause-renew', [{ id: 1 }])
  const log: Delivery[] = []
  let pausedAt = 0
  const pause = (c: BaseConsumer<{ id: number }>, m: Message<{ id: number }>): void => { pausedAt = Date.now(); c.pause(m, 6000) }
  const a = await startApp(f.bootstrap, routes(f, consumerFor('a', log, pause), 3000))
  const b = await startApp(f.bootstrap, routes(f, consumerFor('b', log, pause), 3000))
  t.teardown(async () => { await stopAll([a, b]) })
  await waitFor('the redelivery', () => log.length === 2)
  const gap = (log[1]?.at ?? 0) - pausedAt
  t.ok(gap >= 6000, `nobody received it for the 6 s backoff, twice the 3 s lock (${gap} ms)`)
  t.equal(log[1]?.attempt, 2, 'then it came back as attempt 2 (renewals do not count as deliveries)')
  const holder = log[0]?.who === 'a' ? a : b
  t.ok(holder.app.monitor.counters.renewed >= 2, `the lock was renewed while paused (${holder.app.monitor.counters.renewed})`)
  t.equal(a.app.monitor.counters.lockExpiries + b.app.monitor.counters.lockExpiries, 0, 'no lock lost')
})
