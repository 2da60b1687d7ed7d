import t from 'tap'
import { assembleShareRecords, decodeRecordBatches, type KafkaRecord } from '../../../../protocol/records/index.js'
import { expectedRecords, loadRecordFixture, type ExpectedRecord } from '../../../helpers/record-fixtures.js'

/**
 * Record batches written by Kafka's Java producer (4.4.0, ConsoleProducer), one capture per
 * codec, copied from the broker's log segment by scripts/capture-record-batches.ts.
 */

const text = (b: Buffer | null): string | null => (b === null ? null : b.toString('utf8'))
const asExpected = (r: KafkaRecord): ExpectedRecord => ({
  key: text(r.key),
  value: text(r.value),
  headers: r.headers.map(h => ({ key: h.key, value: text(h.value) }))
})

for (const name of ['none', 'gzip', 'snappy', 'lz4', 'zstd', 'bench-zstd']) {
  t.test(`Java producer batch: ${name}`, async t => {
    const { bytes, fixture } = loadRecordFixture(name)
    const expected = expectedRecords(fixture)
    const { batches, partialBytes } = decodeRecordBatches(bytes, {}, { topic: `records-${name}`, partition: 0 })
    t.equal(partialBytes, 0)
    t.equal(batches.length, 1, 'one batch: linger.ms held every record')
    const batch = batches[0]!
    t.equal(batch.compression, fixture.codec, 'codec as the producer chose it')
    t.ok(batch.producerId >= 0n, 'idempotent producer (the default since Kafka 3.0) has a producer id')
    t.equal(batch.baseSequence, 0)
    t.equal(batch.timestampType, 'CreateTime')
    const records = batch.records
    t.same(records.map(r => r.offset), expected.map((_, i) => BigInt(i)))
    t.same(records.map(asExpected), expected)
    for (const r of records) t.ok(r.timestamp >= fixture.capturedFrom && r.timestamp <= fixture.capturedTo, `timestamp ${r.timestamp} in the capture window`)

    const share = assembleShareRecords(`records-${name}`, 0, bytes, [{ firstOffset: 0n, lastOffset: BigInt(expected.length + 1), deliveryCount: 3 }])
    t.same(share.records.map(asExpected), expected, 'share assembly yields the same records')
    t.ok(share.records.every(r => r.deliveryCount === 3 && r.topic === `records-${name}` && r.partition === 0))
    t.same(share.gaps, [{ firstOffset: BigInt(expected.length), lastOffset: BigInt(expected.length + 1) }], 'offsets past the log are gaps')

    const cut = decodeRecordBatches(bytes.subarray(0, bytes.length - 1))
    t.same(cut, { batches: [], partialBytes: bytes.length - 1 }, 'a cut batch is a partial tail')
  })
}
