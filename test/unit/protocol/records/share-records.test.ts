import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { decodeResponse, ShareFetch } from '../../../../protocol/index.js'
import {
  assembleShareRecords, BATCH, ControlRecordType, CorruptRecordError, crc32c, encodeRecordBatch, RecordBatchError,
  UnsupportedRecordFormatError, type AcquiredRange, type RecordInput, type ShareRecords
} from '../../../../protocol/records/index.js'
import { GOLDEN_DIR, type GoldenManifest } from '../../../helpers/golden-manifest.js'

const TOPIC = 'orders'

/** A batch at `base` holding records at the given offset deltas (values name their offset). */
function batch (base: bigint, deltas: number[], options: { lastOffsetDelta?: number, compression?: 'gzip' } = {}): Buffer {
  const records: RecordInput[] = deltas.map(d => ({ key: `k${base + BigInt(d)}`, value: `v${base + BigInt(d)}`, offsetDelta: d, timestamp: 1000 + d }))
  return encodeRecordBatch(records, { baseOffset: base, ...options })
}

function controlBatch (base: bigint, type: number): Buffer {
  return encodeRecordBatch([{ key: Buffer.from([0, 0, 0, type]), value: Buffer.from([0, 0, 0, 0, 0, 1]) }], { baseOffset: base, control: true, transactional: true })
}

const range = (first: number, last: number, deliveryCount = 1): AcquiredRange => ({ firstOffset: BigInt(first), lastOffset: BigInt(last), deliveryCount })

/** The result in plain numbers: delivered [offset, deliveryCount], gap/truncated ranges, corrupt ranges. */
function summary (r: ShareRecords): { records: number[][], gaps: number[][], corrupt: number[][], truncated: number[][] } {
  const ranges = (list: Array<{ firstOffset: bigint, lastOffset: bigint }>): number[][] => list.map(g => [Number(g.firstOffset), Number(g.lastOffset)])
  return { records: r.records.map(x => [Number(x.offset), x.deliveryCount]), gaps: ranges(r.gaps), corrupt: ranges(r.corrupt), truncated: ranges(r.truncated) }
}

t.test('acquired records get their range delivery count; records outside the ranges are skipped', async t => {
  const data = Buffer.concat([batch(10n, [0, 1, 2, 3, 4]), batch(15n, [0, 1, 2, 3, 4], { compression: 'gzip' })])
  const result = assembleShareRecords(TOPIC, 2, data, [range(11, 12, 1), range(14, 16, 3), range(19, 19, 2)])
  t.same(summary(result), { records: [[11, 1], [12, 1], [14, 3], [15, 3], [16, 3], [19, 2]], gaps: [], corrupt: [], truncated: [] })
  const r = result.records[2]!
  t.match(r, { topic: TOPIC, partition: 2, offset: 14n, timestamp: 1004, deliveryCount: 3 })
  t.equal(r.key!.toString(), 'k14')
  t.equal(r.value!.toString(), 'v14')
})

t.test('compacted offsets inside a batch are gaps', async t => {
  const data = batch(100n, [0, 3, 4, 9])
  t.same(summary(assembleShareRecords(TOPIC, 0, data, [range(100, 109)])), {
    records: [[100, 1], [103, 1], [104, 1], [109, 1]], gaps: [[101, 102], [105, 108]], corrupt: [], truncated: []
  })
  const trailing = batch(100n, [0, 1], { lastOffsetDelta: 4 }) // the cleaner removed the last records
  t.same(summary(assembleShareRecords(TOPIC, 0, trailing, [range(100, 104)])).gaps, [[102, 104]])
  const empty = encodeRecordBatch([], { baseOffset: 50n, lastOffsetDelta: 2 }) // an empty batch kept for producer state
  t.same(summary(assembleShareRecords(TOPIC, 0, empty, [range(50, 52)])).gaps, [[50, 52]])
})

t.test('control batches (transaction markers) are gaps, never records', async t => {
  const data = Buffer.concat([batch(0n, [0, 1]), controlBatch(2n, ControlRecordType.COMMIT), batch(3n, [0]), controlBatch(4n, ControlRecordType.ABORT)])
  t.same(summary(assembleShareRecords(TOPIC, 0, data, [range(0, 4)])), {
    records: [[0, 1], [1, 1], [3, 1]], gaps: [[2, 2], [4, 4]], corrupt: [], truncated: []
  })
})

t.test('acquired offsets with no batch at all are gaps (before, between and after batches)', async t => {
  const data = Buffer.concat([batch(5n, [0, 1]), batch(20n, [0])])
  t.same(summary(assembleShareRecords(TOPIC, 0, data, [range(0, 30)])), {
    records: [[5, 1], [6, 1], [20, 1]], gaps: [[0, 4], [7, 19], [21, 30]], corrupt: [], truncated: []
  })
  t.same(summary(assembleShareRecords(TOPIC, 0, Buffer.alloc(0), [range(7, 8)])).gaps, [[7, 8]], 'no records at all')
})

t.test('ranges split inside a batch, span batches, arrive unsorted or overlapping', async t => {
  const data = Buffer.concat([batch(0n, [0, 1, 2, 3, 4, 5]), batch(6n, [0, 1, 2, 3])])
  t.same(summary(assembleShareRecords(TOPIC, 0, data, [range(8, 9, 4), range(1, 1, 2), range(3, 7, 3)])).records,
    [[1, 2], [3, 3], [4, 3], [5, 3], [6, 3], [7, 3], [8, 4], [9, 4]], 'sorted by first offset')
  t.same(summary(assembleShareRecords(TOPIC, 0, data, [range(0, 4, 1), range(2, 6, 2)])).records,
    [[0, 1], [1, 1], [2, 1], [3, 1], [4, 1], [5, 2], [6, 2]], 'an overlap is delivered once, by the first range')
  t.same(summary(assembleShareRecords(TOPIC, 0, data, [])), { records: [], gaps: [], corrupt: [], truncated: [] }, 'nothing acquired')
})

t.test('a batch with a bad CRC: its acquired offsets are corrupt, the other batches are delivered', async t => {
  const bad = batch(3n, [0, 1, 2])
  bad[bad.indexOf('v4')] = 0x77 // 'w4': the bytes still parse, only the CRC tells
  const data = Buffer.concat([batch(0n, [0, 1, 2]), bad, batch(6n, [0, 1])])
  const result = assembleShareRecords(TOPIC, 4, data, [range(1, 7)])
  t.same(summary(result), { records: [[1, 1], [2, 1], [6, 1], [7, 1]], gaps: [], corrupt: [[3, 5]], truncated: [] })
  const error = result.corrupt[0]!.error
  t.type(error, CorruptRecordError)
  t.match(error, { topic: TOPIC, partition: 4, batchOffset: 3n })
  t.match(error.message, /orders-4/)
  const unchecked = assembleShareRecords(TOPIC, 4, data, [range(1, 7)], { verifyCrc: false })
  t.same(unchecked.records.map(r => r.value!.toString()), ['v1', 'v2', 'v3', 'w4', 'v5', 'v6', 'v7'], 'verification off')
  t.same(summary(assembleShareRecords(TOPIC, 4, data, [range(0, 1)])).corrupt, [], 'a corrupt batch nobody acquired is not even checked')
})

t.test('a batch failing half-way is undone: no records or gaps from it, only a corrupt range', async t => {
  const broken = batch(10n, [0, 2, 3, 4])
  broken.writeInt32BE(5, BATCH.RECORD_COUNT) // one record more than there are: fails after delivering four
  broken.writeUInt32BE(crc32c(broken, BATCH.ATTRIBUTES), BATCH.CRC)
  const data = Buffer.concat([batch(8n, [0]), broken])
  const result = assembleShareRecords(TOPIC, 0, data, [range(7, 14)])
  t.same(summary(result), { records: [[8, 1]], gaps: [[7, 7], [9, 9]], corrupt: [[10, 14]], truncated: [] })
  t.type(result.corrupt[0]!.error, RecordBatchError)
})

t.test('unreadable framing: every remaining acquired offset is corrupt', async t => {
  const legacy = batch(3n, [0, 1])
  legacy.writeInt8(1, BATCH.MAGIC)
  const data = Buffer.concat([batch(0n, [0, 1, 2]), legacy, batch(5n, [0])])
  const result = assembleShareRecords(TOPIC, 0, data, [range(0, 5)])
  t.same(summary(result), { records: [[0, 1], [1, 1], [2, 1]], gaps: [], corrupt: [[3, 5]], truncated: [] })
  t.type(result.corrupt[0]!.error, UnsupportedRecordFormatError)
})

t.test('a partial batch at the end: acquired offsets past the last complete batch are truncated', async t => {
  const last = batch(3n, [0, 1])
  const data = Buffer.concat([batch(0n, [0, 1, 2]), last.subarray(0, 30)])
  t.same(summary(assembleShareRecords(TOPIC, 0, data, [range(1, 4)])), { records: [[1, 1], [2, 1]], gaps: [], corrupt: [], truncated: [[3, 4]] })
})

t.test('real ShareFetch responses from the broker (golden captures)', async t => {
  const manifest = JSON.parse(readFileSync(join(GOLDEN_DIR, 'manifest.json'), 'utf8')) as GoldenManifest
  const frames = manifest.frames.filter(f => f.api === 'ShareFetch' && f.features.includes('acquired records') && f.response !== null)
  t.ok(frames.length >= 2, 'captures with acquired records exist')
  let redelivered = 0
  for (const frame of frames) {
    const payload = readFileSync(join(GOLDEN_DIR, frame.response!)).subarray(4)
    const { body } = decodeResponse(ShareFetch, frame.apiVersion, payload)
    for (const topic of body.responses) {
      for (const p of topic.partitions) {
        const result = assembleShareRecords(manifest.topic, p.partitionIndex, p.records, p.acquiredRecords)
        const acquired = p.acquiredRecords.reduce((n, a) => n + Number(a.lastOffset - a.firstOffset) + 1, 0)
        t.equal(result.records.length + result.gaps.reduce((n, g) => n + Number(g.lastOffset - g.firstOffset) + 1, 0), acquired,
          `${frame.response}: every acquired offset is a record or a gap`)
        t.same(result.corrupt, [])
        for (const r of result.records) {
          const covering = p.acquiredRecords.find(a => a.firstOffset <= r.offset && r.offset <= a.lastOffset)
          t.equal(r.deliveryCount, covering?.deliveryCount, `offset ${r.offset}: delivery count of its range`)
          if (r.deliveryCount > 1) redelivered++
        }
      }
    }
  }
  t.ok(redelivered > 0, 'a redelivered record carries its delivery count')
})
