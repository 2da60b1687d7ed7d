import t from 'tap'
import { testBootstrap } from '../../harness/index.js'
import { ConsumerClosedError, InvalidAcknowledgementError, InvalidTopicError, NotSubscribedError, ShareConsumer, WakeupError } from '../../../index.js'
import { pollUntil, shareFixture, subscribedConsumer } from '../../helpers/share-setup.js'

t.test('wakeup() rejects a pending poll at once, or the next one', async t => {
  const f = await shareFixture(testBootstrap(), 'wakeup', 1, 0)
  const consumer = subscribedConsumer(t, f)
  const started = Date.now()
  const pending = consumer.poll(20_000)
  setTimeout(() => consumer.wakeup(), 300)
  await t.rejects(pending, WakeupError)
  t.ok(Date.now() - started < 5000, 'the poll ended long before its timeout')
  consumer.wakeup()
  await t.rejects(consumer.poll(1000), WakeupError, 'a wakeup with no poll pending hits the next poll')
  t.same(await consumer.poll(200), [], 'and only that one')
})

t.test('batches(): async iteration with poll semantics, ending at close()', async t => {
  const f = await shareFixture(testBootstrap(), 'batches', 1, 50)
  const consumer = new ShareConsumer({ bootstrapServers: f.bootstrap, groupId: f.groupId, acknowledgementMode: 'explicit', maxPollRecords: 20 })
  consumer.subscribe([f.topic])
  t.equal(consumer.acquisitionLockTimeoutMs, undefined, 'unknown before the first fetch')
  let count = 0
  let sizes = true
  for await (const batch of consumer.batches(500)) {
    sizes &&= batch.length > 0 && batch.length <= 20
    for (const r of batch) consumer.acknowledge(r)
    count += batch.length
    if (count >= 50) void consumer.close()
  }
  t.equal(count, 50)
  t.ok(sizes, 'non-empty batches of at most maxPollRecords')
  t.ok(consumer.acquisitionLockTimeoutMs !== undefined && consumer.acquisitionLockTimeoutMs > 0, 'lock duration learnt from the broker')
  await t.rejects(consumer.poll(10), ConsumerClosedError)
  t.throws(() => consumer.subscribe([f.topic]), ConsumerClosedError)
})

t.test('acknowledge(): records not held, unknown types, and { topic, partition, offset } refs', async t => {
  const f = await shareFixture(testBootstrap(), 'ackref', 1, 3)
  const consumer = subscribedConsumer(t, f, { acknowledgementMode: 'explicit' })
  const records = await pollUntil(consumer, all => all.length >= 3, 30_000)
  t.throws(() => consumer.acknowledge({ topic: f.topic, partition: 0, offset: 1000n }), InvalidAcknowledgementError, 'never delivered')
  t.throws(() => consumer.acknowledge(records[0]!, 'maybe' as 'accept'), InvalidAcknowledgementError, 'unknown type')
  // A record that could not be deserialized is acknowledged by reference.
  consumer.acknowledge({ topic: f.topic, partition: 0, offset: records[0]!.offset }, 'reject')
  t.throws(() => consumer.acknowledge(records[0]!, 'accept'), InvalidAcknowledgementError, 'already settled')
  consumer.acknowledge(records[1]!)
  consumer.acknowledge(records[2]!, 'accept')
  const [result] = await consumer.commitSync()
  t.same(result?.offsets, records.map(r => r.offset))
  t.equal(result?.error, null)
})

t.test('record_limit: at most maxPollRecords acquired at a time; the rest stays available to others', async t => {
  const f = await shareFixture(testBootstrap(), 'limit', 1, 20)
  const strict = subscribedConsumer(t, f, { acknowledgementMode: 'explicit', acquireMode: 'record_limit', maxPollRecords: 3 })
  const mine = await pollUntil(strict, all => all.length > 0, 30_000)
  t.ok(mine.length > 0 && mine.length <= 3, `strict consumer got ${mine.length}`)
  const other = subscribedConsumer(t, f, { acknowledgementMode: 'explicit' })
  const theirs = await pollUntil(other, all => all.length >= 20 - mine.length, 30_000)
  t.equal(theirs.length, 20 - mine.length, 'everything the strict consumer did not acquire went to the other member')
  t.notOk(theirs.some(r => mine.some(m => m.offset === r.offset)), 'nothing held twice')
})

t.test('subscription misuse is a typed error: poll() without a subscription, illegal topic names', async t => {
  const f = await shareFixture(testBootstrap(), 'notsubscribed', 1, 0)
  const consumer = new ShareConsumer({ bootstrapServers: f.bootstrap, groupId: f.groupId })
  t.teardown(() => consumer.close())
  await t.rejects(consumer.poll(100), NotSubscribedError, 'never subscribed')
  consumer.subscribe([f.topic])
  t.same(await consumer.poll(100), [], 'subscribed: polls normally')
  consumer.unsubscribe()
  await t.rejects(consumer.poll(100), NotSubscribedError, 'after unsubscribe()')
  consumer.subscribe([f.topic])
  consumer.subscribe([])
  await t.rejects(consumer.poll(100), NotSubscribedError, 'after subscribe([])')
  for (const bad of ['topic abc', 'x'.repeat(250), 'jobs/1', '', '.', '..', 'ünïcode']) {
    t.throws(() => consumer.subscribe([f.topic, bad]), InvalidTopicError, `subscribe rejects ${JSON.stringify(bad.length > 20 ? `${bad.slice(0, 10)}… (${bad.length})` : bad)}`)
  }
  t.same(consumer.subscription, [], 'a rejected subscribe() changes nothing')
  consumer.subscribe(['a.b_c-D9', 'x'.repeat(249)])
  t.same(consumer.subscription, ['a.b_c-D9', 'x'.repeat(249)], 'legal names, up to 249 characters')
})

t.test('poll(0) never waits, yet a loop of them receives every record (the first poll turns fetching on)', async t => {
  const f = await shareFixture(testBootstrap(), 'poll-zero', 1, 10)
  const consumer = subscribedConsumer(t, f, { acknowledgementMode: 'explicit' })
  const got: bigint[] = []
  let longest = 0
  const end = Date.now() + 30_000
  while (got.length < 10 && Date.now() < end) {
    const started = Date.now()
    const batch = await consumer.poll(0)
    longest = Math.max(longest, Date.now() - started)
    for (const r of batch) {
      got.push(r.offset)
      consumer.acknowledge(r)
    }
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  t.equal(got.length, 10)
  t.ok(longest < 200, `every poll(0) returned at once (longest ${longest} ms)`)
})
