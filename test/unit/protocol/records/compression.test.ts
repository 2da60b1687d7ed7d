import { gzipSync } from 'node:zlib'
import { compress as rawSnappy } from 'snappyjs'
import t, { type Test } from 'tap'
import { CodecFailure } from '../../../../protocol/records/codec-failure.js'
import {
  BATCH, CompressionError, COMPRESSION_CODECS, crc32c, decodeRecordBatches, DecompressionLimitError, encodeRecordBatch,
  type CompressionCodec, type RecordInput
} from '../../../../protocol/records/index.js'
import { lz4Decompress } from '../../../../protocol/records/lz4.js'
import { snappyDecompress } from '../../../../protocol/records/snappy.js'
import { zstdDecompress } from '../../../../protocol/records/zstd.js'

const records: RecordInput[] = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `value ${i} `.repeat(40), timestamp: 1_700_000_000_000 + i }))
const plain = encodeRecordBatch(records)
const rawRecords = plain.subarray(BATCH.HEADER_SIZE)

/** The uncompressed batch with its records replaced by `payload` under `codec`, CRC resealed. */
function withPayload (codec: CompressionCodec, payload: Buffer): Buffer {
  const batch = Buffer.concat([plain.subarray(0, BATCH.HEADER_SIZE), payload])
  batch.writeInt32BE(batch.length - BATCH.LOG_OVERHEAD, BATCH.LENGTH)
  batch.writeInt16BE(COMPRESSION_CODECS.indexOf(codec), BATCH.ATTRIBUTES)
  batch.writeUInt32BE(crc32c(batch, BATCH.ATTRIBUTES), BATCH.CRC)
  return batch
}

function decodedValues (batch: Buffer, maxDecompressedBytes?: number): string[] {
  return decodeRecordBatches(batch, maxDecompressedBytes === undefined ? {} : { maxDecompressedBytes }).batches[0]!.records.map(r => r.value!.toString())
}

const expected = records.map(r => r.value as string)

/** Asserts that `fn` throws a CodecFailure for output over the limit. */
function overLimit (t: Test, fn: () => unknown, name: string): void {
  const error = t.throws(fn, CodecFailure, name) as CodecFailure
  t.equal(error.overLimit, true, `${name}: over the limit`)
}

t.test('gzip: decodes; a bomb past the limit is a DecompressionLimitError', async t => {
  t.same(decodedValues(withPayload('gzip', gzipSync(rawRecords))), expected)
  const bomb = withPayload('gzip', gzipSync(Buffer.alloc(4 * 1024 * 1024)))
  const error = t.throws(() => decodeRecordBatches(bomb, { maxDecompressedBytes: 1024 * 1024 }, { topic: 't', partition: 1 })) as DecompressionLimitError
  t.type(error, DecompressionLimitError)
  t.match(error, { codec: 'gzip', limit: 1024 * 1024, offset: BATCH.HEADER_SIZE, topic: 't', partition: 1 })
  t.throws(() => decodeRecordBatches(withPayload('gzip', Buffer.from('not gzip at all'))), CompressionError, 'garbage')
})

t.test('snappy: xerial framing (Java), raw snappy (librdkafka), multi-block frames', async t => {
  t.same(decodedValues(withPayload('snappy', rawSnappy(Buffer.from(rawRecords)))), expected, 'raw')
  t.same(decodedValues(encodeRecordBatch(records, { compression: 'snappy' })), expected, 'framed by our encoder')
  const big = encodeRecordBatch([{ value: Buffer.alloc(100_000, 7) }], { compression: 'snappy' })
  t.equal(big.subarray(BATCH.HEADER_SIZE, BATCH.HEADER_SIZE + 8).toString('latin1'), '\x82SNAPPY\0', 'xerial magic')
  t.equal(decodeRecordBatches(big).batches[0]!.records[0]!.value!.length, 100_000, '4 blocks of 32 KiB')
  overLimit(t, () => snappyDecompress(Buffer.from(rawSnappy(Buffer.alloc(1000))), 999), 'stated length over the limit')
  const framed = big.subarray(BATCH.HEADER_SIZE)
  overLimit(t, () => snappyDecompress(framed, 50_000), 'frame total over the limit')
  t.throws(() => snappyDecompress(framed.subarray(0, framed.length - 10), 1e6), CodecFailure, 'truncated block')
  t.throws(() => snappyDecompress(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 1e6), CodecFailure, 'bad preamble')
})

// LZ4 frames written by hand from the frame format spec.
const LZ4_MAGIC = [0x04, 0x22, 0x4d, 0x18]
const u32le = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24]
const ascii = (s: string): number[] => [...Buffer.from(s, 'latin1')]
// "abc", then a 12-byte match at distance 3 (overlapping), then the last literals.
const BLOCK = [0x38, ...ascii('abc'), 0x03, 0x00, 0x50, ...ascii('XYZ12')]
const BLOCK_TEXT = 'abcabcabcabcabcXYZ12'

t.test('lz4: frame options, overlapping matches, long literals, dependent blocks, skippable frames', async t => {
  const simple = Buffer.from([...LZ4_MAGIC, 0x60, 0x40, 0x00, ...u32le(BLOCK.length), ...BLOCK, ...u32le(0)])
  t.equal(lz4Decompress(simple, 1000).toString('latin1'), BLOCK_TEXT)

  // Content size, block and content checksums (skipped: the batch CRC covers them), an uncompressed block.
  const flags = 0x40 | 0x20 | 0x10 | 0x08 | 0x04
  const full = Buffer.from([
    ...LZ4_MAGIC, flags, 0x40, ...u32le(BLOCK_TEXT.length + 3), 0, 0, 0, 0, 0x00,
    ...u32le(BLOCK.length), ...BLOCK, 1, 2, 3, 4,
    ...u32le(0x80000003), ...ascii('raw'), 5, 6, 7, 8,
    ...u32le(0), 9, 9, 9, 9
  ])
  t.equal(lz4Decompress(full, 1000).toString('latin1'), BLOCK_TEXT + 'raw')

  // 280 literals: the length nibble 15, then 255, then 10.
  const literals = 'L'.repeat(280)
  const long = Buffer.from([...LZ4_MAGIC, 0x60, 0x40, 0x00, ...u32le(283), 0xf0, 0xff, 0x0a, ...ascii(literals), ...u32le(0)])
  t.equal(lz4Decompress(long, 1000).toString('latin1'), literals)

  // Linked blocks (no independence flag): block 2 copies from block 1's output.
  const dependent = Buffer.from([
    ...LZ4_MAGIC, 0x40, 0x40, 0x00,
    ...u32le(BLOCK.length), ...BLOCK,
    ...u32le(3), 0x00, 20, 0x00, // no literals, match of 4 at distance 20
    ...u32le(0)
  ])
  t.equal(lz4Decompress(dependent, 1000).toString('latin1'), BLOCK_TEXT + 'abca')

  const skippable = [0x5a, 0x2a, 0x4d, 0x18, ...u32le(2), 0xaa, 0xbb]
  const twoFrames = Buffer.concat([Buffer.from(skippable), simple, simple])
  t.equal(lz4Decompress(twoFrames, 1000).toString('latin1'), BLOCK_TEXT + BLOCK_TEXT)
  t.equal(lz4Decompress(twoFrames, 40).toString('latin1'), BLOCK_TEXT + BLOCK_TEXT, 'exactly at the limit')
  overLimit(t, () => lz4Decompress(twoFrames, 39), 'one byte over the limit')
  overLimit(t, () => lz4Decompress(full, 10), 'content size over the limit')
})

t.test('lz4: malformed frames are CodecFailures', async t => {
  const frame = (block: number[], flags = 0x60, bd = 0x40): Buffer => Buffer.from([...LZ4_MAGIC, flags, bd, 0x00, ...u32le(block.length), ...block, ...u32le(0)])
  const bad: Array<[string, Buffer]> = [
    ['bad magic', Buffer.from([1, 2, 3, 4, 5, 6, 7])],
    ['version 0', frame(BLOCK, 0x20)],
    ['reserved bits', frame(BLOCK, 0x62)],
    ['dictionary id', frame(BLOCK, 0x61)],
    ['match distance 0', frame([0x10, ...ascii('a'), 0x00, 0x00, 0x10, ...ascii('b')])],
    ['match before the output', frame([0x10, ...ascii('a'), 0x05, 0x00, 0x10, ...ascii('b')])],
    ['literals past the block', frame([0x50, ...ascii('ab')])],
    ['truncated offset', frame([0x10, ...ascii('a'), 0x01])],
    ['truncated length extension', frame([0xf0, 0xff])],
    ['truncated block', frame(BLOCK).subarray(0, 12)],
    ['missing end mark', frame(BLOCK).subarray(0, 7 + 4 + BLOCK.length)],
    ['truncated skippable frame', Buffer.from([0x50, 0x2a, 0x4d, 0x18, ...u32le(100), 1])]
  ]
  for (const [name, bytes] of bad) t.throws(() => lz4Decompress(bytes, 1e6), CodecFailure, name)
  const batch = withPayload('lz4', bad[0]![1])
  t.throws(() => decodeRecordBatches(batch), CompressionError, 'reaches the caller as a CompressionError')
})

// zstd frames written by hand: RLE blocks need no entropy tables.
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd]
const rleBlock = (size: number, byte: number, last: boolean): number[] => {
  const header = (size << 3) | (1 << 1) | (last ? 1 : 0)
  return [header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, byte]
}
// Window descriptor 0: 1 KiB window. Ten RLE blocks of 1000 bytes.
const rleFrame = Buffer.from([...ZSTD_MAGIC, 0x00, 0x00, ...Array.from({ length: 10 }, (_, i) => rleBlock(1000, 0x61, i === 9)).flat()])

t.test('zstd: Java-style frames without content size, RLE blocks, limits on output and window', async t => {
  t.same(zstdDecompress(rleFrame, 1e6), Buffer.alloc(10_000, 0x61))
  const skippable = [0x50, 0x2a, 0x4d, 0x18, ...u32le(3), 1, 2, 3]
  t.same(zstdDecompress(Buffer.concat([rleFrame, Buffer.from(skippable), rleFrame]), 1e6), Buffer.alloc(20_000, 0x61), 'several frames')
  overLimit(t, () => zstdDecompress(rleFrame, 5000), 'output over the limit')
  // Window descriptor 0xf8: 2^41 bytes; fzstd would allocate the window before any output.
  const hugeWindow = Buffer.from([...ZSTD_MAGIC, 0x00, 0xf8, ...rleBlock(10, 0x61, true)])
  const batch = withPayload('zstd', hugeWindow)
  t.throws(() => decodeRecordBatches(batch), DecompressionLimitError, 'a huge window is refused before allocation')
  t.throws(() => decodeRecordBatches(withPayload('zstd', Buffer.from([...ZSTD_MAGIC, 0x00]))), CompressionError, 'truncated frame')
  t.throws(() => decodeRecordBatches(withPayload('zstd', Buffer.from('plain text, not zstd'))), CompressionError, 'not zstd')
})
