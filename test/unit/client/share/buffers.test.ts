import t from 'tap'
import { FetchBuffer } from '../../../../client/share/fetch-buffer.js'
import { HeldRecords } from '../../../../client/share/held-records.js'
import { mergeResults, resultsFor } from '../../../../client/share/ack-results.js'
import { AckOutbox } from '../../../../client/share/ack-outbox.js'
import { ACCEPT, RENEW, acknowledgeTypeId, isTerminal } from '../../../../protocol/acknowledge-type.js'
import type { Delivery } from '../../../../client/share/share-record.js'
import { BrokerResponseError } from '../../../../client/errors.js'

const T = 'AAAAAAAAAAAAAAAAAAAAAg'

function delivery (nodeId: number, partition: number, offset: number, lockDeadline = Infinity): Delivery {
  const target = { topicId: T, topic: 'jobs', partition }
  return {
    record: { topic: 'jobs', partition, offset: BigInt(offset), timestamp: 0, key: null, value: null, headers: [], deliveryCount: 1, lockDeadline },
    target, nodeId, generation: 0, renewAskedAt: -1, superseded: false
  }
}

t.test('fetch buffer: bounded take, fair across nodes, expired records dropped, per-node drop', async t => {
  const buffer = new FetchBuffer()
  buffer.push(1, [delivery(1, 0, 0), delivery(1, 0, 1), delivery(1, 0, 2)])
  buffer.push(2, [delivery(2, 1, 0), delivery(2, 1, 1, 5)])
  t.equal(buffer.size, 5)
  t.equal(buffer.sizeOf(1), 3)
  const first = buffer.take(2, 10)
  t.same(first.records.map(d => d.nodeId), [1, 1], 'at most max')
  const second = buffer.take(10, 10)
  t.same(second.records.map(d => `${d.nodeId}:${d.record.offset}`), ['2:0', '1:2'], 'the next take starts with the other node')
  t.equal(second.expired, 1, 'the record whose lock ran out is not handed out')
  t.equal(buffer.size, 0)
  buffer.push(3, [delivery(3, 2, 0)])
  t.equal(buffer.drop(3), 1)
  t.equal(buffer.size, 0)
  t.equal(buffer.sizeOf(3), 0)
  buffer.push(4, [delivery(4, 0, 0), delivery(4, 1, 0), delivery(4, 0, 1)])
  buffer.take(1, 10)
  t.equal(buffer.dropIf(4, d => d.record.partition === 0), 1, 'only matching records still waiting')
  t.same(buffer.take(10, 10).records.map(d => `${d.record.partition}:${d.record.offset}`), ['1:0'])
  t.equal(buffer.dropIf(4, () => true), 0)
  t.equal(buffer.size, 0)
})

t.test('held records: counted per delivering node', async t => {
  const held = new HeldRecords()
  const [a, b, c] = [delivery(1, 0, 0, 1000), delivery(1, 0, 1, 1000), delivery(2, 1, 0, 1000)]
  for (const d of [a, b, c]) held.hold(d)
  t.same([held.countFrom(1), held.countFrom(2), held.countFrom(3)], [2, 1, 0])
  held.hold(delivery(2, 0, 0, 1000)) // a redelivery of a record, by another node
  t.same([held.countFrom(1), held.countFrom(2)], [1, 2], 'moves to the node that delivered it again')
  held.settle(b)
  t.equal(held.countFrom(1), 0)
  held.dropExpired(5000)
  t.equal(held.countFrom(2), 0, 'expired ones are forgotten')
})

t.test('held records: hold, find, settle once, redelivery replaces, expired forgotten', async t => {
  const held = new HeldRecords()
  const a = delivery(1, 0, 7, 1000)
  held.hold(a)
  t.equal(held.find('jobs', 0, 7n), a)
  const again = delivery(1, 0, 7, 5000)
  held.hold(again)
  t.equal(held.find('jobs', 0, 7n), again, 'a redelivery replaces the older one')
  t.notOk(held.settle(a), 'the replaced delivery cannot be settled')
  t.ok(held.settle(again))
  t.notOk(held.settle(again), 'settled once')
  held.hold(delivery(1, 0, 1, 1000))
  held.hold(delivery(1, 1, 2, 3000))
  t.equal(held.dropExpired(2000), 1)
  t.equal(held.find('jobs', 0, 1n), undefined)
  t.ok(held.find('jobs', 1, 2n))
})

t.test('ack results: one per partition, offsets ascending, first error kept when merging', async t => {
  const outbox = new AckOutbox()
  outbox.add({ topicId: T, topic: 'jobs', partition: 0 }, 5n, ACCEPT)
  outbox.add({ topicId: T, topic: 'jobs', partition: 0 }, 2n, ACCEPT)
  outbox.add({ topicId: T, topic: 'jobs', partition: 1 }, 1n, ACCEPT)
  const error = new BrokerResponseError('x', 121, 'INVALID_RECORD_STATE', false, null)
  const results = resultsFor(outbox.take(), key => key.endsWith(':1') ? error : null)
  t.same(results.map(r => [r.partition, r.offsets, r.error]), [[0, [2n, 5n], null], [1, [1n], error]])
  const merged = mergeResults([...results, { topic: 'jobs', partition: 0, offsets: [3n], error }, { topic: 'jobs', partition: 1, offsets: [0n], error: null }])
  t.same(merged.map(r => [r.partition, r.offsets, r.error]), [[0, [2n, 3n, 5n], error], [1, [0n, 1n], error]])
})

t.test('outbox: take empties it; renew tracked; snapshot is a copy', async t => {
  const outbox = new AckOutbox()
  const p = { topicId: T, topic: 'jobs', partition: 0 }
  t.ok(outbox.isEmpty)
  outbox.add(p, 1n, RENEW)
  t.ok(outbox.hasRenew)
  const snapshot = outbox.snapshot()
  outbox.add(p, 1n, ACCEPT)
  t.notOk(outbox.hasRenew, 'a terminal ack supersedes the renew')
  t.notOk(outbox.add(p, 1n, RENEW), 'renew after accept ignored')
  const taken = outbox.take()
  t.ok(outbox.isEmpty)
  t.equal(taken.size, 1)
  t.equal(snapshot.size, 1)
})

t.test('acknowledge type names', async t => {
  t.same(['accept', 'release', 'reject', 'renew'].map(acknowledgeTypeId), [1, 2, 3, 4])
  t.equal(acknowledgeTypeId('gap'), undefined, 'gaps are the consumer\'s business, not the application\'s')
  t.equal(acknowledgeTypeId('toString'), undefined)
  t.notOk(isTerminal(RENEW))
  t.ok(isTerminal(ACCEPT))
})
