import t from 'tap'
import {
  App, BaseConsumer, GroupConfigError, InvalidSettingError, RoutingError, silentLogger, type AppOptions, type Message
} from '../../../framework/index.js'
import { FakeAdmin, FakeClients } from './fakes.js'

// The App over in-memory fakes (real time, short durations): the listener loop, capacity-aware
// polling, defaults, DLQ, shutdown. The same behaviours are proven on a real broker in
// test/integration/framework.

function app (clients: FakeClients, options: Partial<AppOptions> = {}): App {
  return new App({ kafka: { bootstrapServers: ['unused:9092'] }, clients, logger: silentLogger, handleSignals: false, pollTimeoutMs: 50, statisticsIntervalMs: 0, ...options })
}

async function until (what: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

t.test('records flow through consume and are accepted; stop flushes, closes and runs the hooks', async (t) => {
  const clients = new FakeClients()
  const topic = clients.topic('tasks')
  for (let i = 0; i < 20; i++) topic.produce({ n: i })
  const seen: number[] = []
  let initialized = 0
  let shutdown = 0
  class Tasks extends BaseConsumer<{ n: number }> {
    override initialized (): void { initialized++ }
    consume (messages: readonly Message<{ n: number }>[]): void {
      for (const m of messages) seen.push(m.payload.n)
    }

    override shutdown (): void { shutdown++ }
  }
  const a = app(clients)
  a.routes.draw((r) => r.shareGroup('jobs', (g) => g.topic('tasks', (t) => t.consumer(Tasks).kafka({ 'max.poll.records': 7 }))))
  const events: string[] = []
  a.monitor.on('app.started', () => events.push('started'))
  a.monitor.on('app.stopped', () => events.push('stopped'))
  const running = a.run()
  await until(() => seen.length === 20)
  await a.stop()
  await running
  t.same(seen.sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i))
  t.ok(topic.records.every((r) => r.state === 'acknowledged' && r.deliveryCount === 1))
  t.same(events, ['started', 'stopped'])
  t.ok(clients.consumers[0]?.closed, 'share consumer closed')
  t.same(clients.consumers[0]?.subscribed, ['tasks'])
  t.equal(clients.consumers[0]?.settings.acquireMode, 'record_limit')
  t.ok(clients.adminFake.closed, 'admin closed')
  t.ok(initialized >= 1 && initialized === shutdown, 'every initialized instance got its shutdown hook')
  t.ok((clients.consumers[0]?.polls ?? []).every((p) => (p.maxRecords ?? 0) <= 7), 'polls never ask for more than max.poll.records')
  t.equal(a.monitor.counters.accepted, 20)
  t.equal(a.monitor.counters.locksHeld, 0)
  t.equal(await a.stop(), undefined, 'stop is idempotent')
})

t.test('capacity-aware polling: never more records than free workers can start', async (t) => {
  const clients = new FakeClients()
  const topic = clients.topic('tasks')
  for (let i = 0; i < 12; i++) topic.produce({ n: i })
  let running = 0
  let most = 0
  let done = 0
  class Slow extends BaseConsumer {
    async consume (): Promise<void> {
      most = Math.max(most, ++running)
      await new Promise((resolve) => setTimeout(resolve, 30))
      running--
      done++
    }
  }
  const a = app(clients, { concurrency: 3 })
  a.routes.draw((r) => r.shareGroup('jobs', (g) => g.topic('tasks', (t) => t.consumer(Slow).jobsBuilder('per_message'))))
  const polled: Array<[number, number]> = []
  a.monitor.on('listener.polled', (p) => { if (p.count > 0) polled.push([p.count, p.maxRecords]) })
  const run = a.run()
  await until(() => done === 12)
  await a.stop()
  await run
  const polls = clients.consumers[0]?.polls ?? []
  t.ok(polls.every((p) => (p.maxRecords ?? 99) >= 1 && (p.maxRecords ?? 99) <= 3), 'each poll asks for at most the free workers')
  t.equal(most, 3, 'all three workers were used')
  t.ok(polled.every(([count, max]) => count <= max), 'no poll brought more records than it asked for')
  t.ok(polled.some(([, max]) => max < 3), `polls asked for fewer records while workers were busy: ${JSON.stringify(polled)}`)
})

t.test('a client that cannot limit one poll: the listener waits until a whole poll can start', async (t) => {
  const clients = new FakeClients()
  const topic = clients.topic('tasks')
  for (let i = 0; i < 9; i++) topic.produce({ n: i })
  let done = 0
  class Uneven extends BaseConsumer<{ n: number }> {
    async consume (messages: readonly Message<{ n: number }>[]): Promise<void> {
      await new Promise((resolve) => setTimeout(resolve, 5 + 10 * ((messages[0]?.payload.n ?? 0) % 3)))
      done++
    }
  }
  const a = app(clients, { concurrency: 3 })
  a.routes.draw((r) => r.shareGroup('jobs', (g) => g.topic('tasks', (t) => t.consumer(Uneven).jobsBuilder('per_message'))))
  const polls: Array<[number, number]> = []
  a.monitor.on('listener.polled', (p) => { if (p.count > 0) polls.push([p.count, p.maxRecords]) })
  clients.limitsPerPoll = false
  const run = a.run()
  await until(() => done === 9)
  const consumer = clients.consumers[0]
  await a.stop()
  await run
  t.equal(consumer?.settings.maxPollRecords, 3, 'the consumer polls at most one record per worker')
  t.ok(polls.every(([count, max]) => count <= max), `no poll brought more than free workers: ${JSON.stringify(polls)}`)
})

t.test('a transient failure is released after the backoff and accepted on delivery attempt 2', async (t) => {
  const clients = new FakeClients()
  clients.topic('tasks').produce({ n: 1 })
  const attempts: number[] = []
  class Flaky extends BaseConsumer {
    consume (messages: readonly Message[]): void {
      for (const m of messages) {
        attempts.push(m.deliveryAttempt)
        if (!m.redelivered) throw new Error('transient')
      }
    }
  }
  const a = app(clients)
  a.routes.draw((r) => r.shareGroup('jobs', (g) => g.topic('tasks', (t) => t.consumer(Flaky).retryBackoff({ initialMs: 20, maxMs: 20 }))))
  const run = a.run()
  await until(() => a.monitor.counters.accepted === 1)
  await a.stop()
  await run
  t.same(attempts, [1, 2])
  t.equal(a.monitor.counters.released, 1)
  t.equal(a.monitor.counters.consumeErrors, 1)
})

t.test('an undeserializable record goes to the DLQ and never reaches consume', async (t) => {
  const clients = new FakeClients()
  const topic = clients.topic('tasks')
  topic.produce(Buffer.from('{not json'))
  topic.produce({ ok: true })
  const consumed: unknown[] = []
  class Tasks extends BaseConsumer {
    consume (messages: readonly Message[]): void { for (const m of messages) consumed.push(m.payload) }
  }
  const a = app(clients)
  a.routes.draw((r) => r.shareGroup('jobs', (g) => g.topic('tasks', (t) => t.consumer(Tasks).deadLetterQueue({ topic: 'tasks.dlq', maxAttempts: 3 }))))
  const run = a.run()
  await until(() => a.monitor.counters.rejected === 1 && a.monitor.counters.accepted === 1)
  await a.stop()
  await run
  t.same(consumed, [{ ok: true }])
  t.equal(topic.state(0, 0n), 'archived')
  const headers = Object.fromEntries((clients.producerFake.sent[0]?.message.headers ?? []).map((h) => [h.key, h.value?.toString()]))
  t.match(headers, { 'kshare.error.class': 'DeserializationError', 'kshare.original.offset': '0' })
  t.ok(clients.producerFake.closed, 'producer closed on stop')
})

t.test('virtual partitions run parts of one batch in parallel, each message decided once', async (t) => {
  const clients = new FakeClients()
  const topic = clients.topic('tasks')
  for (let i = 0; i < 40; i++) topic.produce({ n: i })
  let running = 0
  let most = 0
  class Parallel extends BaseConsumer {
    async consume (messages: readonly Message[]): Promise<void> {
      most = Math.max(most, ++running)
      await new Promise((resolve) => setTimeout(resolve, 20))
      running--
      for (const m of messages) this.accept(m)
    }
  }
  const a = app(clients, { concurrency: 4 })
  a.routes.draw((r) => r.shareGroup('jobs', (g) => g.topic('tasks', (t) => t.consumer(Parallel).kafka({ 'max.poll.records': 40 }).virtualPartitions({ partitioner: 'round_robin', maxPartitions: 4 }))))
  const run = a.run()
  await until(() => a.monitor.counters.accepted === 40)
  await a.stop()
  await run
  t.ok(most > 1, `concurrency inside one batch: ${most}`)
  const accepts = (clients.consumers[0]?.acks ?? []).filter((x) => x.type === 'accept').map((x) => x.offset)
  t.equal(new Set(accepts).size, 40)
  t.equal(accepts.length, 40, 'each message acked once')
})

t.test('stop gives running jobs the timeout, then reports them and closes (the broker releases their records)', async (t) => {
  const clients = new FakeClients()
  const topic = clients.topic('tasks')
  topic.produce({ n: 1 })
  let started = false
  class Stuck extends BaseConsumer {
    async consume (): Promise<void> {
      started = true
      await new Promise(() => {})
    }
  }
  const a = app(clients)
  a.routes.draw((r) => r.shareGroup('jobs', (g) => g.topic('tasks', (t) => t.consumer(Stuck))))
  const errors: unknown[] = []
  a.monitor.on('error.occurred', (e) => errors.push(e))
  const run = a.run()
  await until(() => started)
  await a.stop({ timeoutMs: 50 })
  await run
  t.match(errors, [{ source: 'shutdown', error: { name: 'ShutdownTimeoutError', runningJobs: 1 } }])
  t.equal(topic.state(0, 0n), 'available', 'closing the consumer gave the record back')
})

t.test('start failures: no routes, a refused group config (clients closed), bad options', async (t) => {
  await t.rejects(app(new FakeClients()).run(), RoutingError)
  const admin = new FakeAdmin()
  admin.refuse = new Error('CLUSTER_AUTHORIZATION_FAILED')
  const clients = new FakeClients(admin)
  clients.topic('tasks')
  const a = app(clients)
  a.routes.draw((r) => r.shareGroup('jobs', (g) => g.kafka({ 'share.auto.offset.reset': 'earliest' }).topic('tasks', (t) => t.consumer(class extends BaseConsumer { consume (): void {} }))))
  await t.rejects(a.run(), GroupConfigError)
  t.ok(admin.closed, 'the admin client is closed again')
  await t.rejects(a.run(), GroupConfigError, 'run() returns the same outcome')
  t.throws(() => app(new FakeClients(), { concurrency: 0 }), InvalidSettingError)
  t.throws(() => app(new FakeClients(), { shareGroups: { autoRenewAt: 1.5 } }), InvalidSettingError)
  t.throws(() => app(new FakeClients(), { pollTimeoutMs: -1 }), InvalidSettingError)
})

t.test('a share consumer that fails for good stops the App, and run() rejects with its error', async (t) => {
  const clients = new FakeClients()
  clients.topic('tasks')
  const fatal = Object.assign(new Error('share groups are not enabled on this cluster'), { name: 'ShareGroupsUnavailableError' })
  clients.pollError = fatal
  const a = app(clients)
  a.routes.draw((r) => r.shareGroup('jobs', (g) => g.topic('tasks', (t) => t.consumer(class extends BaseConsumer { consume (): void {} }))))
  const errors: unknown[] = []
  a.monitor.on('error.occurred', (e) => errors.push(e))
  await t.rejects(a.run(), fatal)
  t.equal(errors.length, 2, 'reported each time, then given up on')
  t.ok(clients.consumers[0]?.closed, 'closed on the way out')
})

t.test('SIGTERM stops a running App gracefully; statistics carry counters and lag', async (t) => {
  const clients = new FakeClients()
  clients.topic('tasks').produce({ n: 1 })
  clients.adminFake.lag = [{ topic: 'tasks', partition: 0, lag: 3 }, { topic: 'tasks', partition: 1, lag: null }]
  const before = process.listenerCount('SIGTERM')
  const a = app(clients, { handleSignals: true, statisticsIntervalMs: 20 })
  a.routes.draw((r) => r.shareGroup('jobs', (g) => g.topic('tasks', (t) => t.consumer(class extends BaseConsumer { consume (): void {} }))))
  const stats: unknown[] = []
  a.monitor.on('statistics.emitted', (e) => stats.push(e))
  const run = a.run()
  t.equal(process.listenerCount('SIGTERM'), before + 1, 'a handler while running')
  await until(() => stats.length > 0 && a.monitor.counters.accepted === 1)
  process.emit('SIGTERM')
  await run
  t.equal(process.listenerCount('SIGTERM'), before, 'signal handlers removed')
  t.match(stats[0], { lag: [{ lag: 3 }, { lag: null }] })
  t.equal(a.monitor.counters.lag, 3)
})
