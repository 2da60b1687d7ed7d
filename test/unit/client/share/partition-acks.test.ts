import t from 'tap'
import { resultsFor } from '../../../../client/share/ack-results.js'
import { PartitionAcks } from '../../../../client/share/partition-acks.js'
import { ACCEPT, GAP, REJECT, RELEASE, RENEW } from '../../../../protocol/acknowledge-type.js'

function acksOf (entries: Array<[number, number]>): PartitionAcks {
  const acks = new PartitionAcks()
  for (const [offset, type] of entries) acks.set(BigInt(offset), type)
  return acks
}

function range (first: number, last: number, type: number): Array<[number, number]> {
  const out: Array<[number, number]> = []
  for (let o = first; o <= last; o++) out.push([o, type])
  return out
}

t.test('a contiguous range of one type is one batch with a single type', async t => {
  const acks = acksOf(range(100, 599, ACCEPT).reverse())
  t.same(acks.batches(), [{ firstOffset: 100n, lastOffset: 599n, acknowledgeTypes: [ACCEPT] }])
})

t.test('discontinuities start new batches, in ascending order', async t => {
  const acks = acksOf([[7, ACCEPT], [3, ACCEPT], [4, ACCEPT], [10, REJECT], [5, ACCEPT]])
  t.same(acks.batches(), [
    { firstOffset: 3n, lastOffset: 5n, acknowledgeTypes: [ACCEPT] },
    { firstOffset: 7n, lastOffset: 7n, acknowledgeTypes: [ACCEPT] },
    { firstOffset: 10n, lastOffset: 10n, acknowledgeTypes: [REJECT] }
  ])
})

t.test('mixed types in a contiguous range list one type per offset', async t => {
  const acks = acksOf([[0, ACCEPT], [1, RELEASE], [2, ACCEPT], [3, REJECT], [4, GAP]])
  t.same(acks.batches(), [{ firstOffset: 0n, lastOffset: 4n, acknowledgeTypes: [ACCEPT, RELEASE, ACCEPT, REJECT, GAP] }])
})

t.test('long uniform runs inside a mixed range get their own batch', async t => {
  const entries: Array<[number, number]> = [[0, RELEASE], ...range(1, 40, ACCEPT), [41, REJECT], [42, ACCEPT], ...range(43, 100, GAP)]
  const batches = acksOf(entries).batches()
  t.same(batches, [
    { firstOffset: 0n, lastOffset: 0n, acknowledgeTypes: [RELEASE] },
    { firstOffset: 1n, lastOffset: 40n, acknowledgeTypes: [ACCEPT] },
    { firstOffset: 41n, lastOffset: 42n, acknowledgeTypes: [REJECT, ACCEPT] },
    { firstOffset: 43n, lastOffset: 100n, acknowledgeTypes: [GAP] }
  ])
})

t.test('every batch satisfies the broker rules and together they cover exactly the acks', async t => {
  // Random acks over a sparse range; check the broker's validation rules (KafkaApis.validateAcknowledgementBatches).
  let seed = 42
  const random = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 }
  for (let round = 0; round < 50; round++) {
    const expected = new Map<bigint, number>()
    const acks = new PartitionAcks()
    for (let i = 0; i < 300; i++) {
      const offset = BigInt(Math.floor(random() * 400))
      const type = random() < 0.7 ? ACCEPT : Math.floor(random() * 4)
      acks.set(offset, type)
      expected.set(offset, type)
    }
    const seen = new Map<bigint, number>()
    const violations: string[] = []
    let previousLast = -1n
    for (const b of acks.batches()) {
      if (b.firstOffset > b.lastOffset) violations.push(`inverted ${b.firstOffset}`)
      if (b.firstOffset <= previousLast) violations.push(`overlap at ${b.firstOffset}`)
      const length = Number(b.lastOffset - b.firstOffset) + 1
      if (b.acknowledgeTypes.length !== 1 && b.acknowledgeTypes.length !== length) violations.push(`type count at ${b.firstOffset}`)
      for (let i = 0; i < length; i++) seen.set(b.firstOffset + BigInt(i), b.acknowledgeTypes.length === 1 ? b.acknowledgeTypes[0]! : b.acknowledgeTypes[i]!)
      previousLast = b.lastOffset
    }
    t.same(violations, [], `round ${round} follows the broker rules`)
    t.same([...seen].sort((a, b) => Number(a[0] - b[0])), [...expected].sort((a, b) => Number(a[0] - b[0])), `round ${round} covers exactly`)
  }
})

t.test('a terminal ack supersedes a pending renew; a renew never replaces a terminal ack', async t => {
  const acks = new PartitionAcks()
  t.ok(acks.set(5n, RENEW))
  t.ok(acks.hasRenew)
  t.ok(acks.set(5n, ACCEPT), 'accept replaces renew')
  t.notOk(acks.hasRenew)
  t.notOk(acks.set(5n, RENEW), 'renew after accept is ignored')
  t.equal(acks.get(5n), ACCEPT)
  t.ok(acks.set(5n, REJECT), 'a later terminal type wins')
  t.equal(acks.get(5n), REJECT)
  const other = new PartitionAcks()
  other.set(6n, RENEW)
  other.set(5n, RENEW)
  acks.merge(other)
  t.equal(acks.get(5n), REJECT, 'merge keeps the terminal type')
  t.equal(acks.get(6n), RENEW)
  t.ok(acks.hasRenew)
})

t.test('lock deadlines: the offsets whose lock may have run out by an answer, also after a merge', async t => {
  const acks = new PartitionAcks()
  acks.set(0n, ACCEPT, 1000)
  acks.set(1n, ACCEPT, 1000)
  t.same(acks.expiredBy(999), [], 'answered before the shared deadline')
  t.same(acks.expiredBy(1000), [0n, 1n], 'at the deadline every offset may have expired')
  acks.set(2n, ACCEPT, 5000) // a later fetch's record
  t.same(acks.expiredBy(3000), [0n, 1n], 'only those of the earlier fetch')
  t.equal(acks.earliestDeadline, 1000)
  const merged = new PartitionAcks().merge(acks)
  t.same(merged.expiredBy(3000), [0n, 1n], 'a merge keeps each deadline')
  t.same(new PartitionAcks().expiredBy(Infinity), [], 'empty')
  const unknown = new PartitionAcks()
  unknown.set(7n, ACCEPT)
  t.same(unknown.expiredBy(1e15), [], 'no deadline known: never late')
})

t.test('resultsFor: success answered past some offsets\' locks reports those late, the rest applied', async t => {
  const acks = new PartitionAcks()
  acks.set(0n, ACCEPT, 1000)
  acks.set(1n, ACCEPT, 5000)
  const set = new Map([['k', { target: { topicId: 'AAAAAAAAAAAAAAAAAAAAAg', topic: 'jobs', partition: 0 }, acks }]])
  const results = resultsFor(set, () => null, 3000)
  t.same(results.map(r => [r.offsets, r.error?.name ?? null]), [[[1n], null], [[0n], 'LockExpiredError']])
  t.same(resultsFor(set, () => null, 500).map(r => [r.offsets, r.error]), [[[0n, 1n], null]], 'in time: all applied')
})
