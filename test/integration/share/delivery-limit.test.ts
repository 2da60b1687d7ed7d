import t from 'tap'
import { testBootstrap } from '../../harness/index.js'
import { pollUntil, shareFixture, shareGroupLag, subscribedConsumer } from '../../helpers/share-setup.js'

// Proves the broker's delivery count limit as the consumer sees it: a record released on
// every delivery comes back with deliveryCount 1, 2, ... up to the limit, then is archived
// and never delivered again. The limit is Kafka's default (5, `group.share.delivery.count.limit`),
// so the test needs no 4.3+ group config and runs on 4.2 too.
const LIMIT = 5

t.test('a record released on every delivery is archived at the delivery count limit', async t => {
  const f = await shareFixture(testBootstrap(), 'limit', 1, 1)
  const consumer = subscribedConsumer(t, f, { acknowledgementMode: 'explicit' })
  const counts: number[] = []
  for (let attempt = 1; attempt <= LIMIT; attempt++) {
    const [record] = await pollUntil(consumer, all => all.length > 0, 30_000)
    t.ok(record !== undefined, `delivery ${attempt} arrived`)
    counts.push(record!.deliveryCount)
    consumer.acknowledge(record!, 'release')
    t.same((await consumer.commitSync()).map(r => r.error), [null], `release ${attempt} succeeded`)
  }
  t.same(counts, [1, 2, 3, 4, 5], 'delivery count grows by one per delivery')
  const after = await pollUntil(consumer, () => false, 4000)
  t.equal(after.length, 0, 'after the limit the record is never delivered again')
  const lag = await shareGroupLag(f.bootstrap, f.groupId, f.topic)
  t.same(lag.map(l => l.lag), [0n], 'the archived record no longer counts as lag')
})
