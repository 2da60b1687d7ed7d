import t from 'tap'
import { App, BaseConsumer, consoleLogger, decodeReport, type AppOptions, type Message, type ProcessReport } from '../../../framework/index.js'
import { FakeAdmin, FakeClients } from './fakes.js'

// The App's `reports` option over in-memory fakes: off by default, the topic created (or a
// refusal logged as a warning), a report at start, every interval and a last one on stop,
// running jobs listed while they run.

class CreatingAdmin extends FakeAdmin {
  readonly created: Array<{ name: string, configs: Readonly<Record<string, string>> }> = []
  refuseCreate: Error | undefined
  hang = false
  async createTopic (name: string, options: { configs: Readonly<Record<string, string>> }): Promise<void> {
    if (this.hang) await new Promise(() => {})
    if (this.refuseCreate !== undefined) throw this.refuseCreate
    this.created.push({ name, configs: options.configs })
  }
}

function app (clients: FakeClients, lines: string[], options: Partial<AppOptions> = {}): App {
  return new App({
    kafka: { bootstrapServers: ['unused:9092'] }, clients, logger: consoleLogger('warn', (l) => lines.push(l)), handleSignals: false, pollTimeoutMs: 50, statisticsIntervalMs: 0, ...options
  })
}

function reports (clients: FakeClients, topic: string): ProcessReport[] {
  return clients.producerFake.sent.filter((s) => s.topic === topic).map((s) => decodeReport(s.message.value)).filter((r): r is ProcessReport => r !== null)
}

let release: () => void = () => {}
class Slow extends BaseConsumer<{ n: number }> {
  async consume (messages: readonly Message<{ n: number }>[]): Promise<void> {
    await new Promise<void>((resolve) => { release = resolve })
    for (const m of messages) this.accept(m)
  }
}

t.test('reports: compacted topic created, a report at start and per interval listing running jobs, a last one on stop', async (t) => {
  const admin = new CreatingAdmin()
  const clients = new FakeClients(admin)
  clients.topic('tasks').produce({ n: 1 })
  const lines: string[] = []
  const a = app(clients, lines, { reports: { topic: 'kshare.reports', intervalMs: 100 } })
  a.routes.draw((r) => r.shareGroup('jobs', (g) => g.topic('tasks', (tp) => tp.consumer(Slow).deadLetterQueue({ topic: 'tasks.dlq' }))))
  const running = a.run()
  const end = Date.now() + 5000
  while (!reports(clients, 'kshare.reports').some((r) => r.jobs.length === 1) && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 20))
  t.match(admin.created, [{ name: 'kshare.reports', configs: { 'cleanup.policy': 'compact,delete' } }])
  const during = reports(clients, 'kshare.reports').find((r) => r.jobs.length === 1)
  t.match(during, { state: 'running', counters: [{ groupId: 'jobs', topic: 'tasks', dlq: 'tasks.dlq', polled: 1 }], held: [{ topic: 'tasks', partition: 0, count: 1 }] })
  t.match(during?.jobs[0], { groupId: 'jobs', topic: 'tasks', partition: 0, offset: '0', deliveryAttempt: 1 })
  release()
  await a.stop()
  await running
  const all = reports(clients, 'kshare.reports')
  t.ok(all.length >= 2)
  t.match(all.at(-1), { state: 'stopped', jobs: [], counters: [{ accepted: 1 }] }, 'the last report says stopped')
  t.ok(new Set(all.map((r) => r.processId)).size === 1, 'one key per process')
  t.same(clients.producerFake.sent.filter((s) => s.topic === 'kshare.reports').map((s) => s.message.key?.toString()), all.map((r) => r.processId), 'keyed by process id')
  t.same(lines, [], 'no warnings')
})

t.test('a refused CreateTopics is a warning, not a crash; reports off sends nothing', async (t) => {
  const admin = new CreatingAdmin()
  admin.refuseCreate = new Error('TOPIC_AUTHORIZATION_FAILED')
  const clients = new FakeClients(admin)
  clients.topic('tasks').produce({ n: 1 })
  const lines: string[] = []
  const a = app(clients, lines, { reports: { topic: 'kshare.reports' } })
  a.routes.draw((r) => r.shareGroup('jobs', (g) => g.topic('tasks', (tp) => tp.consumer(Slow))))
  const running = a.run()
  await new Promise((resolve) => setTimeout(resolve, 200))
  release()
  await a.stop()
  await running
  t.match(lines.join(''), /could not create kshare\.reports \(TOPIC_AUTHORIZATION_FAILED\)/)
  t.equal(reports(clients, 'kshare.reports').length, 2, 'still published (the topic may exist): at start and on stop')

  const quiet = new FakeClients(new CreatingAdmin())
  quiet.topic('tasks').produce({ n: 1 })
  const b = app(quiet, [])
  b.routes.draw((r) => r.shareGroup('jobs', (g) => g.topic('tasks', (tp) => tp.consumer(Slow))))
  const runningB = b.run()
  await new Promise((resolve) => setTimeout(resolve, 200))
  release()
  await b.stop()
  await runningB
  t.same(quiet.producerFake.sent, [], 'off by default: the App writes nothing on its own')
  t.same((quiet.adminFake as CreatingAdmin).created, [])
})

t.test('a broker that never answers CreateTopics holds up neither processing nor stop (beyond a few seconds)', async (t) => {
  const admin = new CreatingAdmin()
  admin.hang = true
  const clients = new FakeClients(admin)
  clients.topic('tasks').produce({ n: 1 })
  const a = app(clients, [], { reports: { topic: 'kshare.reports' } })
  a.routes.draw((r) => r.shareGroup('jobs', (g) => g.topic('tasks', (tp) => tp.consumer(Slow))))
  const running = a.run()
  const end = Date.now() + 3000
  while (a.monitor.counters.jobsRunning === 0 && a.monitor.counters.recordsPolled === 0 && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 10))
  t.equal(a.monitor.counters.recordsPolled, 1, 'processing started')
  release()
  const stopping = Date.now()
  await a.stop()
  await running
  t.ok(Date.now() - stopping < 6500, `stopped in ${Date.now() - stopping} ms`)
  t.equal(reports(clients, 'kshare.reports').length, 0, 'nothing published: the topic was never confirmed')
})
