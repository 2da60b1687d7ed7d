import t from 'tap'
import { RecordAccumulator } from '../../../../client/producer/accumulator.js'
import { ByteBudget } from '../../../../client/producer/byte-budget.js'
import { BufferFullError, SendError } from '../../../../client/producer/errors.js'
import { toPendingRecord } from '../../../../client/producer/message.js'
import { SendOperation } from '../../../../client/producer/send-operation.js'
import { BrokerResponseError } from '../../../../client/errors.js'

const rec = (bytes: number) => toPendingRecord({ value: Buffer.alloc(bytes) }, 1000)

t.test('messages become records with sizes; headers from a list or an object', async t => {
  const a = toPendingRecord({ key: 'k', value: 'héllo', headers: { h: 'v', n: null }, timestamp: new Date(5) }, 99)
  t.same(a.key, Buffer.from('k'))
  t.same(a.value, Buffer.from('héllo'))
  t.same(a.headers, [{ key: 'h', value: Buffer.from('v') }, { key: 'n', value: null }])
  t.equal(a.timestamp, 5)
  const b = toPendingRecord({ value: null, headers: [{ key: 'x', value: 'a' }, { key: 'x', value: 'b' }] }, 99)
  t.equal(b.timestamp, 99, 'timestamp defaults to now')
  t.equal(b.value, null, 'tombstone')
  t.equal(b.headers.length, 2, 'repeated header names kept')
  t.ok(a.size > 1 + 6 + 2 + 1, 'size counts key, value, headers and overhead')
  t.throws(() => toPendingRecord({ value: 'x', timestamp: NaN }, 0), { name: 'ConfigurationError' })
})

t.test('batches close at batchSize; an oversized record gets its own batch', async t => {
  const acc = new RecordAccumulator(200, 1000, 60_000)
  const op = new SendOperation(4)
  acc.append('t', 0, rec(100), op, 0)
  const q = acc.queue('t', 0)
  t.same(q.batches.toArray().map(b => b.closed), [false], 'first record opens a batch')
  acc.append('t', 0, rec(100), op, 0)
  t.same(q.batches.toArray().map(b => b.closed), [true, false], 'second would exceed 200 with overhead: closes the first')
  acc.append('t', 0, rec(1000), op, 0)
  t.same(q.batches.toArray().map(b => b.closed), [true, true, true], 'oversized record closes the second batch and its own')
  acc.append('t', 0, rec(10), op, 0)
  t.same(q.batches.toArray().map(b => b.records.length), [1, 1, 1, 1])
  t.equal(acc.queuedBatches, 4)
})

t.test('a ready batch the sender has not taken keeps growing up to maxBatchSize (KIP-782)', async t => {
  const acc = new RecordAccumulator(200, 1000, 60_000, 700)
  const op = new SendOperation(10)
  const q = acc.queue('t', 0)
  acc.append('t', 0, rec(100), op, 0)
  t.equal(acc.check(0).ready.length, 0, 'below batchSize: lingers')
  acc.append('t', 0, rec(100), op, 0)
  t.same(acc.check(0).ready.map(r => r.partition), [0], 'ready at batchSize, before its linger')
  t.same(q.batches.toArray().map(b => [b.records.length, b.closed]), [[2, false]], 'still open: nobody took it')
  for (let i = 0; i < 4; i++) acc.append('t', 0, rec(100), op, 0)
  t.same(q.batches.toArray().map(b => b.records.length), [5, 1], 'grew to maxBatchSize, then a new batch opened')
  const sent = acc.take(q)
  t.ok(sent.closed, 'a taken batch takes no more records')
  acc.append('t', 0, rec(300), op, 0)
  t.same(q.batches.toArray().map(b => [b.records.length, b.closed]), [[1, true], [1, true]], 'a record over batchSize gets a batch of its own')
})

t.test('readiness: linger, full batches, flush and retry backoff', async t => {
  const acc = new RecordAccumulator(1000, 50, 60_000)
  const op = new SendOperation(10)
  acc.append('t', 0, rec(10), op, 100)
  let c = acc.check(120)
  t.equal(c.ready.length, 0, 'lingering')
  t.equal(c.nextCheckMs, 30, 'ready at createdAt + linger')
  t.equal(acc.check(150).ready.length, 1, 'linger passed')
  acc.beginFlush()
  t.equal(acc.check(101).ready.length, 1, 'flush makes it ready at once')
  acc.endFlush()
  for (let i = 0; i < 100; i++) acc.append('u', 1, rec(10), op, 100)
  c = acc.check(101)
  t.same(c.ready.map(q => q.topic), ['u'], 'a full batch is ready before its linger')
  const q = acc.queue('u', 1)
  const b = acc.take(q)
  t.same(q.batches.toArray().map(x => x.records.length), [32, 32, 4], 'batches of 32 × 31 bytes')
  b.attempts = 1
  b.retryAt = 500
  b.baseSequence = 0
  acc.requeue(q, b)
  t.equal(q.batches.peekFront(), b, 'retried batch goes to the front')
  c = acc.check(200)
  t.notOk(c.ready.includes(q), 'retry waits for its backoff')
  t.ok(acc.check(500).ready.includes(q))
})

t.test('requeue keeps sequence order among retried batches', async t => {
  const acc = new RecordAccumulator(1, 0, 60_000)
  const op = new SendOperation(3)
  for (let i = 0; i < 3; i++) acc.append('t', 0, rec(10), op, 0)
  const q = acc.queue('t', 0)
  const [b0, b1, b2] = [acc.take(q), acc.take(q), acc.take(q)]
  b0.baseSequence = 0; b1.baseSequence = 1; b2.baseSequence = 2
  acc.append('t', 0, rec(10), op, 0)
  acc.requeue(q, b2)
  acc.requeue(q, b0)
  acc.requeue(q, b1)
  t.same(q.batches.toArray().map(b => b.baseSequence), [0, 1, 2, -1])
})

t.test('a send settles per partition with the lowest offset, or with a SendError naming each failure', async t => {
  const acc = new RecordAccumulator(1000, 0, 60_000)
  const op = new SendOperation(3)
  acc.append('t', 0, rec(1), op, 0)
  acc.append('t', 1, rec(1), op, 0)
  acc.append('t', 0, rec(1), op, 0)
  acc.take(acc.queue('t', 1)).complete(7n)
  acc.take(acc.queue('t', 0)).complete(40n)
  t.same(await op.done, [{ topic: 't', partition: 1, baseOffset: 7n, lastOffset: 7n, records: 1 }, { topic: 't', partition: 0, baseOffset: 40n, lastOffset: 41n, records: 2 }])

  const op2 = new SendOperation(2)
  acc.append('t', 0, rec(1), op2, 0)
  acc.append('t', 1, rec(1), op2, 0)
  const err = new BrokerResponseError('too large', 10, 'MESSAGE_TOO_LARGE', false, null)
  acc.take(acc.queue('t', 0)).fail(err)
  acc.take(acc.queue('t', 1)).complete(3n)
  const e = await op2.done.then(() => null, (x: unknown) => x)
  t.ok(e instanceof SendError)
  t.same((e as SendError).failures, [{ topic: 't', partition: 0, error: err }])
  t.same((e as SendError).written, [{ topic: 't', partition: 1, baseOffset: 3n, lastOffset: 3n, records: 1 }])
  t.equal((e as SendError).retriable, false)
})

t.test('byte budget: waits FIFO, admits on release, rejects after maxBlockMs', async t => {
  const budget = new ByteBudget(100, 50)
  t.equal(budget.reserve(60), undefined, 'fits: synchronous')
  const order: string[] = []
  const p1 = budget.reserve(50)!.then(() => order.push('a'))
  const p2 = budget.reserve(10)!.then(() => order.push('b'))
  t.equal(budget.inUse, 60, 'later small request waits behind the large one (FIFO)')
  budget.release(60)
  await Promise.all([p1, p2])
  t.same(order, ['a', 'b'])
  t.equal(budget.inUse, 60)
  const tooBig = budget.reserve(1000)
  const err = await tooBig!.then(() => null, (x: unknown) => x)
  t.ok(err instanceof BufferFullError, 'rejects after maxBlockMs')
  budget.release(60)
  t.equal(budget.reserve(1000), undefined, 'a request larger than the budget passes when it is empty')
  const waiting = budget.reserve(1)!
  budget.rejectAll(new Error('closing'))
  await t.rejects(waiting, { message: 'closing' })
})

t.test('queued batches expire after deliveryTimeoutMs, oldest first', async t => {
  const acc = new RecordAccumulator(1, 1000, 100)
  const op = new SendOperation(3)
  acc.append('t', 0, rec(1), op, 0)
  acc.append('t', 0, rec(1), op, 50)
  acc.append('t', 1, rec(1), op, 80)
  let c = acc.check(60)
  t.equal(c.expired.length, 0)
  t.equal(c.nextCheckMs, 40, 'next look when the oldest expires')
  c = acc.check(120)
  t.same(c.expired.map(([q, b]) => [q.partition, b.createdAt]), [[0, 0]])
  t.equal(acc.queuedBatches, 2)
  c = acc.check(200)
  t.same(c.expired.map(([q, b]) => [q.partition, b.createdAt]), [[0, 50], [1, 80]])
  t.equal(acc.queuedBatches, 0)
})

t.test('a batch refused as too large splits into halves that keep their sends', async t => {
  const acc = new RecordAccumulator(10_000, 0, 60_000)
  const a = new SendOperation(3)
  const b = new SendOperation(2)
  for (let i = 0; i < 3; i++) acc.append('t', 0, rec(1), a, 0)
  for (let i = 0; i < 2; i++) acc.append('t', 0, rec(1), b, 0)
  const batch = acc.take(acc.queue('t', 0))
  batch.baseSequence = 7
  const [x, y] = batch.split()
  t.same([x.records.length, y.records.length, x.baseSequence, y.baseSequence], [3, 2, -1, -1])
  x.complete(10n)
  y.complete(20n)
  t.same(await a.done, [{ topic: 't', partition: 0, baseOffset: 10n, lastOffset: 12n, records: 3 }])
  t.same(await b.done, [{ topic: 't', partition: 0, baseOffset: 20n, lastOffset: 21n, records: 2 }])
})
