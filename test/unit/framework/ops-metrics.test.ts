import { register as globalRegistry, Registry } from 'prom-client'
import t from 'tap'
import { silentLogger } from '../../../framework/logger.js'
import { Monitor } from '../../../framework/monitor.js'
import { Operations } from '../../../framework/ops/operations.js'

t.test('the registry option gets the App\'s metrics, and prom-client\'s global registry none', async (t) => {
  const registry = new Registry()
  const monitor = new Monitor(silentLogger)
  const ops = new Operations({ registry, tracing: false, pollTimeoutMs: 1000 }, monitor, silentLogger)
  await ops.prepare(false)
  t.teardown(async () => { await ops.close() })
  t.equal(ops.registry, registry, 'the App reports the registry it was given')

  monitor.emit('consumer.accepted', { groupId: 'g', topic: 'tasks', partition: 0, offset: 7n, deliveryAttempt: 1, heldMs: 3 })
  const text = await registry.metrics()
  t.ok(text.includes('kshare_records_accepted_total{group="g",topic="tasks"} 1\n'), 'a counted event shows in the registry')
  t.ok(text.includes('kshare_locks_held 0\n'), 'gauges read at scrape')
  const kshare = (await globalRegistry.getMetricsAsJSON()).filter((m) => m.name.startsWith('kshare_'))
  t.same(kshare.map((m) => m.name), [], 'nothing in the global registry')
})
