import t from 'tap'
import { KafkaError } from '../../../../client/errors.js'
import { DeliveryLedger } from '../../../../client/share/delivery-ledger.js'
import { ACCEPT, RENEW } from '../../../../client/share/acknowledge-type.js'
import { InvalidAcknowledgementError } from '../../../../client/share/share-errors.js'
import type { Delivery } from '../../../../client/share/share-record.js'

const T = 'AAAAAAAAAAAAAAAAAAAAAg'

function delivery (offset: number, lockDeadline = 1000): Delivery {
  return {
    record: { topic: 'jobs', partition: 0, offset: BigInt(offset), timestamp: 0, key: null, value: null, headers: [], deliveryCount: 1, lockDeadline },
    target: { topicId: T, topic: 'jobs', partition: 0 }, nodeId: 1, generation: 0, renewing: false, superseded: false
  }
}

t.test('implicit mode: the last batch is accepted once, minus superseded deliveries', async t => {
  const ledger = new DeliveryLedger(true)
  const batch = [delivery(0), delivery(1), delivery(2)]
  t.same(ledger.handOut(batch).map(r => r.offset), [0n, 1n, 2n])
  ledger.markSuperseded([delivery(1)])
  t.same(ledger.takeImplicitAccepts().map(d => d.record.offset), [0n, 2n])
  t.same(ledger.takeImplicitAccepts(), [], 'only once')
})

t.test('explicit mode: resolve settles, renew keeps holding, unknown records throw', async t => {
  const ledger = new DeliveryLedger(false)
  const [a, b] = [delivery(0), delivery(1)]
  ledger.handOut([a, b])
  t.same(ledger.takeImplicitAccepts(), [], 'nothing is implicit')
  t.equal(ledger.resolve(a.record, ACCEPT), a)
  t.throws(() => ledger.resolve(a.record, ACCEPT), InvalidAcknowledgementError, 'settled already')
  t.equal(ledger.resolve({ topic: 'jobs', partition: 0, offset: 1n }, RENEW), b, 'by reference')
  t.ok(b.renewing)
  ledger.applyResults([{ topic: 'jobs', partition: 0, offsets: [1n], error: null }], 5000, 3000)
  t.equal(b.record.lockDeadline, 8000, 'a successful renew moves the deadline')
  t.notOk(b.renewing)
  t.equal(ledger.resolve(b.record, ACCEPT), b, 'still held after the renew')
  t.throws(() => ledger.resolve({ topic: 'jobs', partition: 3, offset: 0n }, ACCEPT), /not held/)
})

t.test('an old delivery of a record that came back: reported as INVALID_RECORD_STATE, not thrown', async t => {
  const ledger = new DeliveryLedger(false)
  const old = delivery(4)
  ledger.handOut([old])
  ledger.markSuperseded([delivery(4)])
  const result = ledger.resolve(old.record, ACCEPT)
  t.ok('error' in result)
  t.match((result as unknown as { error: { errorName: string } }).error.errorName, 'INVALID_RECORD_STATE')
  const fresh = delivery(4)
  ledger.handOut([fresh])
  t.ok('error' in ledger.resolve(old.record, ACCEPT), 'the old record object stays stale')
  t.equal(ledger.resolve(fresh.record, ACCEPT), fresh)
})

t.test('records forgotten long after their lock ran out', async t => {
  const ledger = new DeliveryLedger(false)
  ledger.handOut([delivery(0, 100), delivery(1, 10_000)])
  ledger.forgetExpired(5000)
  t.throws(() => ledger.resolve({ topic: 'jobs', partition: 0, offset: 0n }, ACCEPT), InvalidAcknowledgementError)
  t.ok(ledger.resolve({ topic: 'jobs', partition: 0, offset: 1n }, ACCEPT))
})

t.test('a refused acknowledgement (leader moved, session lost) is reported before supersession, and settles the record', async t => {
  const ledger = new DeliveryLedger(false)
  const [a, b] = [delivery(0), delivery(1)]
  ledger.handOut([a, b])
  ledger.markSuperseded([delivery(0)]) // the new leader delivered it again at once
  const refused = { topic: 'jobs', partition: 0, offsets: [0n], error: new KafkaError('moved', false) }
  t.equal(ledger.resolve(a.record, ACCEPT, () => refused), refused, 'the refusal, not INVALID_RECORD_STATE')
  t.throws(() => ledger.resolve(a.record, ACCEPT), InvalidAcknowledgementError, 'settled: no longer held')
  t.equal(ledger.resolve(b.record, RENEW, () => refused), refused, 'a refused renew')
  t.notOk(b.renewing, 'is not pending')
  t.throws(() => ledger.resolve(b.record, ACCEPT), InvalidAcknowledgementError, 'and the record is let go')
})
