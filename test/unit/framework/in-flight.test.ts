import t from 'tap'
import { Message } from '../../../framework/consumer/message.js'
import { LockLostError } from '../../../framework/errors.js'
import { InFlight } from '../../../framework/processing/in-flight.js'
import { makeRuntime, settle, type TestRuntime } from './runtime.js'

// InFlight + LockKeeper on a manual clock: renewals, expiry, backoff release, DLQ ordering.

function hold (tr: TestRuntime, count: number): { inFlight: InFlight, tracked: ReturnType<InFlight['track']>[] } {
  for (let i = 0; i < count; i++) tr.topic.produce({ n: i })
  const inFlight = new InFlight(tr.rt)
  const tracked = tr.topic.acquire(tr.consumer, count).map((r) => {
    const record = { topic: 'tasks', partition: r.partition, offset: r.offset, timestamp: 0, key: r.key, value: r.value, headers: r.headers, deliveryCount: r.deliveryCount, lockDeadline: r.lockUntil }
    return inFlight.track(record, new Message(record, null))
  })
  return { inFlight, tracked }
}

t.test('auto-renew keeps records locked for many lock durations, at ~70 % of the lock', async (t) => {
  const tr = makeRuntime({ lockDurationMs: 10_000 })
  const { inFlight, tracked } = hold(tr, 3)
  tr.clock.advance(6000)
  t.equal(tr.consumer.acks.length, 0, 'no renewal before 60 %')
  tr.clock.advance(1000)
  const renews = tr.consumer.acks.filter((a) => a.type === 'renew')
  t.equal(renews.length, 3, 'one renewal round for all three')
  t.ok(renews.every((a) => a.at - 1_000_000 >= 6000 && a.at - 1_000_000 <= 7000), 'between 60 % and 70 % of the lock')
  tr.clock.advance(50_000)
  t.equal(tr.of('lock.expired').length, 0, 'no lock lost over 5.7 lock durations')
  t.ok(tr.topic.records.every((r) => r.state === 'acquired' && r.deliveryCount === 1), 'the broker still has them acquired, first delivery')
  t.equal(tr.of('lock.renewed').length, 8)
  t.equal(tr.rt.monitor.counters.renewed, 24)
  inFlight.accept(tracked[0]!)
  t.equal(tr.topic.state(0, 0n), 'acknowledged')
  t.equal(tr.rt.monitor.counters.locksHeld, 2)
  inFlight.keeper.stop()
})

t.test('without renew a lock runs out: reported once, the consumer is told, a later decision is reported not sent', async (t) => {
  const tr = makeRuntime({ renew: false, lockDurationMs: 10_000 })
  const { inFlight, tracked } = hold(tr, 1)
  const told: bigint[] = []
  inFlight.running(tracked, { lockLost: (m) => told.push(m.offset) })
  tr.clock.advance(10_500)
  t.equal(tr.of('lock.expired').length, 1)
  t.type(tr.of('lock.expired')[0]?.error, LockLostError)
  t.same(told, [0n], 'the holder heard of it')
  t.equal(tr.rt.monitor.counters.lockExpiries, 1)
  t.equal(tr.rt.monitor.counters.locksHeld, 0)
  inFlight.accept(tracked[0]!)
  t.equal(tr.consumer.acks.length, 0, 'no acknowledgement sent for a lost lock')
  t.match(tr.of('error.occurred')[0], { source: 'lock', error: { message: /accept of tasks-0@0 was not sent: its lock was lost/ } })
  t.equal(tr.rt.monitor.counters.accepted, 0)
  t.equal(inFlight.size, 0)
})

t.test('pause holds a record past its lock with renewals, then releases it', async (t) => {
  const tr = makeRuntime({ lockDurationMs: 10_000 })
  const { inFlight, tracked } = hold(tr, 1)
  inFlight.pause(tracked[0]!, 25_000)
  t.equal(tr.rt.monitor.counters.paused, 1)
  tr.clock.advance(24_999)
  t.equal(tr.topic.state(0, 0n), 'acquired', 'still ours just before the backoff ends')
  t.ok(tr.consumer.acks.filter((a) => a.type === 'renew').length >= 3, 'renewed while paused')
  tr.clock.advance(1)
  t.equal(tr.topic.state(0, 0n), 'available', 'released when the backoff ends')
  t.match(tr.of('consumer.released'), [{ reason: 'backoff', offset: 0n, deliveryAttempt: 1 }])
  t.equal(tr.of('lock.expired').length, 0)
  t.equal(tr.rt.monitor.counters.paused, 0)
  await inFlight.whenNoPaused()
})

t.test('whenNoPaused waits for the last backoff', async (t) => {
  const tr = makeRuntime({ renew: false, lockDurationMs: 10_000 })
  const { inFlight, tracked } = hold(tr, 2)
  inFlight.pause(tracked[0]!, 1000)
  inFlight.pause(tracked[1]!, 3000)
  let done = false
  void inFlight.whenNoPaused().then(() => { done = true })
  tr.clock.advance(2000)
  await settle()
  t.notOk(done, 'one backoff left')
  tr.clock.advance(1000)
  await settle()
  t.ok(done)
})

t.test('a DLQ write comes first: the reject is sent only once it is acknowledged, and the lock is renewed meanwhile', async (t) => {
  const tr = makeRuntime({ lockDurationMs: 10_000, declare: (topic) => topic.deadLetterQueue({ topic: 'tasks.dlq' }) })
  const { inFlight, tracked } = hold(tr, 1)
  let open: () => void = () => {}
  tr.producer.gate = new Promise((resolve) => { open = resolve })
  inFlight.deadLetter(tracked[0]!, new Error('bad job'), 'explicit')
  await settle()
  tr.clock.advance(15_000)
  t.same(tr.consumer.acks.map((a) => a.type), ['renew', 'renew'], 'renewed while the write is pending, no reject yet')
  open()
  await settle()
  t.same(tr.consumer.acks.map((a) => a.type), ['renew', 'renew', 'reject'])
  t.equal(tr.topic.state(0, 0n), 'archived')
  t.equal(tr.producer.sent[0]?.topic, 'tasks.dlq')
  t.match(tr.of('dlq.dispatched'), [{ dlqTopic: 'tasks.dlq', offset: 0n, error: { message: 'bad job' } }])
  t.match(tr.of('consumer.rejected'), [{ reason: 'explicit' }])
  t.equal(tr.rt.monitor.counters.deadLettered, 1)
  inFlight.keeper.stop()
})

t.test('a failed DLQ write releases the record (it comes back) and is reported', async (t) => {
  const tr = makeRuntime({ declare: (topic) => topic.deadLetterQueue({ topic: 'tasks.dlq' }) })
  const { inFlight, tracked } = hold(tr, 1)
  tr.producer.fail = new Error('no such topic')
  inFlight.deadLetter(tracked[0]!, new Error('bad job'), 'explicit')
  await settle()
  t.same(tr.consumer.acks.map((a) => a.type), ['release'])
  t.match(tr.of('consumer.released'), [{ reason: 'dlq_failed' }])
  t.match(tr.of('error.occurred'), [{ source: 'dlq', error: { name: 'DeadLetterError', message: /cannot write to dead letter topic tasks.dlq: no such topic/ } }])
  inFlight.keeper.stop()
})

t.test('with the broker\'s DLQ (or none) a dead letter is just a reject', async (t) => {
  const tr = makeRuntime({ deadLetter: 'broker', declare: (topic) => topic.deadLetterQueue({ topic: 'tasks.dlq' }) })
  const { inFlight, tracked } = hold(tr, 1)
  inFlight.deadLetter(tracked[0]!, new Error('x'), 'explicit')
  t.same(tr.consumer.acks.map((a) => a.type), ['reject'])
  t.equal(tr.producer.sent.length, 0, 'not written twice')
  inFlight.keeper.stop()
})

t.test('a refused renewal loses the lock; refused acknowledgements are counted and reported', async (t) => {
  const tr = makeRuntime({ lockDurationMs: 10_000 })
  const { inFlight, tracked } = hold(tr, 3)
  inFlight.accept(tracked[2]!)
  tr.clock.advance(7000)
  t.equal(tr.consumer.acks.filter((a) => a.type === 'renew').length, 2, 'two renewals in flight')
  inFlight.acknowledged([{ topic: 'tasks', partition: 0, offsets: [1n], error: null }])
  inFlight.acknowledged([{ topic: 'tasks', partition: 0, offsets: [0n, 1n, 2n], error: new Error('INVALID_RECORD_STATE') }])
  t.equal(tr.rt.monitor.counters.ackErrors, 1)
  t.match(tr.of('error.occurred'), [{ source: 'acknowledgement', partition: 0, error: { name: 'AcknowledgementError' } }])
  t.match(tr.of('lock.expired'), [{ offset: 0n, error: { message: /refused to renew/ } }], 'only the record whose renewal was pending lost its lock')
  t.notOk(tracked[1]!.lost, 'its renewal had already succeeded')
  inFlight.keeper.stop()
})

t.test('an acknowledgement the client refuses is reported, not thrown', async (t) => {
  const tr = makeRuntime()
  const { inFlight, tracked } = hold(tr, 1)
  tr.consumer.acknowledge = () => { throw new Error('not held by this consumer') }
  inFlight.accept(tracked[0]!)
  t.equal(tr.rt.monitor.counters.accepted, 0)
  t.equal(tr.rt.monitor.counters.ackErrors, 1)
  t.match(tr.of('lock.expired'), [{ error: { message: /the client refused the accept: not held/ } }])
  t.equal(tr.rt.monitor.counters.locksHeld, 0)
  inFlight.keeper.stop()
})

t.test('the same record handed out again means our earlier lock was lost', async (t) => {
  const tr = makeRuntime({ lockDurationMs: 10_000 })
  const { inFlight, tracked } = hold(tr, 1)
  const again = inFlight.track({ ...tracked[0]!.record, deliveryCount: 2 }, undefined)
  t.ok(tracked[0]!.lost)
  t.notOk(again.lost)
  t.equal(inFlight.size, 1)
  t.equal(tr.of('lock.expired').length, 1)
  inFlight.keeper.stop()
})

t.test('shutdown releases paused records at once', async (t) => {
  const tr = makeRuntime({ lockDurationMs: 10_000 })
  const { inFlight, tracked } = hold(tr, 1)
  inFlight.pause(tracked[0]!, 60_000)
  await inFlight.settle(tr.clock.now() + 1000)
  t.match(tr.of('consumer.released'), [{ reason: 'shutdown' }])
  t.equal(tr.clock.pending, 0, 'no timer left behind')
})

t.test('after shutdown began a backoff is not waited for: the record is released at once', async (t) => {
  const tr = makeRuntime({ lockDurationMs: 10_000 })
  const { inFlight, tracked } = hold(tr, 1)
  await inFlight.settle(tr.clock.now())
  inFlight.pause(tracked[0]!, 5000)
  t.match(tr.of('consumer.released'), [{ reason: 'shutdown' }])
  t.equal(tr.clock.pending, 0, 'no backoff timer started')
})
