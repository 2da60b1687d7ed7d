/**
 * The producer against a real broker. Records are read back with Kafka's Java ConsoleConsumer
 * (an independent decoder) and counted with ListOffsets. Proves: each codec's batches are
 * stored intact; keyed records land on the partition Java's partitioner picks; flush and
 * close lose nothing; the idempotent producer numbers batches per partition and a lost
 * Produce response is retried without a duplicate (and with one when idempotence is off);
 * broker errors reach `send()` as typed per-partition errors; oversized batches are split;
 * the buffer bound makes `send()` wait and then reject.
 */
import diagnostics_channel from 'node:diagnostics_channel'
import t from 'tap'
import { KafkaProxy, type ProxiedFrame } from '../../../cli/proxy/proxy.js'
import { parseBootstrapServers } from '../../../client/address.js'
import { Admin, BrokerResponseError, BufferFullError, ConnectionError, DeliveryTimeoutError, Producer, ProducerClosedError, SendError, type SendResult } from '../../../index.js'
import { partitionForKey } from '../../../client/producer/partitioner.js'
import { TRACE_CHANNELS, type RequestTrace } from '../../../client/tracing.js'
import { BATCH } from '../../../protocol/records/index.js'
import { testBootstrap } from '../../harness/index.js'
import { uniqueName } from './broker-ops.js'
import { consoleConsume, endOffsets, total } from './produced-records.js'

const bootstrap = testBootstrap()
const admin = new Admin({ bootstrapServers: bootstrap })
t.teardown(() => admin.close())

/** Record batches of the Produce requests sent while `fn` runs, with their partition. */
async function captureBatches (fn: () => Promise<void>): Promise<Array<{ topic: string, partition: number, batch: Buffer }>> {
  const seen: Array<{ topic: string, partition: number, batch: Buffer }> = []
  const listener = (msg: unknown): void => {
    const trace = msg as RequestTrace
    if (trace.api !== 'Produce') return
    const body = trace.request as { topicData: Array<{ name: string, partitionData: Array<{ index: number, records: Buffer }> }> }
    for (const td of body.topicData) for (const pd of td.partitionData) seen.push({ topic: td.name, partition: pd.index, batch: pd.records })
  }
  diagnostics_channel.subscribe(TRACE_CHANNELS.start, listener)
  try {
    await fn()
  } finally {
    diagnostics_channel.unsubscribe(TRACE_CHANNELS.start, listener)
  }
  return seen
}

// Keys with the partition Java's producer picks among 3 (Utils.toPositive(Utils.murmur2(key)) % 3,
// computed with kafka-clients 4.4.0).
const JAVA_PARTITION_OF_3: Record<string, number> = {
  a: 1, ab: 2, abc: 0, abcd: 2, 'key-1': 0, 'key-2': 2, 'hello world': 1, kshare: 1, 日本語: 1, 'order-42': 0, '0123456789abcdef': 0
}

t.test('each codec: batches are compressed with it and stored intact; keyed records land where Java puts them', async t => {
  const topic = uniqueName('prod-codecs')
  await admin.createTopics([{ name: topic, partitions: 3, replicationFactor: 1 }])
  const codecs = ['none', 'gzip', 'snappy'] as const
  const expected = new Map<string, { value: string, headers: string[] }>()
  for (const compression of codecs) {
    const producer = new Producer({ bootstrapServers: bootstrap, compression, lingerMs: 20 })
    const batches = await captureBatches(async () => {
      const messages = Array.from({ length: 40 }, (_, i) => {
        const key = `${compression}-${i}`
        const value = `${compression} välue ${i} ${'abc'.repeat(i * 10)}`
        expected.set(key, { value, headers: [`codec:${compression}`, `i:${i}`, 'empty:null'] })
        return { key, value, headers: [{ key: 'codec', value: compression }, { key: 'i', value: String(i) }, { key: 'empty', value: null }] }
      })
      for (const [key, p] of Object.entries(JAVA_PARTITION_OF_3)) {
        const k = `${key}`
        if (compression === 'none') {
          messages.push({ key: k, value: `java ${p}`, headers: [] })
          expected.set(k, { value: `java ${p}`, headers: [] })
        }
      }
      const results = await producer.send({ topic, messages })
      t.ok(results.length > 1, `${compression}: spread over partitions`)
      await producer.close()
    })
    t.ok(batches.length > 0, `${compression}: Produce requests seen`)
    const codecIds = new Set(batches.map(b => b.batch.readInt16BE(BATCH.ATTRIBUTES) & 0x07))
    t.same([...codecIds], [['none', 'gzip', 'snappy', 'lz4', 'zstd'].indexOf(compression)], `${compression}: batches carry the codec id`)
  }
  const records = await consoleConsume(bootstrap, topic, expected.size)
  const byKey = new Map(records.map(r => [r.key, r]))
  t.equal(byKey.size, expected.size, 'every key stored exactly once')
  let intact = 0
  for (const [key, want] of expected) {
    const got = byKey.get(key)
    if (got?.value === want.value && JSON.stringify(got.headers) === JSON.stringify(want.headers)) intact++
    else t.fail(`record ${key} differs: ${JSON.stringify(got)}`)
    t.equal(got?.partition, partitionForKey(Buffer.from(key), 3), `${key} on its murmur2 partition`)
  }
  t.equal(intact, expected.size, 'every value and header read back by Java as written')
  for (const [key, p] of Object.entries(JAVA_PARTITION_OF_3)) t.equal(byKey.get(key)?.partition, p, `${key} on Java's partition ${p}`)
})

t.test('flush sends without waiting for the linger; close loses nothing', async t => {
  const topic = uniqueName('prod-flush')
  await admin.createTopics([{ name: topic, partitions: 4, replicationFactor: 1 }])
  const producer = new Producer({ bootstrapServers: bootstrap, lingerMs: 5_000, batchSize: 4096 })
  const settled: boolean[] = []
  const sends: Array<Promise<SendResult[]>> = []
  const start = (n: number): void => {
    for (let i = 0; i < n; i++) {
      const k = sends.length
      settled[k] = false
      const p = producer.send({ topic, messages: Array.from({ length: 100 }, (_, j) => ({ key: j % 3 === 0 ? null : `k${k}-${j}`, value: `v${k}-${j}` })) })
      p.then(() => { settled[k] = true }, () => { settled[k] = true })
      sends.push(p)
    }
  }
  // Warm up (connections, metadata, producer id) so the flush timing below measures the flush.
  const warmUp = producer.send({ topic, messages: [{ value: 'warm-up' }] })
  await producer.flush()
  await warmUp
  start(30)
  const t0 = Date.now()
  await producer.flush()
  const flushMs = Date.now() - t0
  t.ok(settled.every(Boolean), 'every send settled when flush resolved')
  t.ok(flushMs < 4_000, `flush took ${flushMs} ms, well under the 5 s linger`)
  start(20)
  await producer.close()
  t.ok(settled.every(Boolean), 'every send settled when close resolved')
  const results = await Promise.all(sends)
  t.equal(results.length, 50)
  const offsets = await endOffsets(bootstrap, topic, 4)
  t.equal(total(offsets), 5001n, 'the log holds 5000 records + the warm-up, no loss and no duplicate')
  await t.rejects(producer.send({ topic, messages: [{ value: 'late' }] }), ProducerClosedError)
})

t.test('idempotent producer: a producer id, and contiguous sequence numbers per partition', async t => {
  const topic = uniqueName('prod-idem')
  await admin.createTopics([{ name: topic, partitions: 2, replicationFactor: 1 }])
  const producer = new Producer({ bootstrapServers: bootstrap, lingerMs: 1, batchSize: 1024, maxBatchSize: 1024 })
  // Closed however the test ends: a failed send once left it open and the file hung until tap's timeout.
  t.teardown(() => producer.close())
  const batches = await captureBatches(async () => {
    await Promise.all(Array.from({ length: 50 }, (_, i) => producer.send({ topic, messages: [{ key: `k${i % 7}`, value: 'x'.repeat(100) }] })))
  })
  const { producerId, producerEpoch } = producer.producerIdAndEpoch
  t.ok(producerId >= 0n, `producer id ${producerId}`)
  t.equal(producerEpoch, 0)
  for (const p of [0, 1]) {
    const mine = batches.filter(b => b.partition === p).map(b => ({
      pid: b.batch.readBigInt64BE(BATCH.PRODUCER_ID),
      epoch: b.batch.readInt16BE(BATCH.PRODUCER_EPOCH),
      seq: b.batch.readInt32BE(BATCH.BASE_SEQUENCE),
      count: b.batch.readInt32BE(BATCH.RECORD_COUNT)
    }))
    t.ok(mine.length > 1, `partition ${p}: several batches`)
    t.ok(mine.every(b => b.pid === producerId && b.epoch === producerEpoch), `partition ${p}: every batch carries the producer id and epoch`)
    let next = 0
    for (const b of mine.sort((x, y) => x.seq - y.seq)) {
      t.equal(b.seq, next, `partition ${p}: batch sequence ${b.seq}`)
      next = b.seq + b.count
    }
  }
  const offsets = await endOffsets(bootstrap, topic, 2)
  t.equal(total(offsets), 50n)
})

t.test('idempotent producer: the first batch of a partition is alone in flight until the broker knows the producer', async t => {
  // A broker without the producer's state accepts any sequence as the first: pipelined, a
  // first batch refused on a new topic (UNKNOWN_TOPIC_ID, NOT_LEADER) while the next one was
  // written left a gap its retry could not fill (OUT_OF_ORDER_SEQUENCE_NUMBER, ~1 run in 20).
  const topic = uniqueName('prod-idem-first')
  await admin.createTopics([{ name: topic, partitions: 2, replicationFactor: 1 }])
  const producer = new Producer({ bootstrapServers: bootstrap, lingerMs: 1, batchSize: 1024, maxBatchSize: 1024 })
  t.teardown(() => producer.close())
  const events: Array<{ at: 'start' | 'end', partition: number, seq: number }> = []
  const listen = (at: 'start' | 'end') => (msg: unknown): void => {
    const trace = msg as RequestTrace
    if (trace.api !== 'Produce') return
    const body = trace.request as { topicData: Array<{ partitionData: Array<{ index: number, records: Buffer }> }> }
    for (const td of body.topicData) for (const pd of td.partitionData) events.push({ at, partition: pd.index, seq: pd.records.readInt32BE(BATCH.BASE_SEQUENCE) })
  }
  const onStart = listen('start')
  const onEnd = listen('end')
  diagnostics_channel.subscribe(TRACE_CHANNELS.start, onStart)
  diagnostics_channel.subscribe(TRACE_CHANNELS.end, onEnd)
  t.teardown(() => {
    diagnostics_channel.unsubscribe(TRACE_CHANNELS.start, onStart)
    diagnostics_channel.unsubscribe(TRACE_CHANNELS.end, onEnd)
  })
  await Promise.all(Array.from({ length: 50 }, (_, i) => producer.send({ topic, messages: [{ key: `k${i % 7}`, value: 'x'.repeat(100) }] })))
  for (const p of [0, 1]) {
    const mine = events.filter(e => e.partition === p)
    const firstAnswered = mine.findIndex(e => e.at === 'end' && e.seq === 0)
    const startedBefore = [...new Set(mine.slice(0, firstAnswered).filter(e => e.at === 'start').map(e => e.seq))]
    t.ok(firstAnswered > 0, `partition ${p}: the first batch was answered`)
    t.same(startedBefore, [0], `partition ${p}: nothing else was sent before the first batch's answer`)
    t.ok(mine.filter(e => e.at === 'start').length > 2, `partition ${p}: later batches were sent (pipelined after the first)`)
  }
})

/**
 * The proxy fronts the first bootstrap broker and rewrites the addresses in its answers, so
 * the producer reaches every node, the leader included, through the proxy and its faults.
 */
const firstBroker = parseBootstrapServers(bootstrap)[0]!

/**
 * Produces 10 records through a proxy that drops the first Produce response and cuts the
 * connection (the broker has written the batch; the producer cannot know): the producer
 * retries the same batch. Returns the offset of the lost response and the send's result.
 */
async function produceThroughLostResponse (topic: string, idempotent: boolean): Promise<{ lostOffset: bigint, result: SendResult[] }> {
  const proxy = new KafkaProxy({ listen: { host: '127.0.0.1', port: 0 }, upstream: firstBroker })
  const local = await proxy.start()
  let lostOffset = -1n
  proxy.on('frame', (f: ProxiedFrame) => {
    if (lostOffset >= 0n || f.direction !== 'response' || f.frame?.api?.name !== 'Produce') return
    lostOffset = (f.frame.body as { responses: Array<{ partitionResponses: Array<{ baseOffset: bigint }> }> }).responses[0]!.partitionResponses[0]!.baseOffset
    // The proxy forwards a response after this listener returns; throwing makes it close both
    // sockets instead, so the response is lost after the broker wrote the batch.
    throw new Error('fault injection: drop this Produce response')
  })
  const producer = new Producer({ bootstrapServers: `${local.host}:${local.port}`, idempotent, lingerMs: 0, retryBackoffMs: 50 })
  try {
    const result = await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `r${i}`, partition: 0 })) })
    return { lostOffset, result }
  } finally {
    await producer.close()
    await proxy.close()
  }
}

t.test('a lost Produce response is retried: no duplicate with idempotence, a duplicate without', async t => {
  const topic = uniqueName('prod-retry')
  await admin.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }])
  const idem = await produceThroughLostResponse(topic, true)
  t.equal(idem.lostOffset, 0n, 'a Produce response was dropped after the broker wrote the batch')
  t.same(idem.result, [{ topic, partition: 0, baseOffset: idem.lostOffset, lastOffset: idem.lostOffset + 9n, records: 10 }], 'the retry is answered with the offset of the first write')
  t.same(await endOffsets(bootstrap, topic, 1), [10n], 'idempotent: the batch is in the log once')
  const plain = await produceThroughLostResponse(topic, false)
  t.equal(plain.lostOffset, 10n, 'again a response was dropped after the write')
  t.same(plain.result, [{ topic, partition: 0, baseOffset: 20n, lastOffset: 29n, records: 10 }], 'without idempotence the retry is written again')
  t.same(await endOffsets(bootstrap, topic, 1), [30n], 'without idempotence: a duplicate (this is what idempotence prevents)')
})

t.test('broker errors reach send() typed per partition; too-large batches are split', async t => {
  const topic = uniqueName('prod-errors')
  await admin.createTopics([{ name: topic, partitions: 2, replicationFactor: 1, configs: { 'max.message.bytes': '2000' } }])
  const producer = new Producer({ bootstrapServers: bootstrap, lingerMs: 10, batchSize: 100_000 })
  t.teardown(() => producer.close())
  const err = await producer.send({
    topic,
    messages: [{ value: 'x'.repeat(5000), partition: 0 }, { value: 'small', partition: 1 }]
  }).then(() => null, (e: unknown) => e)
  t.ok(err instanceof SendError, 'a SendError')
  const e = err as SendError
  t.equal(e.failures.length, 1)
  t.equal(e.failures[0]!.partition, 0)
  t.ok(e.failures[0]!.error instanceof BrokerResponseError && e.failures[0]!.error.errorName === 'MESSAGE_TOO_LARGE', `partition 0: ${e.failures[0]!.error.message}`)
  t.same(e.written.map(w => w.partition), [1], 'partition 1 was written')
  // 20 records of ~300 bytes make one ~6 KB batch: refused, split until the halves fit.
  const ok = await producer.send({ topic, messages: Array.from({ length: 20 }, (_, i) => ({ value: `${i}`.padEnd(300, '.'), partition: 0 })) })
  t.same(ok, [{ topic, partition: 0, baseOffset: 0n, lastOffset: 19n, records: 20 }], 'one result for the split batches')
  t.same(await endOffsets(bootstrap, topic, 2), [20n, 1n], 'all 20 split records written once')
})

t.test('bounded buffer: send() waits, then rejects with BufferFullError; stuck batches time out typed', async t => {
  const topic = uniqueName('prod-stuck')
  await admin.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }])
  // A path to the broker that cuts the connection whenever a Produce request arrives (a
  // listener that throws makes the proxy close both sockets): batches cannot be written.
  const proxy = new KafkaProxy({ listen: { host: '127.0.0.1', port: 0 }, upstream: firstBroker })
  const local = await proxy.start()
  t.teardown(() => proxy.close())
  let blackhole = true
  let cut = 0
  proxy.on('frame', (f: ProxiedFrame) => {
    if (blackhole && f.direction === 'request' && f.frame?.api?.name === 'Produce') {
      cut++
      throw new Error('fault injection: refuse Produce')
    }
  })
  const producer = new Producer({
    bootstrapServers: `${local.host}:${local.port}`, requestTimeoutMs: 1000, deliveryTimeoutMs: 2500, maxBufferedBytes: 4000, maxBlockMs: 300, lingerMs: 0
  })
  t.teardown(() => producer.close())
  const first = producer.send({ topic, messages: [{ value: 'x'.repeat(3000) }] }).then(() => null, (e: unknown) => e)
  const t0 = Date.now()
  const full = await producer.send({ topic, messages: [{ value: 'y'.repeat(3000) }] }).then(() => null, (e: unknown) => e)
  const waited = Date.now() - t0
  t.ok(full instanceof BufferFullError, `the second send found no buffer space: ${String(full)}`)
  t.ok(waited >= 250 && waited < 2000, `after waiting about maxBlockMs (${waited} ms)`)
  const stuck = await first
  t.ok(stuck instanceof SendError, 'the first send fails')
  const error = (stuck as SendError).failures[0]?.error
  t.ok(error instanceof DeliveryTimeoutError, `with DeliveryTimeoutError: ${String(error)}`)
  t.ok((error as DeliveryTimeoutError).cause instanceof ConnectionError, 'its cause is the connection error it kept retrying')
  t.ok(cut >= 2, `the batch was retried (${cut} attempts cut)`)
  blackhole = false
  const ok = await producer.send({ topic, messages: [{ value: 'z'.repeat(3000) }] })
  t.same(ok, [{ topic, partition: 0, baseOffset: 0n, lastOffset: 0n, records: 1 }], 'the freed buffer takes new records, written once the path works')
})
