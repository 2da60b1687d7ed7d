import t from 'tap'
import { murmur2, partitionForKey, StickyPartitioner, toPositive } from '../../../../client/producer/partitioner.js'

// Computed with the Java client (kafka-clients 4.4.0): Utils.murmur2(key.getBytes(UTF_8)) and
// Utils.toPositive(h) % n for n = 3, 7, 100.
const JAVA: Array<[string, number, number, number, number]> = [
  ['', 275646681, 0, 2, 81],
  ['a', -1563381124, 1, 5, 24],
  ['ab', 316155434, 2, 0, 34],
  ['abc', 479470107, 0, 4, 7],
  ['abcd', -1323649548, 2, 5, 0],
  ['key-1', 193331640, 0, 5, 40],
  ['key-2', 852269702, 2, 4, 2],
  ['hello world', 1221641059, 1, 2, 59],
  ['kshare', -992554816, 1, 1, 32],
  ['日本語', 1431860170, 1, 6, 70],
  ['order-42', 501153024, 0, 1, 24],
  ['0123456789abcdef', 1438427052, 0, 6, 52]
]

t.test('murmur2 and the keyed partition match the Java client', async t => {
  for (const [key, hash, p3, p7, p100] of JAVA) {
    const bytes = Buffer.from(key, 'utf8')
    t.equal(murmur2(bytes), hash, `murmur2(${JSON.stringify(key)})`)
    t.equal(partitionForKey(bytes, 3), p3, `${key} of 3`)
    t.equal(partitionForKey(bytes, 7), p7, `${key} of 7`)
    t.equal(partitionForKey(bytes, 100), p100, `${key} of 100`)
  }
  // Bytes 0..255, which exercises the sign of every byte position.
  t.equal(murmur2(Uint8Array.from({ length: 256 }, (_, i) => i)), -1948347274, 'binary key')
})

t.test('toPositive clears the sign bit like Java (not Math.abs)', async t => {
  t.equal(toPositive(-2147483648), 0)
  t.equal(toPositive(-1), 0x7fffffff)
  t.equal(toPositive(5), 5)
})

t.test('sticky partitioner stays on one partition for a batch worth of bytes, then moves', async t => {
  let i = 0
  const draws = [0.1, 0.9, 0.5]
  const sp = new StickyPartitioner(100, () => draws[i++ % draws.length]!)
  const first = sp.partition('t', 4, [], 40)
  t.equal(sp.partition('t', 4, [], 40), first, 'second record stays')
  t.equal(sp.partition('t', 4, [], 40), first, 'third record stays (120 bytes now)')
  const second = sp.partition('t', 4, [], 40)
  t.not(second, first, 'after batchSize bytes the partition changes')
  t.equal(sp.partition('other', 1, [], 1000), 0, 'one partition: always 0')
  t.equal(sp.partition('other', 1, [], 1000), 0)
  const onlyAvailable = new StickyPartitioner(1)
  for (let k = 0; k < 10; k++) t.equal(onlyAvailable.partition('x', 5, [3], 10), 3, 'only partitions with a leader')
})

t.test('sticky partitioner forgets a partition beyond a shrunk count', async t => {
  const sp = new StickyPartitioner(1000, () => 0.99)
  t.equal(sp.partition('t', 8, [], 1), 7)
  t.equal(sp.partition('t', 2, [], 1), 1, 're-chosen within the new count')
})
