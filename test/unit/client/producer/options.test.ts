import t from 'tap'
import { RecordAccumulator } from '../../../../client/producer/accumulator.js'
import { ProducerIdentity } from '../../../../client/producer/idempotence.js'
import { toPendingRecord } from '../../../../client/producer/message.js'
import { resolveProducerOptions } from '../../../../client/producer/options.js'
import { SendOperation } from '../../../../client/producer/send-operation.js'

t.test('defaults follow the Java producer', async t => {
  t.match(resolveProducerOptions({ bootstrapServers: 'x:1' }), {
    acks: -1, lingerMs: 5, batchSize: 16384, maxBatchSize: 262144, compression: 'none', idempotent: true, maxInFlight: 5,
    requestTimeoutMs: 30000, deliveryTimeoutMs: 120000, maxBufferedBytes: 33554432, maxBlockMs: 60000,
    maxRequestSize: 1048576, retries: Infinity, retryBackoffMs: 100, retryBackoffMaxMs: 1000
  })
})

t.test('bad combinations are ConfigurationErrors naming the option', async t => {
  const bad = (o: object, option: string): void => {
    t.throws(() => resolveProducerOptions({ bootstrapServers: 'x:1', ...o }), { name: 'ConfigurationError', option }, JSON.stringify(o))
  }
  bad({ acks: 0 }, 'acks')
  bad({ acks: 1, idempotent: true }, 'idempotent')
  bad({ maxInFlight: 6 }, 'maxInFlight')
  bad({ compression: 'lz4' }, 'compression')
  bad({ compression: 'brotli' }, 'compression')
  bad({ lingerMs: -1 }, 'lingerMs')
  bad({ deliveryTimeoutMs: 1000, requestTimeoutMs: 2000 }, 'deliveryTimeoutMs')
  bad({ retryBackoffMs: 500, retryBackoffMaxMs: 100 }, 'retryBackoffMaxMs')
  bad({ batchSize: 0 }, 'batchSize')
  bad({ batchSize: 65536, maxBatchSize: 32768 }, 'maxBatchSize')
  bad({ maxBatchSize: 2 << 20 }, 'maxBatchSize')
  bad({ retries: -1 }, 'retries')
})

t.test('maxBatchSize follows a larger batchSize and stays within maxRequestSize', async t => {
  t.match(resolveProducerOptions({ bootstrapServers: 'x:1', batchSize: 512 * 1024 }), { batchSize: 524288, maxBatchSize: 524288 })
  t.match(resolveProducerOptions({ bootstrapServers: 'x:1', maxRequestSize: 100_000 }), { maxBatchSize: 100_000 })
})

t.test('acks: 1 turns the idempotence default off; maxInFlight may then exceed 5', async t => {
  t.match(resolveProducerOptions({ bootstrapServers: 'x:1', acks: 1, maxInFlight: 10 }), { idempotent: false, maxInFlight: 10 })
  t.match(resolveProducerOptions({ bootstrapServers: 'x:1', idempotent: false, maxInFlight: 10 }), { idempotent: false, acks: -1 })
})

t.test('sequences: per partition, by record count, kept across retries; a bump restarts them under epoch + 1', async t => {
  const acc = new RecordAccumulator(1, 0, 60_000)
  const op = new SendOperation(5)
  const rec = toPendingRecord({ value: 'x' }, 0)
  const id = new ProducerIdentity()
  id.producerId = 7n
  id.producerEpoch = 0
  for (let i = 0; i < 3; i++) acc.append('t', 0, rec, op, 0)
  const q = acc.queue('t', 0)
  const a = acc.take(q)
  id.assign(q, a)
  const b = acc.take(q)
  b.add(rec, op)
  id.assign(q, b)
  t.same([a.baseSequence, b.baseSequence, q.nextSequence], [0, 1, 3], 'sequence advances by record count')
  id.assign(q, b)
  t.equal(b.baseSequence, 1, 'a retried batch keeps its sequence')
  t.same([b.producerId, b.producerEpoch], [7n, 0])
  acc.requeue(q, b)
  id.requestBump()
  id.bump(acc.all())
  t.same([id.producerEpoch, q.nextSequence, b.baseSequence, b.encoded], [1, 0, -1, undefined], 'bump: epoch + 1, sequences restart, queued batches forget theirs')
  id.requestBump(true)
  id.bump(acc.all())
  t.equal(id.ready, false, 'a fenced epoch needs a new producer id')
  id.producerId = 8n
  id.producerEpoch = 32766
  id.requestBump()
  id.bump(acc.all())
  t.equal(id.ready, false, 'an exhausted epoch needs a new producer id')
  q.nextSequence = 0x7fffffff
  id.producerId = 9n
  id.producerEpoch = 0
  const c = acc.take(q)
  id.assign(q, c)
  t.same([c.baseSequence, q.nextSequence], [0x7fffffff, 1], 'sequences wrap to 0 after Integer.MAX_VALUE')
})
