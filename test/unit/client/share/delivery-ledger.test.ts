import t from 'tap'
import { DeliveryLedger } from '../../../../client/share/delivery-ledger.js'
import { ACCEPT, RENEW } from '../../../../protocol/acknowledge-type.js'
import { InvalidAcknowledgementError, LockExpiredError } from '../../../../client/share/share-errors.js'
import type { Delivery } from '../../../../client/share/share-record.js'

const T = 'AAAAAAAAAAAAAAAAAAAAAg'

function delivery (offset: number, lockDeadline = 1000): Delivery {
  return {
    record: { topic: 'jobs', partition: 0, offset: BigInt(offset), timestamp: 0, key: null, value: null, headers: [], deliveryCount: 1, lockDeadline },
    target: { topicId: T, topic: 'jobs', partition: 0 }, nodeId: 1, generation: 0, renewAskedAt: -1, superseded: false
  }
}

/** What the consumer does for an application acknowledgement the fetcher queued (not refused). */
function ack (ledger: DeliveryLedger, record: Parameters<DeliveryLedger['find']>[0], typeId: number, now = 0): ReturnType<DeliveryLedger['find']> {
  const found = ledger.find(record)
  if (!('error' in found)) ledger.settle(found, typeId, false, now)
  return found
}

t.test('implicit mode: the last batch is accepted once, superseded deliveries included (the fetcher refuses those)', async t => {
  const ledger = new DeliveryLedger(true)
  const batch = [delivery(0), delivery(1), delivery(2)]
  t.same(ledger.handOut(batch).map(r => r.offset), [0n, 1n, 2n])
  ledger.markSuperseded([delivery(1)])
  const accepts = ledger.takeImplicitAccepts()
  t.same(accepts.map(d => d.record.offset), [0n, 1n, 2n])
  t.same(accepts.map(d => d.superseded), [false, true, false], 'the superseded one is marked, so its accept reports the lost lock')
  t.same(ledger.takeImplicitAccepts(), [], 'only once')
})

t.test('explicit mode: an acknowledgement settles, renew keeps holding, unknown records throw', async t => {
  const ledger = new DeliveryLedger(false)
  const [a, b] = [delivery(0), delivery(1)]
  ledger.handOut([a, b])
  t.same(ledger.takeImplicitAccepts(), [], 'nothing is implicit')
  t.equal(ack(ledger, a.record, ACCEPT), a)
  t.throws(() => ledger.find(a.record), InvalidAcknowledgementError, 'settled already')
  t.equal(ack(ledger, { topic: 'jobs', partition: 0, offset: 1n }, RENEW, 5000), b, 'by reference')
  t.equal(b.renewAskedAt, 5000)
  ledger.applyResults([{ topic: 'jobs', partition: 0, offsets: [1n], error: null }], 3000)
  t.equal(b.record.lockDeadline, 8000, 'a successful renew moves the deadline to when it was asked + the lock: the earliest the new lock can end')
  t.equal(b.renewAskedAt, -1)
  t.equal(ack(ledger, b.record, ACCEPT), b, 'still held after the renew')
  t.throws(() => ledger.find({ topic: 'jobs', partition: 3, offset: 0n }), /not held/)
})

t.test('an old delivery of a record that came back and was handed out again: LockExpiredError, not thrown', async t => {
  const ledger = new DeliveryLedger(false)
  const old = delivery(4)
  ledger.handOut([old])
  ledger.markSuperseded([delivery(4)])
  t.equal(ledger.find(old.record), old, 'before the new delivery is handed out, the fetcher decides (it is superseded)')
  t.ok(old.superseded)
  const fresh = delivery(4)
  ledger.handOut([fresh])
  const result = ledger.find(old.record)
  t.ok('error' in result)
  t.type((result as { error: unknown }).error, LockExpiredError)
  t.match((result as unknown as { error: { errorName: string, how: string } }).error, { errorName: 'INVALID_RECORD_STATE', how: 'redelivered' })
  t.equal(ack(ledger, fresh.record, ACCEPT), fresh)
})

t.test('records forgotten long after their lock ran out', async t => {
  const ledger = new DeliveryLedger(false)
  ledger.handOut([delivery(0, 100), delivery(1, 10_000)])
  ledger.forgetExpired(5000)
  t.throws(() => ledger.find({ topic: 'jobs', partition: 0, offset: 0n }), InvalidAcknowledgementError)
  t.ok(ledger.find({ topic: 'jobs', partition: 0, offset: 1n }))
})

t.test('a refused acknowledgement (leader moved, session lost, lock lost) settles the record, a refused renew too', async t => {
  const ledger = new DeliveryLedger(false)
  const [a, b] = [delivery(0), delivery(1)]
  ledger.handOut([a, b])
  ledger.settle(a, ACCEPT, true, 0)
  t.throws(() => ledger.find(a.record), InvalidAcknowledgementError, 'settled: no longer held')
  ledger.settle(b, RENEW, true, 0)
  t.equal(b.renewAskedAt, -1, 'a refused renew is not pending')
  t.throws(() => ledger.find(b.record), InvalidAcknowledgementError, 'and the record is let go')
})
