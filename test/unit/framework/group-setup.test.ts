import t from 'tap'
import { GroupConfigError } from '../../../framework/errors.js'
import { setUpGroup, type GroupSetupOptions } from '../../../framework/group-setup.js'
import { silentLogger } from '../../../framework/logger.js'
import { Monitor } from '../../../framework/monitor.js'
import { Routes } from '../../../framework/routing/routes.js'
import type { ShareGroupBuilder } from '../../../framework/routing/share-group.js'
import { FakeAdmin } from './fakes.js'
import { DEFAULTS, NoopConsumer } from './runtime.js'

function groupOf (declare: (g: ShareGroupBuilder) => void): NonNullable<Routes['shareGroups'][number]> {
  const routes = new Routes(DEFAULTS)
  routes.draw((r) => r.shareGroup('jobs', declare))
  const group = routes.shareGroups[0]
  if (group === undefined) throw new Error('no group')
  return group
}

const FAIL: GroupSetupOptions = { renew: true, onGroupConfigRefused: 'fail' }

t.test('only the group configs the routes set are applied; effective values are read back', async (t) => {
  const admin = new FakeAdmin()
  const monitor = new Monitor(silentLogger)
  const seen: unknown[] = []
  monitor.on('group.configured', (e) => seen.push(e))
  const group = groupOf((g) => g.kafka({ 'share.record.lock.duration.ms': 15_000, 'max.poll.records': 5 }).topic('a', (t) => t.consumer(NoopConsumer)))
  const facts = await setUpGroup(admin, group, FAIL, silentLogger, monitor)
  t.same(admin.altered, [{ groupId: 'jobs', configs: { 'share.record.lock.duration.ms': '15000' } }], 'one incremental alter, nothing else')
  t.same(facts, { renew: true, lockDurationMs: 15_000, deliveryCountLimit: 5, brokerDeadLetterQueue: false })
  t.match(seen, [{ groupId: 'jobs', applied: { 'share.record.lock.duration.ms': '15000' }, renew: true }])
  const untouched = new FakeAdmin()
  await setUpGroup(untouched, groupOf((g) => g.topic('a', (t) => t.consumer(NoopConsumer))), FAIL, silentLogger, monitor)
  t.same(untouched.altered, [], 'no alter at all when the routes set no group config (an operator\'s settings survive)')
})

t.test('a refused config stops the start (fail) or is reported (warn)', async (t) => {
  const admin = new FakeAdmin()
  admin.refuse = new Error('INVALID_CONFIG: share.record.lock.duration.ms must be at least 15000')
  const group = groupOf((g) => g.kafka({ 'share.record.lock.duration.ms': 1000 }).topic('a', (t) => t.consumer(NoopConsumer)))
  const monitor = new Monitor(silentLogger)
  const err = await setUpGroup(admin, group, FAIL, silentLogger, monitor).catch((e: unknown) => e)
  t.type(err, GroupConfigError)
  t.match((err as Error).message, /refused the group configs .* of share group jobs: INVALID_CONFIG/)
  const reported: unknown[] = []
  monitor.on('error.occurred', (e) => reported.push(e))
  const facts = await setUpGroup(admin, group, { renew: true, onGroupConfigRefused: 'warn' }, silentLogger, monitor)
  t.equal(facts.lockDurationMs, 30_000, 'the broker\'s value, not the refused one')
  t.match(reported, [{ source: 'group.config', groupId: 'jobs' }])
})

t.test('Kafka 4.2: 4.3-only group configs are refused; the delivery count limit comes from the broker config; renew is on', async (t) => {
  const admin = new FakeAdmin(FakeAdmin.kafka42())
  admin.brokerConfigs['group.share.delivery.count.limit'] = '4'
  const group = groupOf((g) => g.kafka({ 'share.delivery.count.limit': 8 }).topic('a', (t) => t.consumer(NoopConsumer)))
  const err = await setUpGroup(admin, group, FAIL, silentLogger, new Monitor(silentLogger)).catch((e: unknown) => e)
  t.match(err, { name: 'GroupConfigError', message: /share.delivery.count.limit is a group config from Kafka 4.3 on/ })
  t.same(admin.altered, [])
  const plain = groupOf((g) => g.topic('a', (t) => t.consumer(NoopConsumer).deadLetterQueue({ topic: 'a.dlq', maxAttempts: 3 })))
  const facts = await setUpGroup(admin, plain, FAIL, silentLogger, new Monitor(silentLogger))
  t.same(facts, { renew: true, lockDurationMs: 30_000, deliveryCountLimit: 4, brokerDeadLetterQueue: false })
})

t.test('maxAttempts must stay below the group\'s delivery count limit', async (t) => {
  const admin = new FakeAdmin({ ...FakeAdmin.kafka43(), 'share.delivery.count.limit': '3' })
  const group = groupOf((g) => g.topic('a', (t) => t.consumer(NoopConsumer).deadLetterQueue({ topic: 'a.dlq', maxAttempts: 3 })))
  const err = await setUpGroup(admin, group, { renew: true, onGroupConfigRefused: 'warn' }, silentLogger, new Monitor(silentLogger)).catch((e: unknown) => e)
  t.match(err, { name: 'GroupConfigError', message: /maxAttempts \(3\) must be below the delivery count limit \(3\)/ }, 'even in warn mode: it is a route error')
})

t.test('renew follows the app and the group; the broker\'s own DLQ is detected', async (t) => {
  const off = new FakeAdmin({ ...FakeAdmin.kafka43(), 'share.renew.acknowledge.enable': 'false', 'errors.deadletterqueue.topic.name': 'dlq.jobs' })
  const group = groupOf((g) => g.topic('a', (t) => t.consumer(NoopConsumer).deadLetterQueue({ topic: 'a.dlq', maxAttempts: 9 })))
  const facts = await setUpGroup(off, group, FAIL, silentLogger, new Monitor(silentLogger))
  t.equal(facts.renew, false, 'the group disables renew')
  t.equal(facts.brokerDeadLetterQueue, true, 'maxAttempts is not checked against the limit with the broker DLQ')
  const appOff = await setUpGroup(new FakeAdmin(), groupOf((g) => g.topic('a', (t) => t.consumer(NoopConsumer))), { renew: false, onGroupConfigRefused: 'fail' }, silentLogger, new Monitor(silentLogger))
  t.equal(appOff.renew, false, 'the app disables renew')
})
