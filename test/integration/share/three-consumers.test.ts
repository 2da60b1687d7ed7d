import t from 'tap'
import { testBootstrap } from '../../harness/index.js'
import { ShareConsumer, type AcknowledgementResult } from '../../../index.js'
import { shareFixture, shareGroupLag } from '../../helpers/share-setup.js'

t.test('3 consumers, 3 partitions, 10,000 records: all accepted, union covers every offset', async t => {
  const total = 10_000
  const f = await shareFixture(testBootstrap(), 'three', 3, total)
  const consumers = [0, 1, 2].map(() => new ShareConsumer({ bootstrapServers: f.bootstrap, groupId: f.groupId, acknowledgementMode: 'explicit' }))
  const seen = new Map<string, number>() // "partition:offset" -> deliveries
  const perConsumer = [0, 0, 0]
  const ackErrors: AcknowledgementResult[] = []
  let done = false
  const start = Date.now()
  const loops = consumers.map(async (c, i) => {
    c.onAcknowledgementCommit(results => { for (const r of results) if (r.error !== null) ackErrors.push(r) })
    c.subscribe([f.topic])
    while (!done && Date.now() - start < 120_000) {
      for (const r of await c.poll(500)) {
        const key = `${r.partition}:${r.offset}`
        seen.set(key, (seen.get(key) ?? 0) + 1)
        perConsumer[i]!++
        c.acknowledge(r, 'accept')
      }
      if (seen.size >= total) done = true
    }
    const results = await c.commitSync()
    for (const r of results) if (r.error !== null) ackErrors.push(r)
  })
  await Promise.all(loops)
  const elapsed = Date.now() - start
  await Promise.all(consumers.map(c => c.close()))
  const duplicates = [...seen.values()].reduce((n, count) => n + count - 1, 0)
  t.comment(`consumed ${seen.size} distinct records in ${elapsed} ms; per consumer ${perConsumer.join(' / ')}; duplicates ${duplicates}`)
  t.equal(seen.size, total, 'the union of delivered (partition, offset) covers all records')
  for (let p = 0; p < 3; p++) {
    const offsets = [...seen.keys()].filter(k => k.startsWith(`${p}:`)).length
    t.equal(offsets, Math.ceil((total - p) / 3), `partition ${p} complete`)
  }
  t.same(ackErrors.map(r => `${r.partition}: ${r.error?.message ?? ''}`), [], 'every acknowledgement succeeded')
  t.ok(perConsumer.filter(n => n > 0).length >= 2, 'the work was shared')
  t.equal(duplicates, 0, 'no record was delivered twice (reported above)')
  // The share coordinator persists acknowledged state asynchronously: give it a moment.
  let lag = await shareGroupLag(f.bootstrap, f.groupId, f.topic)
  for (let i = 0; i < 50 && !lag.every(l => l.lag === 0n); i++) {
    await new Promise(resolve => setTimeout(resolve, 200))
    lag = await shareGroupLag(f.bootstrap, f.groupId, f.topic)
  }
  t.same(lag.map(l => [l.partition, l.lag]), [[0, 0n], [1, 0n], [2, 0n]], 'DescribeShareGroupOffsets: lag 0 on every partition')
})
