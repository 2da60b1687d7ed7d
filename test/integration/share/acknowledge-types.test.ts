import t from 'tap'
import { testBootstrap } from '../../harness/index.js'
import type { ShareRecord } from '../../../index.js'
import { pollUntil, shareFixture, subscribedConsumer } from '../../helpers/share-setup.js'

// Proves the broker-side effect of each acknowledgement type, and of none.

t.test('release: the record comes back with deliveryCount 2', async t => {
  const f = await shareFixture(testBootstrap(), 'release', 1, 1)
  const consumer = subscribedConsumer(t, f, { acknowledgementMode: 'explicit' })
  const [first] = await pollUntil(consumer, all => all.length > 0, 30_000)
  t.equal(first?.deliveryCount, 1)
  consumer.acknowledge(first!, 'release')
  const results = await consumer.commitSync()
  t.same(results.map(r => [r.partition, r.offsets, r.error]), [[0, [first!.offset], null]])
  const [again] = await pollUntil(consumer, all => all.length > 0, 30_000)
  t.equal(again?.offset, first!.offset, 'same record')
  t.equal(again?.deliveryCount, 2, 'delivered a second time')
  consumer.acknowledge(again!, 'accept')
  t.equal((await consumer.commitSync())[0]?.error, null)
})

t.test('reject: the record never comes back', async t => {
  const f = await shareFixture(testBootstrap(), 'reject', 1, 2)
  const consumer = subscribedConsumer(t, f, { acknowledgementMode: 'explicit' })
  const records = await pollUntil(consumer, all => all.length >= 2, 30_000)
  t.equal(records.length, 2)
  consumer.acknowledge(records[0]!, 'reject')
  consumer.acknowledge(records[1]!, 'release')
  t.same((await consumer.commitSync()).map(r => r.error), [null])
  // The released one returns; the rejected one must not, however long we poll.
  const later = await pollUntil(consumer, () => false, 4000, batch => { for (const r of batch) consumer.acknowledge(r, 'release') })
  t.ok(later.length > 0, 'the released record keeps coming back')
  t.notOk(later.some(r => r.offset === records[0]!.offset), 'the rejected record never does')
})

t.test('no acknowledgement: the record returns once the lock runs out', async t => {
  const f = await shareFixture(testBootstrap(), 'noack', 1, 1, { 'share.record.lock.duration.ms': '2000' })
  const consumer = subscribedConsumer(t, f, { acknowledgementMode: 'explicit' })
  const [first] = await pollUntil(consumer, all => all.length > 0, 30_000)
  t.equal(consumer.acquisitionLockTimeoutMs, 2000, 'lock duration from the group config')
  t.ok(first!.lockDeadline > Date.now() && first!.lockDeadline <= Date.now() + 2000, 'lockDeadline within the lock duration')
  const receivedAt = Date.now()
  const [again] = await pollUntil(consumer, all => all.length > 0, 15_000)
  t.equal(again?.offset, first!.offset)
  t.equal(again?.deliveryCount, 2)
  t.ok(Date.now() - receivedAt >= 1500, `came back after the lock ran out (${Date.now() - receivedAt} ms)`)
  const stale: unknown[] = []
  consumer.onAcknowledgementCommit(results => stale.push(...results.map(r => r.error?.name)))
  consumer.acknowledge(first!, 'accept') // the old delivery: reported, not thrown, not applied to the new one
  consumer.acknowledge(again!, 'accept')
  const results = await consumer.commitSync()
  t.same(results.map(r => r.error?.message.slice(0, 20) ?? null), ['INVALID_RECORD_STATE'], 'the merged result reports the stale ack')
  t.same(stale, ['LockExpiredError', undefined], 'stale delivery failed (its lock ran out), current delivery accepted')
})

t.test('renew keeps a record past the lock duration; another member never gets it', async t => {
  const f = await shareFixture(testBootstrap(), 'renew', 1, 1, { 'share.record.lock.duration.ms': '2000' })
  const holder = subscribedConsumer(t, f, { acknowledgementMode: 'explicit' })
  const [record] = await pollUntil(holder, all => all.length > 0, 30_000)
  t.ok(record)
  const other = subscribedConsumer(t, f, { acknowledgementMode: 'explicit' })
  const stolen: ShareRecord[] = []
  let running = true
  const otherLoop = (async () => {
    while (running) for (const r of await other.poll(200)) stolen.push(r)
  })()
  const start = Date.now()
  let renewals = 0
  while (Date.now() - start < 7000) {
    await new Promise(resolve => setTimeout(resolve, 700))
    const before = record!.lockDeadline
    holder.acknowledge(record!, 'renew')
    const [result] = await holder.commitSync()
    t.equal(result?.error, null, 'renew accepted')
    t.ok(record!.lockDeadline > before, 'lockDeadline moved forward')
    renewals++
    // The holder keeps polling as an application would; the renewed record is not handed out again.
    const polled = await holder.poll(10)
    t.notOk(polled.some(r => r.offset === record!.offset), 'a renewed record is not delivered again')
  }
  running = false
  await otherLoop
  t.same(stolen, [], 'the other member never received it')
  holder.acknowledge(record!, 'accept')
  t.equal((await holder.commitSync())[0]?.error, null, `accepted after ${Date.now() - start} ms (${renewals} renewals) with a 2000 ms lock`)
})

t.test('acknowledging after the lock ran out: LockExpiredError (INVALID_RECORD_STATE) in the results, no crash', async t => {
  const f = await shareFixture(testBootstrap(), 'late', 1, 1, { 'share.record.lock.duration.ms': '1500' })
  const late = subscribedConsumer(t, f, { acknowledgementMode: 'explicit' })
  const [record] = await pollUntil(late, all => all.length > 0, 30_000)
  // Close the late consumer's fetching so the record can only go to the other member.
  late.unsubscribe()
  const other = subscribedConsumer(t, f, { acknowledgementMode: 'explicit' })
  const [taken] = await pollUntil(other, all => all.length > 0, 30_000)
  t.equal(taken?.offset, record!.offset, 'the other member got it after the lock ran out')
  late.acknowledge(record!, 'accept')
  const [result] = await late.commitSync()
  t.equal(result?.error?.name, 'LockExpiredError')
  t.match(result?.error, { how: 'late', errorName: 'INVALID_RECORD_STATE' })
  t.match(result?.error?.message, /another member may have received and processed it/)
  other.acknowledge(taken!, 'accept')
  t.equal((await other.commitSync())[0]?.error, null)
})
