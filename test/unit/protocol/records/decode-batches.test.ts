import t from 'tap'
import { KafkaProtocolError } from '../../../../protocol/index.js'
import {
  ATTRIBUTE, BATCH, canCompress, ControlRecordType, CorruptRecordError, crc32c, decodeRecordBatches, encodeRecordBatch,
  RecordBatchError, UnsupportedRecordFormatError, CompressionError, type CompressionCodec, type RecordInput
} from '../../../../protocol/records/index.js'

const CODECS: CompressionCodec[] = ['none', 'gzip', 'snappy', ...(canCompress('zstd') ? ['zstd' as const] : [])]
const T0 = 1_700_000_000_000

const sample: RecordInput[] = [
  { key: 'k0', value: 'v0', headers: [{ key: 'h', value: 'x' }, { key: 'h', value: null }], timestamp: T0 },
  { key: null, value: Buffer.from([0, 1, 2, 255]), timestamp: T0 - 5 },
  { key: 'ключ', value: null, headers: [{ key: 'ü', value: '' }], timestamp: T0 + 2 ** 31 + 7 },
  { key: '', value: 'x'.repeat(5000), timestamp: T0 + 1 }
]

/** Rewrites the CRC after editing a batch's bytes, so that decoding gets past the check. */
function reseal (batch: Buffer): Buffer {
  batch.writeUInt32BE(crc32c(batch, BATCH.ATTRIBUTES), BATCH.CRC)
  return batch
}

for (const codec of CODECS) {
  t.test(`round trip with compression ${codec}`, async t => {
    const bytes = encodeRecordBatch(sample, {
      compression: codec, baseOffset: 1000n, partitionLeaderEpoch: 7, producerId: 42n, producerEpoch: 3, baseSequence: 11, transactional: true
    })
    const { batches, partialBytes } = decodeRecordBatches(bytes)
    t.equal(partialBytes, 0)
    t.equal(batches.length, 1)
    const b = batches[0]!
    t.match(b, {
      baseOffset: 1000n, batchLength: bytes.length - 12, partitionLeaderEpoch: 7, magic: 2, compression: codec,
      timestampType: 'CreateTime', transactional: true, control: false, hasDeleteHorizon: false, lastOffsetDelta: 3,
      baseTimestamp: T0, maxTimestamp: T0 + 2 ** 31 + 7, producerId: 42n, producerEpoch: 3, baseSequence: 11, recordCount: 4, controlType: null
    })
    t.same(b.records.map(r => r.offset), [1000n, 1001n, 1002n, 1003n])
    t.same(b.records.map(r => r.timestamp), [T0, T0 - 5, T0 + 2 ** 31 + 7, T0 + 1], 'negative and > 2^31 timestamp deltas')
    t.same(b.records.map(r => r.key?.toString() ?? null), ['k0', null, 'ключ', ''])
    t.same(b.records[1]!.value, Buffer.from([0, 1, 2, 255]))
    t.equal(b.records[2]!.value, null, 'tombstone')
    t.equal(b.records[3]!.value!.length, 5000)
    t.same(b.records[0]!.headers.map(h => [h.key, h.value?.toString() ?? null]), [['h', 'x'], ['h', null]], 'repeated header keys, null value')
    t.same(b.records[2]!.headers.map(h => [h.key, h.value?.toString() ?? null]), [['ü', '']])
    t.same(b.records[1]!.headers, [])
  })
}

t.test('encoder defaults are what a plain producer sends', async t => {
  const before = Date.now()
  const [b] = decodeRecordBatches(encodeRecordBatch([{ value: 'a' }, { value: 'b' }])).batches
  t.match(b, { baseOffset: 0n, partitionLeaderEpoch: -1, producerId: -1n, producerEpoch: -1, baseSequence: -1, transactional: false })
  t.ok(b!.baseTimestamp >= before && b!.baseTimestamp <= Date.now(), 'base timestamp is now')
  t.equal(b!.records[1]!.timestamp, b!.baseTimestamp, 'records without a timestamp take the base timestamp')
  t.equal(b!.records[0]!.key, null)
})

t.test('an uncompressed batch is one allocation of exactly its size', async t => {
  const bytes = encodeRecordBatch(sample) // > 4 KiB, so not carved from Node's buffer pool
  t.equal(bytes.byteOffset, 0)
  t.equal(bytes.buffer.byteLength, bytes.length, 'the backing store is the batch, no slack')
  t.equal(bytes.readInt32BE(BATCH.LENGTH), bytes.length - BATCH.LOG_OVERHEAD)
})

t.test('LogAppendTime: every record takes the batch max timestamp', async t => {
  const bytes = encodeRecordBatch(sample, { timestampType: 'LogAppendTime' })
  bytes.writeBigInt64BE(BigInt(T0 + 99), BATCH.MAX_TIMESTAMP) // the broker sets it on append
  const [b] = decodeRecordBatches(reseal(bytes)).batches
  t.equal(b!.timestampType, 'LogAppendTime')
  t.same(b!.records.map(r => r.timestamp), [T0 + 99, T0 + 99, T0 + 99, T0 + 99])
})

t.test('delete horizon bit is reported; holes in offset deltas give the right offsets', async t => {
  const bytes = encodeRecordBatch([{ value: 'a', offsetDelta: 0 }, { value: 'b', offsetDelta: 5 }], { baseOffset: 10n })
  bytes.writeInt16BE(bytes.readInt16BE(BATCH.ATTRIBUTES) | ATTRIBUTE.DELETE_HORIZON, BATCH.ATTRIBUTES)
  const [b] = decodeRecordBatches(reseal(bytes)).batches
  t.equal(b!.hasDeleteHorizon, true)
  t.equal(b!.lastOffsetDelta, 5)
  t.same(b!.records.map(r => r.offset), [10n, 15n])
})

t.test('control batches: COMMIT and ABORT markers are recognised', async t => {
  const marker = (type: number): RecordInput => ({ key: Buffer.from([0, 0, 0, type]), value: Buffer.from([0, 0, 0, 0, 0, 5]) })
  const commit = encodeRecordBatch([marker(ControlRecordType.COMMIT)], { control: true, transactional: true, baseOffset: 5n })
  const abort = encodeRecordBatch([marker(ControlRecordType.ABORT)], { control: true, transactional: true, baseOffset: 6n })
  const { batches } = decodeRecordBatches(Buffer.concat([commit, abort]))
  t.same(batches.map(b => [b.control, b.controlType]), [[true, ControlRecordType.COMMIT], [true, ControlRecordType.ABORT]])
  const bad = encodeRecordBatch([{ key: Buffer.from([0, 0]), value: null }], { control: true })
  t.throws(() => decodeRecordBatches(bad), RecordBatchError, 'a control record key shorter than 4 bytes')
})

t.test('several batches and a partial tail (a broker cut at max bytes)', async t => {
  const a = encodeRecordBatch(sample.slice(0, 2), { baseOffset: 0n })
  const b = encodeRecordBatch(sample.slice(2), { baseOffset: 2n, compression: 'gzip' })
  const c = encodeRecordBatch(sample, { baseOffset: 4n })
  const all = Buffer.concat([a, b, c])
  for (const cut of [0, 1, 11, 12, 61, c.length - 1]) {
    const { batches, partialBytes } = decodeRecordBatches(all.subarray(0, a.length + b.length + cut))
    t.equal(batches.length, 2, `tail of ${cut} bytes is not decoded`)
    t.equal(partialBytes, cut)
  }
  t.equal(decodeRecordBatches(all).batches.length, 3)
  t.same(decodeRecordBatches(Buffer.alloc(0)), { batches: [], partialBytes: 0 }, 'empty records')
})

t.test('a wrong CRC is a CorruptRecordError naming topic, partition and batch offset', async t => {
  const bytes = encodeRecordBatch(sample, { baseOffset: 4242n })
  bytes[bytes.length - 3]! ^= 0x10
  const error = t.throws(() => decodeRecordBatches(bytes, {}, { topic: 'orders', partition: 3 })) as CorruptRecordError
  t.type(error, CorruptRecordError)
  t.type(error, KafkaProtocolError, 'record errors extend KafkaProtocolError')
  t.match(error, { topic: 'orders', partition: 3, batchOffset: 4242n, offset: BATCH.CRC })
  t.match(error.message, /CRC mismatch.*record batch at offset 4242 of orders-3/)
  t.not(error.storedCrc, error.computedCrc)
  t.equal(decodeRecordBatches(bytes, { verifyCrc: false }).batches[0]!.records.length, 4, 'with verification off it decodes')
})

t.test('CRC covers attributes to the end, not the fields a broker rewrites', async t => {
  const bytes = encodeRecordBatch(sample)
  bytes.writeBigInt64BE(77n, BATCH.BASE_OFFSET)
  bytes.writeInt32BE(12, BATCH.PARTITION_LEADER_EPOCH)
  t.equal(decodeRecordBatches(bytes).batches[0]!.baseOffset, 77n)
})

t.test('magic 0 and 1 message sets are refused with a typed error', async t => {
  for (const magic of [0, 1]) {
    const bytes = encodeRecordBatch(sample, { baseOffset: 9n })
    bytes.writeInt8(magic, BATCH.MAGIC)
    const error = t.throws(() => decodeRecordBatches(bytes, {}, { topic: 't', partition: 0 })) as UnsupportedRecordFormatError
    t.type(error, UnsupportedRecordFormatError)
    t.match(error, { magic, batchOffset: 9n, offset: BATCH.MAGIC })
  }
})

t.test('malformed batches are RecordBatchErrors with byte offsets', async t => {
  const good = encodeRecordBatch(sample)
  const tiny = encodeRecordBatch([{ key: 'k', value: 'v' }]) // one record of 8 bytes
  const cases: Array<[string, Buffer, (b: Buffer) => void, RegExp]> = [
    ['length below any batch', good, b => b.writeInt32BE(5, BATCH.LENGTH), /smaller than any record batch/],
    ['unknown codec id', good, b => b.writeInt16BE(6, BATCH.ATTRIBUTES), /codec 6: unknown compression codec/],
    ['negative record count', good, b => b.writeInt32BE(-1, BATCH.RECORD_COUNT), /negative record count/],
    ['more records than bytes', good, b => b.writeInt32BE(100_000, BATCH.RECORD_COUNT), /cannot fit/],
    ['fewer records than bytes', good, b => b.writeInt32BE(3, BATCH.RECORD_COUNT), /left after the last record/],
    ['offset delta past lastOffsetDelta', good, b => b.writeInt32BE(1, BATCH.LAST_OFFSET_DELTA), /outside the batch/],
    ['record length past the batch', tiny, b => { b[BATCH.HEADER_SIZE] = 0x7e }, /does not fit/]
  ]
  for (const [name, base, edit, message] of cases) {
    const bytes = Buffer.from(base)
    edit(bytes)
    const error = t.throws(() => decodeRecordBatches(reseal(bytes)), name) as RecordBatchError
    t.type(error, RecordBatchError, name)
    t.match(error.message, message, name)
    t.ok(error.offset >= 0 && error.offset < bytes.length, `${name}: byte offset inside the input`)
  }
})

t.test('a record that disagrees with its length is refused', async t => {
  const bytes = encodeRecordBatch([{ key: 'k', value: 'v' }])
  bytes[BATCH.HEADER_SIZE]! += 2 // claim two more bytes than the fields take...
  const padded = Buffer.concat([bytes, Buffer.alloc(2)]) // ...and have them
  padded.writeInt32BE(padded.length - BATCH.LOG_OVERHEAD, BATCH.LENGTH)
  t.throws(() => decodeRecordBatches(reseal(padded)), /more than its fields/)
})

t.test('errors inside compressed records point at the compressed bytes', async t => {
  const bytes = encodeRecordBatch(sample, { compression: 'gzip' })
  bytes.writeInt32BE(5, BATCH.RECORD_COUNT)
  const error = t.throws(() => decodeRecordBatches(reseal(bytes))) as RecordBatchError
  t.equal(error.offset, BATCH.HEADER_SIZE)
  t.match(error.message, /decompressed records/)
})

t.test('codecs without an encoder here are a CompressionError, not a crash', async t => {
  t.throws(() => encodeRecordBatch(sample, { compression: 'lz4' }), CompressionError)
  t.equal(canCompress('lz4'), false)
  t.equal(canCompress('gzip'), true)
})
