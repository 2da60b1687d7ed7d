import t from 'tap'
import { testBootstrap } from '../../harness/index.js'
import { InvalidAcknowledgementError, ShareConsumer, type AcknowledgementResult } from '../../../index.js'
import { pollUntil, shareFixture } from '../../helpers/share-setup.js'

t.test('implicit mode: the next poll accepts the previous batch; acknowledge() throws', async t => {
  const f = await shareFixture(testBootstrap(), 'implicit', 1, 20)
  const consumer = new ShareConsumer({ bootstrapServers: f.bootstrap, groupId: f.groupId, maxPollRecords: 5 })
  const reported: AcknowledgementResult[] = []
  consumer.onAcknowledgementCommit(results => reported.push(...results))
  consumer.subscribe([f.topic])
  const first = await pollUntil(consumer, all => all.length > 0, 30_000)
  t.ok(first.length > 0 && first.length <= 5, `first batch of ${first.length}`)
  t.throws(() => consumer.acknowledge(first[0]!, 'accept'), InvalidAcknowledgementError)
  await new Promise(resolve => setTimeout(resolve, 300))
  t.same(reported, [], 'nothing is accepted before the next poll')
  const second = await pollUntil(consumer, all => all.length > 0, 30_000)
  t.ok(second.length > 0)
  const firstOffsets = first.map(r => r.offset)
  const acceptedOffsets = (): bigint[] => reported.filter(r => r.error === null).flatMap(r => r.offsets)
  for (let i = 0; i < 50 && !firstOffsets.every(o => acceptedOffsets().includes(o)); i++) await new Promise(resolve => setTimeout(resolve, 100))
  t.same(firstOffsets.filter(o => !acceptedOffsets().includes(o)), [], 'the second poll accepted the whole first batch')
  t.same(second.map(r => r.offset).filter(o => acceptedOffsets().includes(o)), [], 'the batch just handed out is not accepted yet')
  // Drain the rest, accept the last batch with commitSync, then nothing may come back.
  const rest = await pollUntil(consumer, all => first.length + second.length + all.length >= 20, 30_000)
  t.equal(first.length + second.length + rest.length, 20)
  const results = await consumer.commitSync()
  t.ok(results.every(r => r.error === null), 'commitSync accepted the last batch')
  await consumer.close()
  const again = new ShareConsumer({ bootstrapServers: f.bootstrap, groupId: f.groupId })
  again.subscribe([f.topic])
  t.same(await pollUntil(again, () => false, 3000), [], 'every record was accepted: none is delivered again')
  await again.close()
})
