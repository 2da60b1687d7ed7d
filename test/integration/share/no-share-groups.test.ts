/**
 * A consumer against a private broker formatted with share.version=0 (share groups off) fails
 * with one typed ShareGroupsUnavailableError that says what to enable, instead of hanging.
 */
import t from 'tap'
import { ShareConsumer, ShareGroupsUnavailableError } from '../../../index.js'
import { startPrivateBroker, stopBroker, type BrokerHandle } from '../../harness/index.js'

let broker: BrokerHandle
t.before(async () => { broker = await startPrivateBroker({ features: { 'share.version': 0 } }) })
t.teardown(async () => { if (broker !== undefined) await stopBroker(broker, { graceMs: 0 }) })

t.test('poll() rejects with ShareGroupsUnavailableError naming share.version', async t => {
  const consumer = new ShareConsumer({ bootstrapServers: broker.bootstrap, groupId: 'g' })
  t.teardown(() => consumer.close())
  consumer.subscribe(['jobs'])
  const started = Date.now()
  const err = await consumer.poll(30_000).then(() => null, (e: unknown) => e)
  t.type(err, ShareGroupsUnavailableError)
  t.match((err as Error).message, /share\.version feature is 0.*share\.version=1/s, 'says what to enable')
  t.ok(Date.now() - started < 15_000, `fails fast (${Date.now() - started} ms), not at the poll timeout`)
  await t.rejects(consumer.poll(100), ShareGroupsUnavailableError, 'and keeps failing: the consumer cannot work')
})
