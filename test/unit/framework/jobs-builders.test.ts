import t from 'tap'
import { Message } from '../../../framework/consumer/message.js'
import { JobsBuilderError } from '../../../framework/errors.js'
import { jobsPlanFor } from '../../../framework/processing/jobs-builders.js'
import { splitVirtualPartitions } from '../../../framework/processing/virtual-partitions.js'

function msg (partition: number, offset: number, key: string | null = null): Message {
  return new Message({ topic: 'a', partition, offset: BigInt(offset), timestamp: 0, key: key === null ? null : Buffer.from(key), value: null, headers: [], deliveryCount: 1, lockDeadline: 0 }, null)
}

const batch = [msg(0, 0, 'x'), msg(1, 0, 'y'), msg(0, 1, 'x'), msg(1, 1, null), msg(0, 2, 'z')]
const offsets = (jobs: Message[][]): string[][] => jobs.map((j) => j.map((m) => `${m.partition}:${m.offset}`))

t.test('built-in jobs builders split a batch, keeping its order inside each job', async (t) => {
  t.same(offsets(jobsPlanFor('per_batch').build(batch, 3)), [['0:0', '1:0', '0:1', '1:1', '0:2']])
  t.same(offsets(jobsPlanFor('per_message').build(batch, 3)).length, 5)
  t.same(offsets(jobsPlanFor('per_partition').build(batch, 3)), [['0:0', '0:1', '0:2'], ['1:0', '1:1']])
  t.same(offsets(jobsPlanFor('per_key').build(batch, 3)), [['0:0', '0:1'], ['1:0'], ['1:1'], ['0:2']], 'records without a key are jobs of their own')
})

t.test('capacity-aware poll limits: never more jobs than free workers', async (t) => {
  t.equal(jobsPlanFor('per_batch').pollLimit(1, 500), 500, 'one job per poll may be a whole poll')
  for (const kind of ['per_message', 'per_partition', 'per_key'] as const) {
    t.equal(jobsPlanFor(kind).pollLimit(3, 500), 3, `${kind}: one record per free worker`)
    t.equal(jobsPlanFor(kind).pollLimit(800, 500), 500, `${kind}: capped by max.poll.records`)
  }
  t.equal(jobsPlanFor((m) => [m]).pollLimit(2, 500), 2, 'custom builders too')
  const vp = jobsPlanFor('per_batch', { partitioner: 'round_robin', maxPartitions: 4 })
  t.equal(vp.pollLimit(2, 500), 500)
  t.equal(vp.build(batch, 2).length, 2, 'virtual partitions use at most the free workers')
  t.equal(vp.build(batch, 9).length, 4, 'and at most maxPartitions')
  t.equal(vp.workersFor(500), 1, 'a poll for virtual partitions can start with one free worker')
  t.equal(jobsPlanFor('per_batch').workersFor(500), 1)
  t.equal(jobsPlanFor('per_key').workersFor(3), 3, 'a poll of 3 records may need 3 workers')
})

t.test('a custom builder must place every message exactly once', async (t) => {
  t.same(offsets(jobsPlanFor((ms) => [ms.slice(0, 2), [], ms.slice(2)]).build(batch, 1)), [['0:0', '1:0'], ['0:1', '1:1', '0:2']], 'empty groups dropped')
  t.throws(() => jobsPlanFor((ms) => [ms.slice(1)]).build(batch, 1), JobsBuilderError, 'lost a message')
  t.throws(() => jobsPlanFor((ms) => [ms, ms.slice(0, 1)]).build(batch, 1), JobsBuilderError, 'repeated a message')
  t.throws(() => jobsPlanFor(() => [[msg(9, 9)]]).build(batch, 1), JobsBuilderError, 'invented a message')
})

t.test('virtual partitions: round robin, by key, by function', async (t) => {
  t.same(offsets(splitVirtualPartitions(batch, { partitioner: 'round_robin', maxPartitions: 2 }, 2)), [['0:0', '0:1', '0:2'], ['1:0', '1:1']])
  const byKey = splitVirtualPartitions(batch, { partitioner: 'key', maxPartitions: 3 }, 3)
  const together = byKey.find((g) => g.some((m) => m.offset === 0n && m.partition === 0))
  t.ok(together?.some((m) => m.offset === 1n && m.partition === 0), 'equal keys share a job')
  t.equal(byKey.flat().length, 5)
  t.same(offsets(splitVirtualPartitions(batch, { partitioner: (m) => m.partition, maxPartitions: 5 }, 5)), [['0:0', '0:1', '0:2'], ['1:0', '1:1']])
  t.same(offsets(splitVirtualPartitions(batch, { partitioner: (m) => `p${m.partition}`, maxPartitions: 1 }, 1)).length, 1)
})
