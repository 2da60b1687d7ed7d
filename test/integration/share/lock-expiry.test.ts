/**
 * Acknowledgements that come after the record's acquisition lock ran out must say so: the
 * broker may have given the record to someone else (issue: in implicit mode the accept of a
 * record received again was dropped and reported as success).
 */
import t from 'tap'
import { testBootstrap } from '../../harness/index.js'
import { LockExpiredError, ShareConsumer, TRACE_CHANNELS, type AcknowledgementResult } from '../../../index.js'
import { captureRequests, pollUntil, shareFixture } from '../../helpers/share-setup.js'

const LOCK_MS = '1000' // the broker's floor in the harness (group.share.min.record.lock.duration.ms)

interface FetchBody { memberId: string }
interface FetchResponse { responses: Array<{ partitions: Array<{ acquiredRecords: Array<{ deliveryCount: number }> }> }> }

t.test('implicit mode: a batch whose lock ran out and that came back is reported as LockExpiredError, not accepted', async t => {
  const f = await shareFixture(testBootstrap(), 'lock-implicit', 1, 5, { 'share.record.lock.duration.ms': LOCK_MS })
  const traces = captureRequests(t, TRACE_CHANNELS.end)
  const consumer = new ShareConsumer({ bootstrapServers: f.bootstrap, groupId: f.groupId, maxPollRecords: 5 })
  t.teardown(() => consumer.close())
  const reported: AcknowledgementResult[] = []
  consumer.onAcknowledgementCommit(results => reported.push(...results))
  consumer.subscribe([f.topic])
  const first = await pollUntil(consumer, all => all.length >= 5, 30_000)
  t.same(first.map(r => r.deliveryCount), [1, 1, 1, 1, 1])
  // The application is slow: the locks run out and the prefetch receives the records again.
  const redelivered = (): boolean => traces.some(r => r.api === 'ShareFetch' && (r.request as FetchBody).memberId === consumer.memberId &&
    (r.response as FetchResponse | undefined)?.responses.some(tp => tp.partitions.some(p => p.acquiredRecords.some(a => a.deliveryCount >= 2))) === true)
  for (let i = 0; i < 100 && !redelivered(); i++) await new Promise(resolve => setTimeout(resolve, 50))
  t.ok(redelivered(), 'the records came back to this consumer (delivery 2)')
  const second = await consumer.poll(5000) // implicitly "accepts" the first batch
  t.same(second.map(r => r.deliveryCount), [2, 2, 2, 2, 2], 'handed out again')
  const expired = reported.filter(r => r.error instanceof LockExpiredError)
  t.same(expired.flatMap(r => r.offsets).sort(), first.map(r => r.offset).sort(), 'every accept of the first batch reported as lock expired')
  t.same(reported.filter(r => r.error === null).length, 0, 'none reported as success')
  t.match(expired[0]?.error, { how: 'redelivered', errorName: 'INVALID_RECORD_STATE' })
  const committed = await consumer.commitSync()
  t.type(committed[0]?.error, LockExpiredError, 'commitSync of this poll cycle reports it too')
  t.ok(reported.some(r => r.error === null && r.offsets.length === 5), 'the second delivery was accepted')
})

t.test('explicit mode: an acknowledgement made after the lock ran out reports LockExpiredError whatever the broker answers; the record comes back', async t => {
  const f = await shareFixture(testBootstrap(), 'lock-late', 1, 3, { 'share.record.lock.duration.ms': LOCK_MS })
  // record_limit: no prefetch, so nothing is received again while the application sleeps.
  const consumer = new ShareConsumer({ bootstrapServers: f.bootstrap, groupId: f.groupId, acknowledgementMode: 'explicit', acquireMode: 'record_limit', maxPollRecords: 3 })
  t.teardown(() => consumer.close())
  consumer.subscribe([f.topic])
  const held = await pollUntil(consumer, all => all.length >= 3, 30_000)
  t.equal(held.length, 3)
  await new Promise(resolve => setTimeout(resolve, Math.max(0, held[0]!.lockDeadline - Date.now()) + 300))
  for (const r of held) consumer.acknowledge(r)
  const results = await consumer.commitSync()
  t.equal(results.length, 1)
  t.type(results[0]?.error, LockExpiredError, `reported as lock expired: ${results[0]?.error?.message ?? 'success'}`)
  t.match(results[0]?.error, { how: 'late' })
  t.same(results[0]?.offsets, held.map(r => r.offset))
  const again = await pollUntil(consumer, all => all.length >= 3, 30_000)
  t.same(again.map(r => [r.offset, r.deliveryCount]), held.map(r => [r.offset, 2]), 'the accept did not take effect: delivered again')
  for (const r of again) consumer.acknowledge(r)
  t.same((await consumer.commitSync()).map(r => r.error), [null])
})
