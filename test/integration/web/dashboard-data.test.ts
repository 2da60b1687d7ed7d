import t from 'tap'
import { Producer } from '../../../client/producer.js'
import { DashboardData, PAGE_SIZE } from '../../../cli/web/dashboard-data.js'
import { testBootstrap } from '../../harness/index.js'
import { createTopic, uniqueName } from '../../helpers/share-setup.js'

// The dead letter pages without a browser: newest first, PAGE_SIZE a page, every record once
// across the pages; a replay of a record that is not a dead letter is skipped, not sent.

t.test('dead letters page by page, newest first; only dead letters are replayed', async (t) => {
  const bootstrap = testBootstrap()
  const dlq = uniqueName('pages-dlq')
  await createTopic(bootstrap, dlq, 1)
  const producer = new Producer({ bootstrapServers: bootstrap })
  await producer.send({ topic: dlq, messages: Array.from({ length: 45 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) })
  await producer.close()
  const data = new DashboardData({ kafka: { bootstrapServers: bootstrap }, reportsTopic: uniqueName('pages.reports'), dismissedTopic: uniqueName('pages.dismissed'), sampleEveryMs: 1000, historyMs: 60_000 })
  t.teardown(async () => { await data.close() })
  const seen: string[] = []
  let before: bigint | undefined
  const sizes: number[] = []
  for (let page = 0; page < 10; page++) {
    const p = await data.newestFirst(dlq, 0, before)
    sizes.push(p.records.length)
    seen.push(...p.records.map((r) => r.offset))
    if (p.older === null) break
    before = p.older
  }
  t.same(sizes, [PAGE_SIZE, PAGE_SIZE, 5])
  t.same(seen, Array.from({ length: 45 }, (_, i) => String(44 - i)), 'every record once, newest first')
  const outcome = await data.replay(dlq, 0, [3n, 999n])
  t.same(outcome, { replayed: [], skipped: [`${dlq}/0/3`, `${dlq}/0/999`] }, 'no kshare headers: not a dead letter, nothing sent')
})
