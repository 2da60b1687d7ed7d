import t from 'tap'
import { PartitionReader } from '../../../client/partition-reader.js'
import { Producer } from '../../../client/producer.js'
import { testBootstrap } from '../../harness/index.js'
import { createTopic, uniqueName } from '../../helpers/share-setup.js'

// PartitionReader (Fetch v12 + ListOffsets at the leader) on the real cluster: offsets, reads
// from an offset with a record limit, from a timestamp, below the log start and past the end,
// compressed batches, and a partition led by another broker.

t.test('reads a partition from an offset or a timestamp', async (t) => {
  const bootstrap = testBootstrap()
  const topic = uniqueName('reader')
  await createTopic(bootstrap, topic, 3)
  const producer = new Producer({ bootstrapServers: bootstrap, compression: 'gzip' })
  const reader = new PartitionReader({ bootstrapServers: bootstrap })
  t.teardown(async () => { await producer.close(); await reader.close() })
  const t0 = Date.now() - 60_000
  for (const p of [0, 1, 2]) {
    await producer.send({ topic, messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `p${p}-v${i}`, headers: { n: String(i) }, partition: p, timestamp: t0 + i * 1000 })) })
  }
  for (const p of [0, 1, 2]) {
    t.same(await reader.offsets(topic, p), { start: 0n, end: 30n }, `partition ${p} offsets`)
    const read = await reader.read(topic, p, 10n, { maxRecords: 5 })
    t.same(read.records.map((r) => r.offset), [10n, 11n, 12n, 13n, 14n], 'from the offset, at most maxRecords')
    t.equal(read.records[0]?.value?.toString(), `p${p}-v10`)
    t.equal(read.records[0]?.headers[0]?.value?.toString(), '10')
    t.equal(read.nextOffset, 15n)
    t.same(read.offsets, { start: 0n, end: 30n })
  }
  t.equal(await reader.offsetForTime(topic, 1, t0 + 20_500), 21n, 'the first record at or after the timestamp')
  t.equal(await reader.offsetForTime(topic, 1, Date.now() + 60_000), null, 'none that late')
  const tail = await reader.read(topic, 2, 25n)
  t.same(tail.records.map((r) => r.offset), [25n, 26n, 27n, 28n, 29n], 'to the end')
  t.equal(tail.nextOffset, 30n)
  const past = await reader.read(topic, 2, 500n)
  t.same(past.records, [], 'past the end: nothing')
  t.equal(past.nextOffset, 30n)
  t.equal(await reader.partitions(topic), 3)
})
