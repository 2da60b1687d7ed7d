/**
 * Admin share-group calls against a private broker formatted with share.version=0 (share
 * groups off) fail with one typed ShareGroupsUnavailableError that says what to enable; the
 * other admin calls keep working.
 */
import t from 'tap'
import { Admin, ShareGroupsUnavailableError } from '../../../index.js'
import { startPrivateBroker, stopBroker, type BrokerHandle } from '../../harness/index.js'

let broker: BrokerHandle
t.before(async () => { broker = await startPrivateBroker({ features: { 'share.version': 0 } }) })
t.teardown(async () => { if (broker !== undefined) await stopBroker(broker, { graceMs: 0 }) })

t.test('share-group admin calls name the missing feature', async t => {
  const admin = new Admin({ bootstrapServers: broker.bootstrap, apiTimeoutMs: 20_000 })
  t.teardown(() => admin.close())
  for (const [name, call] of [
    ['describeShareGroup', () => admin.describeShareGroup('g')],
    ['describeShareGroupOffsets', () => admin.describeShareGroupOffsets('g')],
    ['alterShareGroupOffsets', () => admin.alterShareGroupOffsets('g', [{ topic: 't', partition: 0, offset: 0n }])],
    ['deleteShareGroupOffsets', () => admin.deleteShareGroupOffsets('g', ['t'])]
  ] as const) {
    const err = await call().then(() => null, (e: unknown) => e)
    t.ok(err instanceof ShareGroupsUnavailableError, `${name}: ${String(err)}`)
    t.match((err as Error).message, /share\.version/, `${name}: the message says what to enable`)
  }
  t.ok((await admin.describeCluster()).clusterId.length > 0, 'other admin calls work')
  t.same(await admin.listGroups({ types: ['share'] }), [], 'no share groups listed')
})
