import t from 'tap'
import { testBootstrap } from '../../harness/index.js'
import { TRACE_CHANNELS, type RequestTrace } from '../../../client/tracing.js'
import { ShareConsumer } from '../../../index.js'
import { captureRequests, shareFixture } from '../../helpers/share-setup.js'

interface AckCarrier { topics: Array<{ partitions: Array<{ acknowledgementBatches: unknown[] }> }> }

function carriesAcks (request: unknown): boolean {
  return (request as AckCarrier).topics.some(topic => topic.partitions.some(p => p.acknowledgementBatches.length > 0))
}

function count (traces: RequestTrace[]): { fetch: number, fetchWithAcks: number, acknowledge: number } {
  const fetches = traces.filter(r => r.api === 'ShareFetch')
  return {
    fetch: fetches.length,
    fetchWithAcks: fetches.filter(r => carriesAcks(r.request)).length,
    acknowledge: traces.filter(r => r.api === 'ShareAcknowledge').length
  }
}

for (const mode of ['explicit', 'implicit'] as const) {
  t.test(`steady state (${mode}): acks ride on ShareFetch; standalone ShareAcknowledge ≤ 1 per 10 ShareFetch`, async t => {
    const total = 30_000
    const f = await shareFixture(testBootstrap(), `ratio-${mode}`, 3, total)
    const consumer = new ShareConsumer({ bootstrapServers: f.bootstrap, groupId: f.groupId, acknowledgementMode: mode })
    const traces = captureRequests(t, TRACE_CHANNELS.start)
    consumer.subscribe([f.topic])
    let received = 0
    const start = Date.now()
    while (received < total && Date.now() - start < 120_000) {
      const batch = await consumer.poll(1000)
      received += batch.length
      if (mode === 'explicit') for (const r of batch) consumer.acknowledge(r)
    }
    const steady = count(traces.filter(r => (r.request as { memberId?: string }).memberId === consumer.memberId))
    const elapsed = Date.now() - start
    const results = await consumer.commitSync()
    await consumer.close()
    t.equal(received, total)
    t.ok(results.every(r => r.error === null))
    t.comment(`${total} records in ${elapsed} ms: ${steady.fetch} ShareFetch (${steady.fetchWithAcks} carrying acks), ${steady.acknowledge} standalone ShareAcknowledge`)
    t.ok(steady.fetch >= 10, 'enough fetches to measure')
    t.ok(steady.fetchWithAcks >= steady.fetch / 2, 'most fetches carry acknowledgements')
    t.ok(steady.acknowledge * 10 <= steady.fetch, `standalone ShareAcknowledge ${steady.acknowledge} ≤ ${steady.fetch} / 10`)
  })
}
