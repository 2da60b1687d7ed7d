import t from 'tap'
import { BaseConsumer } from '../../../framework/consumer/base-consumer.js'
import { Message } from '../../../framework/consumer/message.js'
import { BackoffExceedsLockDurationError, ConsumerStateError } from '../../../framework/errors.js'
import { ConsumerInstances } from '../../../framework/processing/consumer-instances.js'
import { InFlight } from '../../../framework/processing/in-flight.js'
import { runJob } from '../../../framework/processing/job-runner.js'
import type { Tracked } from '../../../framework/processing/tracked.js'
import type { ShareTopicBuilder } from '../../../framework/routing/share-topic.js'
import { makeRuntime, type TestRuntime } from './runtime.js'

// Decisions and defaults of one job, run by runJob on a manual clock.

type Behaviour = (c: BaseConsumer, messages: readonly Message[]) => void | Promise<void>

interface Setup { tr: TestRuntime, inFlight: InFlight, run: (behaviour: Behaviour) => Promise<void>, held: () => Tracked[] }

function setup (options: { renew?: boolean, deliveryCount?: number, count?: number, declare?: (t: ShareTopicBuilder) => void, acknowledgementMode?: 'explicit' | 'implicit' } = {}): Setup {
  const tr = makeRuntime({ lockDurationMs: 10_000, renew: options.renew, declare: options.declare, acknowledgementMode: options.acknowledgementMode })
  const inFlight = new InFlight(tr.rt)
  let behaviour: Behaviour = () => {}
  class Scripted extends BaseConsumer {
    consume (messages: readonly Message[]): void | Promise<void> {
      return behaviour(this, messages)
    }
  }
  Object.defineProperty(tr.rt.topic, 'consumerClass', { value: Scripted })
  const instances = new ConsumerInstances(tr.rt.topic, tr.rt.logger)
  let entries: Tracked[] = []
  const run = async (b: Behaviour): Promise<void> => {
    behaviour = b
    for (let i = 0; i < (options.count ?? 3); i++) tr.topic.produce({ n: i })
    entries = tr.topic.acquire(tr.consumer, 100).map((r) => {
      const record = { topic: 'tasks', partition: 0, offset: r.offset, timestamp: 0, key: null, value: r.value, headers: [], deliveryCount: options.deliveryCount ?? r.deliveryCount, lockDeadline: r.lockUntil }
      return inFlight.track(record, new Message(record, JSON.parse(r.value?.toString() ?? 'null')))
    })
    await runJob(tr.rt, inFlight, instances, entries)
  }
  return { tr, inFlight, run, held: () => entries }
}

const types = (s: Setup): string[] => s.tr.consumer.acks.map((a) => `${a.offset}:${a.type}`)

t.test('decisions are recorded at once; what consume leaves undecided is accepted when it returns', async (t) => {
  const s = setup()
  await s.run((c, [a, b]) => {
    c.reject(a!)
    c.release(b!)
    t.same(types(s), ['0:reject', '1:release'], 'sent before consume returns')
  })
  t.same(types(s), ['0:reject', '1:release', '2:accept'])
  t.match(s.tr.of('consumer.rejected'), [{ reason: 'explicit', error: { name: 'RejectedError' } }])
  t.match(s.tr.of('consumer.consumed'), [{ count: 3 }])
  t.equal(s.tr.rt.monitor.counters.locksHeld, 0)
  s.inFlight.keeper.stop()
})

t.test('accept() without an argument accepts every message not yet decided', async (t) => {
  const s = setup()
  await s.run((c, [a]) => {
    c.release(a!)
    c.accept()
  })
  t.same(types(s), ['0:release', '1:accept', '2:accept'])
  s.inFlight.keeper.stop()
})

t.test('misuse is a ConsumerStateError: twice, not in the batch, after consume, in implicit mode', async (t) => {
  const s = setup()
  const errors: unknown[] = []
  let kept: BaseConsumer | undefined
  await s.run((c, [a]) => {
    kept = c
    c.accept(a!)
    try { c.release(a!) } catch (err) { errors.push(err) }
    const stranger = new Message({ ...s.held()[0]!.record, offset: 99n }, null)
    try { c.accept(stranger) } catch (err) { errors.push(err) }
  })
  t.match(errors, [{ name: 'ConsumerStateError', message: /already decided/ }, { name: 'ConsumerStateError', message: /not in this job's batch/ }])
  t.throws(() => kept?.accept(), ConsumerStateError, 'after consume returned')
  t.same(kept?.messages, [], 'messages are cleared between jobs')
  s.inFlight.keeper.stop()
  const implicit = setup({ acknowledgementMode: 'implicit' })
  await implicit.run((c, [a]) => { c.accept(a!) })
  t.match(implicit.tr.of('error.occurred'), [{ source: 'consumer.consume', error: { name: 'ConsumerStateError', message: /implicit acknowledgement/ } }])
  implicit.inFlight.keeper.stop()
})

t.test('consume threw: the error is reported, the undecided are held for the retry backoff, then released', async (t) => {
  const s = setup({ deliveryCount: 2, declare: (topic) => topic.retryBackoff({ initialMs: 1000, maxMs: 60_000 }) })
  await s.run((c, [a]) => {
    c.accept(a!)
    throw new TypeError('flaky downstream')
  })
  t.match(s.tr.of('error.occurred'), [{ source: 'consumer.consume', error: { message: 'flaky downstream' } }])
  t.equal(s.tr.rt.monitor.counters.consumeErrors, 1)
  const paused = s.tr.of('consumer.paused')
  t.equal(paused.length, 2)
  t.ok(paused.every((p) => p.backoffMs >= 1600 && p.backoffMs <= 2400), 'attempt 2: 1000 · 2¹ ± 20 %')
  s.tr.clock.advance(2400)
  t.same(types(s).sort(), ['0:accept', '1:release', '2:release'], 'released when their (jittered) backoffs end')
  s.inFlight.keeper.stop()
})

t.test('without renew the retry backoff is cut to fit in the lock', async (t) => {
  const s = setup({ renew: false, deliveryCount: 5, declare: (topic) => topic.retryBackoff({ initialMs: 10_000, maxMs: 60_000 }) })
  await s.run(() => { throw new Error('down') })
  t.ok(s.tr.of('consumer.paused').every((p) => p.backoffMs <= 9000), 'lock 10 s less the 1 s buffer')
  s.tr.clock.advance(9000)
  t.equal(s.tr.of('consumer.released').length, 3)
  t.equal(s.tr.of('lock.expired').length, 0)
  s.inFlight.keeper.stop()
})

t.test('on the last attempt a failure goes to the DLQ with consume\'s error, then is rejected', async (t) => {
  const s = setup({ deliveryCount: 3, count: 1, declare: (topic) => topic.deadLetterQueue({ topic: 'tasks.dlq', maxAttempts: 3 }) })
  await s.run(() => { throw new RangeError('still broken') })
  await new Promise((resolve) => setImmediate(resolve))
  const headers = Object.fromEntries((s.tr.producer.sent[0]?.message.headers ?? []).map((h) => [h.key, h.value?.toString()]))
  t.match(headers, { 'kshare.error.class': 'RangeError', 'kshare.error.message': 'still broken', 'kshare.delivery.attempt': '3' })
  t.same(types(s), ['0:reject'])
  t.match(s.tr.of('consumer.rejected'), [{ reason: 'attempts_exhausted' }])
  s.inFlight.keeper.stop()
})

t.test('release or pause on the last attempt dead-letters instead', async (t) => {
  const s = setup({ deliveryCount: 2, count: 2, declare: (topic) => topic.deadLetterQueue({ topic: 'tasks.dlq', maxAttempts: 2 }) })
  await s.run((c, [a, b]) => {
    c.release(a!)
    c.pause(b!, 1000)
  })
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(s.tr.producer.sent.length, 2)
  t.match(s.tr.producer.sent[0]?.message.headers?.find((h) => h.key === 'kshare.error.class')?.value?.toString(), 'AttemptsExhaustedError')
  t.same(types(s), ['0:reject', '1:reject'])
  s.inFlight.keeper.stop()
})

t.test('pause without renew: a backoff past the lock less the buffer is refused; resume releases now', async (t) => {
  const s = setup({ renew: false, count: 2 })
  let refused: unknown
  await s.run((c, [a, b]) => {
    try { c.pause(a!, 9500) } catch (err) { refused = err }
    c.pause(b!, 5000)
    c.resume()
    c.accept(a!)
  })
  t.type(refused, BackoffExceedsLockDurationError)
  t.match(refused, { backoffMs: 9500, maxBackoffMs: 9000, lockDurationMs: 10_000, bufferMs: 1000 })
  t.match((refused as Error).message, /exceeds the 9000 ms left on the record's lock/)
  t.same(types(s), ['1:release', '0:accept'], 'the refused pause left the message undecided; resume released the paused one')
  s.inFlight.keeper.stop()
})

t.test('with renew any backoff is accepted; invalid backoffs are refused', async (t) => {
  const s = setup({ count: 2 })
  const errors: unknown[] = []
  await s.run((c, [a, b]) => {
    c.pause(a!, 3_600_000)
    try { c.pause(b!, -1) } catch (err) { errors.push(err) }
    c.accept(b!)
  })
  t.match(errors, [{ name: 'InvalidSettingError' }])
  t.equal(s.tr.of('consumer.paused')[0]?.backoffMs, 3_600_000)
  s.inFlight.keeper.stop()
})

t.test('lockExpired tells the running consumer; its later decision is reported, not thrown', async (t) => {
  const s = setup({ renew: false, count: 1 })
  const expired: bigint[] = []
  await s.run(async (c, [a]) => {
    c.lockExpired = (m) => { expired.push(m.offset) }
    s.tr.clock.advance(11_000)
    await new Promise((resolve) => setImmediate(resolve))
    c.accept(a!)
  })
  t.same(expired, [0n])
  t.same(types(s), [], 'nothing sent for the lost record')
  t.match(s.tr.of('error.occurred'), [{ source: 'lock' }])
})

t.test('an initialized() that throws fails the job like consume would', async (t) => {
  const s = setup({ count: 1 })
  Object.defineProperty(s.tr.rt.topic, 'consumerClass', {
    value: class extends BaseConsumer {
      override initialized (): void { throw new Error('no database') }
      consume (): void {}
    }
  })
  await s.run(() => {})
  t.match(s.tr.of('error.occurred'), [{ source: 'consumer.hook', error: { message: 'no database' } }])
  t.equal(s.tr.of('consumer.paused').length, 1, 'held for the retry backoff')
  s.inFlight.keeper.stop()
})
