import t from 'tap'
import { testBootstrap } from '../../harness/index.js'
import { Admin } from '../../../client/admin.js'
import { App, BaseConsumer, GroupConfigError, silentLogger, type RoutesBuilder } from '../../../framework/index.js'
import { setGroupConfigs, uniqueName } from '../../helpers/share-setup.js'

// Proves on a real broker that the App applies the group configs its routes set — and only
// those — and refuses to start when the broker refuses one or when maxAttempts would let the
// broker archive records before they can be dead-lettered.

class Noop extends BaseConsumer {
  consume (): void {}
}

function app (declare: (r: RoutesBuilder) => void): App {
  const a = new App({ kafka: { bootstrapServers: testBootstrap() }, logger: silentLogger, handleSignals: false, statisticsIntervalMs: 0 })
  a.routes.draw(declare)
  return a
}

t.test('only the group configs the routes set are written; an operator\'s other settings survive', async (t) => {
  const groupId = uniqueName('fw-cfg')
  await setGroupConfigs(testBootstrap(), groupId, { 'share.isolation.level': 'read_committed' })
  const a = app((r) => r.shareGroup(groupId, (g) => {
    g.kafka({ 'share.record.lock.duration.ms': 4000, 'share.auto.offset.reset': 'earliest' })
    g.topic(uniqueName('fw-cfg-t'), (t) => t.consumer(Noop))
  }))
  const configured: unknown[] = []
  a.monitor.on('group.configured', (e) => configured.push(e))
  const started = new Promise<void>((resolve) => a.monitor.on('app.started', () => resolve()))
  const running = a.run()
  await started
  await a.stop()
  await running
  const admin = new Admin({ bootstrapServers: testBootstrap() })
  t.teardown(async () => { await admin.close() })
  const configs = await admin.describeGroupConfigs(groupId)
  t.match(configs['share.record.lock.duration.ms'], { value: '4000', source: 'GROUP_CONFIG' })
  t.match(configs['share.auto.offset.reset'], { value: 'earliest', source: 'GROUP_CONFIG' })
  t.match(configs['share.isolation.level'], { value: 'read_committed', source: 'GROUP_CONFIG' }, 'the operator\'s setting survives')
  t.not(configs['share.delivery.count.limit']?.source, 'GROUP_CONFIG', 'no default was written')
  t.match(configured, [{ groupId, applied: { 'share.record.lock.duration.ms': '4000', 'share.auto.offset.reset': 'earliest' }, lockDurationMs: 4000, renew: true }])
})

t.test('a config the broker refuses stops the start with a GroupConfigError', async (t) => {
  const groupId = uniqueName('fw-cfg-bad')
  const a = app((r) => r.shareGroup(groupId, (g) => {
    // The test broker's group.share.max.record.lock.duration.ms is 60 s.
    g.kafka({ 'share.record.lock.duration.ms': 3_600_000 })
    g.topic(uniqueName('fw-cfg-t'), (t) => t.consumer(Noop))
  }))
  const err = await a.run().then(() => undefined, (e: unknown) => e)
  t.type(err, GroupConfigError)
  t.match((err as Error).message, /refused the group configs .*share.record.lock.duration.ms/)
})

t.test('maxAttempts at or above the group\'s delivery count limit is refused at start', async (t) => {
  const groupId = uniqueName('fw-cfg-limit')
  // Kafka 4.3+ has the limit as a group config; on 4.2 it is the broker's (default 5).
  const admin = new Admin({ bootstrapServers: testBootstrap() })
  const groupLevel = 'share.delivery.count.limit' in await admin.describeGroupConfigs(groupId).finally(() => admin.close())
  const limit = groupLevel ? 3 : 5
  if (groupLevel) await setGroupConfigs(testBootstrap(), groupId, { 'share.delivery.count.limit': String(limit) })
  const a = app((r) => r.shareGroup(groupId, (g) => {
    g.topic(uniqueName('fw-cfg-t'), (t) => t.consumer(Noop).deadLetterQueue({ topic: 'x.dlq', maxAttempts: limit }))
  }))
  const err = await a.run().then(() => undefined, (e: unknown) => e)
  t.type(err, GroupConfigError)
  t.match((err as Error).message, new RegExp(`maxAttempts \\(${limit}\\) must be below the delivery count limit \\(${limit}\\)`))
})
