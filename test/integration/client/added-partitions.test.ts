/**
 * Against the shared broker: partitions added by CreatePartitions to a topic that clients
 * already know (issue 10, defect 3). A share consumer fetches the new partition once the
 * broker assigns it (it used to get 0 of 10 records in 30 s: its metadata never learnt of the
 * partition), and a producer writes to it right after createPartitions (it used to reject
 * it with a ConfigurationError from its cached partition count).
 */
import { performance } from 'node:perf_hooks'
import t from 'tap'
import { Admin } from '../../../client/admin.js'
import { BrokerResponseError } from '../../../client/errors.js'
import { Producer } from '../../../client/producer.js'
import { ErrorCode } from '../../../protocol/error-codes.js'
import { testBootstrap } from '../../harness/index.js'
import { pollUntil, shareFixture, subscribedConsumer, uniqueName } from '../../helpers/share-setup.js'

t.test('a share consumer fetches a partition added to its subscribed topic', async t => {
  const f = await shareFixture(testBootstrap(), 'added-consume', 1, 10)
  const consumer = subscribedConsumer(t, f, { acknowledgementMode: 'explicit' })
  const first = await pollUntil(consumer, all => all.length >= 10, 30_000, batch => { for (const r of batch) consumer.acknowledge(r, 'accept') })
  t.equal(first.length, 10, 'the records of partition 0 (the consumer now knows the topic)')
  await consumer.commitSync()

  // An Admin that knew the topic before: its lag report must include the new partition.
  const watcher = new Admin({ bootstrapServers: f.bootstrap })
  t.teardown(() => watcher.close())
  const lagOf = async (): Promise<string[]> => (await watcher.describeShareGroupOffsets(f.groupId, { topics: [{ topic: f.topic }] }))
    .map(o => `${o.partition}:${String(o.lag)}`)
  t.same(await lagOf(), ['0:0'], 'partition 0 fully consumed')

  const admin = new Admin({ bootstrapServers: f.bootstrap })
  t.teardown(() => admin.close())
  await admin.createPartitions([{ topic: f.topic, count: 2 }])
  // Another producer: this test is about the consumer's metadata, not the producer's.
  const producer = new Producer({ bootstrapServers: f.bootstrap })
  t.teardown(() => producer.close())
  await producer.send({ topic: f.topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `new-${i}`, partition: 1 })) })

  const start = performance.now()
  const added = await pollUntil(consumer, all => all.length >= 10, 20_000, batch => { for (const r of batch) consumer.acknowledge(r, 'accept') })
  const ms = Math.round(performance.now() - start)
  t.same(added.map(r => r.partition), Array(10).fill(1), `all 10 records of the new partition 1 within ${ms} ms`)
  const results = await consumer.commitSync()
  t.same(results.filter(r => r.error !== null), [], 'accepted')
  t.same(await lagOf(), ['0:0', '1:0'], 'the same Admin reports the new partition too')
})

t.test('a producer writes to a partition added after it cached the topic; a partition that never comes fails after maxBlockMs', async t => {
  const topic = uniqueName('added-produce')
  const admin = new Admin({ bootstrapServers: testBootstrap() })
  t.teardown(() => admin.close())
  await admin.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }])
  const producer = new Producer({ bootstrapServers: testBootstrap(), maxBlockMs: 3_000 })
  t.teardown(() => producer.close())
  await producer.send({ topic, messages: [{ value: 'before', partition: 0 }] })

  await admin.createPartitions([{ topic, count: 3 }])
  const [written] = await producer.send({ topic, messages: [{ value: 'after', partition: 2 }] })
  t.equal(written?.partition, 2, 'written to the new partition 2')
  t.equal(written?.baseOffset, 0n)

  const start = performance.now()
  const err = await producer.send({ topic, messages: [{ value: 'never', partition: 7 }] }).catch((e: unknown) => e)
  const waited = performance.now() - start
  t.type(err, BrokerResponseError)
  t.equal((err as BrokerResponseError).code, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  t.match((err as Error).message, /partition 7 of topic .* has 3; waited up to maxBlockMs=3000/)
  t.ok(waited >= 1_500 && waited < 6_000, `rejected once maxBlockMs would pass before the next try (${Math.round(waited)} ms)`)
  const after = await producer.send({ topic, messages: [{ value: 'still fine', partition: 1 }] })
  t.equal(after[0]?.partition, 1, 'the producer still works')
})
