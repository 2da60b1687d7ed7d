/**
 * Decode benchmark: ShareFetch responses holding 1 KiB records, uncompressed, gzip and zstd.
 *
 *   npm run bench:decode            (builds, then node dist/bench/decode.js [--rounds 7] [--round-ms 400])
 *
 * kshare decodes whole ShareFetch v2 response frames (`decodeResponse`) and assembles the
 * acquired records (`assembleShareRecords`: offsets, timestamps, key/value views, headers,
 * delivery counts), with CRC32C verification on (the default, as the Java client). Peers have
 * no ShareFetch decoder, so they decode the same record-batch bytes with their record-batch
 * decoders, in the same process: `@platformatic/kafka` 1.x (`readRecordsBatches`; the newest
 * line that runs on Node 20) and `@kafkats/client` (`decodeRecordBatchFromSync`, or the async
 * `decodeRecordBatchFrom` for compressed batches, with `assumeSequentialOffsets` as its
 * consumers call it). Each response holds 5 batches of 200 records (1000 records, ~1 MiB
 * uncompressed). The zstd batch comes from our encoder when this Node's zlib has zstd, else
 * from the Java producer capture (test/fixtures/records/bench-zstd.bin), copied 5 times with
 * new base offsets (outside the CRC). Rounds interleave the decoders after a warm-up; each
 * figure is the median over rounds. MB/s counts record-batch bytes as fetched (compressed).
 * Rates are per CPU second of this process (`process.cpuUsage`, GC threads included), not per
 * wall second: on a shared machine the wall clock counts other processes' turns.
 *
 * The CRC32C section times each kernel alone (JS, scalar WebAssembly, SIMD WebAssembly) in
 * alternated rounds on 1 KiB to 1 MiB (unaligned start; 1 and 4 KiB show where SIMD starts to
 * pay), and the check inside decode: (kshare - kshare with CRC off) per byte of batches. The
 * last line is one JSON object: ratios are kshare / peer on uncompressed batches.
 */
import { parseArgs } from 'node:util'
import { Reader as PlatformaticReader, readRecordsBatches } from '@platformatic/kafka'
import { Decoder, decodeRecordBatchFrom, decodeRecordBatchFromSync } from '@kafkats/client'
import { decodeResponse, encodeResponse, ShareFetch, type ResponseInput } from '../protocol/index.js'
import { assembleShareRecords, BATCH, canCompress, encodeRecordBatch, type CompressionCodec } from '../protocol/records/index.js'
import { CRC32C_KERNEL, CRC32C_WASM_MIN_BYTES, crc32cPortable, crc32cSimd, crc32cWasm } from '../protocol/records/crc32c.js'
import { benchRecords, BENCH_RECORD_COUNT, loadRecordFixture } from '../test/helpers/record-fixtures.js'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' }, 'round-ms': { type: 'string', default: '400' } } })
const ROUNDS = Number(values.rounds)
const ROUND_MS = Number(values['round-ms'])
const BATCHES = 5
const RECORDS = BATCHES * BENCH_RECORD_COUNT
const CODECS = ['none', 'gzip', 'zstd'] as const
type Codec = typeof CODECS[number]

const records = benchRecords(BENCH_RECORD_COUNT).map((r, i) => ({
  key: r.key, value: r.value, headers: r.headers, timestamp: 1_795_700_000_000 + i
}))

/** Five batches of the 200 records, offsets 0-999, as one `records` field. */
function batches (codec: Codec): { bytes: Buffer, source: string } {
  if (codec === 'zstd' && !canCompress('zstd')) {
    const java = loadRecordFixture('bench-zstd').bytes
    const copies = Array.from({ length: BATCHES }, (_, b) => {
      const copy = Buffer.from(java)
      copy.writeBigInt64BE(BigInt(b * BENCH_RECORD_COUNT), BATCH.BASE_OFFSET)
      return copy
    })
    return { bytes: Buffer.concat(copies), source: 'Java producer capture (Node has no zstd encoder)' }
  }
  const list = Array.from({ length: BATCHES }, (_, b) => encodeRecordBatch(records, {
    compression: codec as CompressionCodec, baseOffset: BigInt(b * BENCH_RECORD_COUNT), producerId: 1000n, producerEpoch: 0, baseSequence: b * BENCH_RECORD_COUNT
  }))
  return { bytes: Buffer.concat(list), source: 'kshare encoder' }
}

function shareFetchFrame (recordBytes: Buffer): Buffer {
  const body: ResponseInput<typeof ShareFetch> = {
    throttleTimeMs: 0,
    errorCode: 0,
    errorMessage: null,
    acquisitionLockTimeoutMs: 30_000,
    responses: [{
      topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
      partitions: [{
        partitionIndex: 0,
        errorCode: 0,
        errorMessage: null,
        acknowledgeErrorCode: 0,
        acknowledgeErrorMessage: null,
        currentLeader: { leaderId: 1, leaderEpoch: 0 },
        records: recordBytes,
        acquiredRecords: [{ firstOffset: 0n, lastOffset: BigInt(RECORDS - 1), deliveryCount: 1 }]
      }]
    }],
    nodeEndpoints: []
  }
  return encodeResponse(ShareFetch, 2, 7, body).subarray(4)
}

/** A decoder returns how many records it produced and the total value bytes (so no work is optimised away). */
type Decode = () => number | Promise<number>

function kshare (frame: Buffer, verifyCrc: boolean): Decode {
  return () => {
    const { body } = decodeResponse(ShareFetch, 2, frame)
    let n = 0
    for (const topic of body.responses) {
      for (const p of topic.partitions) {
        const result = assembleShareRecords('bench', p.partitionIndex, p.records, p.acquiredRecords, { verifyCrc })
        for (const r of result.records) n += r.value!.length + r.headers.length
      }
    }
    return n
  }
}

function platformatic (bytes: Buffer): Decode {
  return () => {
    let n = 0
    for (const batch of readRecordsBatches(PlatformaticReader.from(bytes))) {
      for (const r of batch.records) n += (r.value as Buffer).length + r.headers.length
    }
    return n
  }
}

function kafkats (bytes: Buffer, compressed: boolean): Decode {
  if (!compressed) {
    return () => {
      const decoder = new Decoder(bytes)
      let n = 0
      while (decoder.remaining() > 0) {
        for (const r of decodeRecordBatchFromSync(decoder, { assumeSequentialOffsets: true }).records) n += r.value!.length + r.headers.length
      }
      return n
    }
  }
  return async () => {
    const decoder = new Decoder(bytes)
    let n = 0
    while (decoder.remaining() > 0) {
      for (const r of (await decodeRecordBatchFrom(decoder, { assumeSequentialOffsets: true })).records) n += r.value!.length + r.headers.length
    }
    return n
  }
}

const EXPECTED = RECORDS * (1024 + 1)

/** Runs `decode` once and checks it produced every record; returns why it cannot, or null. */
async function probe (decode: Decode): Promise<string | null> {
  try {
    const n = await decode()
    return n === EXPECTED ? null : `decoded ${n} value bytes + headers, expected ${EXPECTED}`
  } catch (e) {
    return (e as Error).message.split('\n')[0]!
  }
}

/** CPU milliseconds (user + system) this process has used. */
function cpuMs (): number {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}

/** Runs `work` for `ms` CPU milliseconds; returns runs per CPU second. */
async function runsPerCpuSecond (work: () => unknown, ms: number): Promise<number> {
  let runs = 0
  const start = cpuMs()
  let elapsed = 0
  do {
    const result = work()
    if (result instanceof Promise) await result // a sync kernel must not pay for a microtask per call
    runs++
    // Reading the CPU clock is a system call (~1 µs): not after every 16 KiB checksum.
    if ((runs & 15) === 0 || result instanceof Promise) elapsed = cpuMs() - start
  } while (elapsed < ms)
  return runs / (elapsed / 1000)
}

async function timeFor (decode: Decode, ms: number): Promise<number> {
  return RECORDS * await runsPerCpuSecond(decode, ms)
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!

interface Result { recordsPerSec: number, mbPerSec: number }
const details: Record<string, Record<string, Result | { null: string }>> = {}
const sources: Record<string, string> = {}

for (const codec of CODECS) {
  const { bytes, source } = batches(codec)
  sources[codec] = `${source}, ${bytes.length} bytes of batches`
  const frame = shareFetchFrame(bytes)
  const decoders: Record<string, Decode> = {
    kshare: kshare(frame, true),
    'kshare (CRC off)': kshare(frame, false),
    platformatic: platformatic(bytes),
    kafkats: kafkats(bytes, codec !== 'none')
  }
  const runnable: Array<[string, Decode]> = []
  details[codec] = {}
  for (const [name, decode] of Object.entries(decoders)) {
    const why = await probe(decode)
    if (why === null) runnable.push([name, decode])
    else details[codec]![name] = { null: why }
  }
  for (const [, decode] of runnable) await timeFor(decode, 500) // warm-up
  const samples = new Map<string, number[]>(runnable.map(([name]) => [name, []]))
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, decode] of runnable) samples.get(name)!.push(await timeFor(decode, ROUND_MS))
  }
  for (const [name] of runnable) {
    const rps = median(samples.get(name)!)
    details[codec]![name] = { recordsPerSec: Math.round(rps), mbPerSec: Math.round(rps / RECORDS * bytes.length / 1e6 * 10) / 10 }
  }
}

/** GB/s of each CRC32C kernel alone, per size, median over alternated rounds. */
async function crcKernels (): Promise<Record<string, Record<string, number>>> {
  const data = Buffer.alloc((1 << 20) + 64)
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 13
  const kernels: Array<[string, (d: Uint8Array, start: number, end: number) => number]> = [['js', crc32cPortable]]
  if (crc32cWasm !== null) kernels.push(['wasm', crc32cWasm])
  if (crc32cSimd !== null) kernels.push(['simd', crc32cSimd])
  const out: Record<string, Record<string, number>> = {}
  for (const size of [1024, 4 * 1024, 16 * 1024, 200 * 1024, 1024 * 1024]) {
    const samples = new Map<string, number[]>(kernels.map(([name]) => [name, []]))
    for (const [, kernel] of kernels) await runsPerCpuSecond(() => kernel(data, 5, 5 + size), 200)
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, kernel] of kernels) samples.get(name)!.push(await runsPerCpuSecond(() => kernel(data, 5, 5 + size), ROUND_MS / 2) * size / 1e9)
    }
    out[`${size / 1024} KiB`] = Object.fromEntries(kernels.map(([name]) => [name, Math.round(median(samples.get(name)!) * 100) / 100]))
  }
  return out
}

const crc = await crcKernels()
const decodeRate = (name: string): number | null => {
  const r = details.none![name]
  return r === undefined || 'null' in r ? null : r.recordsPerSec
}
const on = decodeRate('kshare')
const off = decodeRate('kshare (CRC off)')
const uncompressedBytes = batches('none').bytes.length
/** GB/s at which the check runs inside decode: batch bytes over the time it adds per response. */
const inDecode = on === null || off === null ? null : Math.round(uncompressedBytes / (RECORDS / on - RECORDS / off) / 1e9 * 100) / 100

console.log(`decode benchmark: Node ${process.version}, ${RECORDS} records of 1 KiB per ShareFetch response (${BATCHES} batches), median of ${ROUNDS} rounds of ${ROUND_MS} ms`)
console.log('CRC32C verification: kshare yes (default); @kafkats/client yes (its default; native @node-rs/crc32 when installed, as here via @platformatic/kafka\'s optional dependency); @platformatic/kafka no (its record decoder never checks)')
for (const codec of CODECS) {
  console.log(`\n${codec}: ${sources[codec]}`)
  for (const [name, r] of Object.entries(details[codec]!)) {
    console.log('  ' + name.padEnd(18) + ('null' in r ? `null (${r.null})` : `${r.recordsPerSec.toLocaleString('en')} records/s  ${r.mbPerSec} MB/s`))
  }
}
const ratio = (peer: string): number | null => {
  const ours = details.none!.kshare
  const theirs = details.none![peer]
  if (ours === undefined || theirs === undefined || 'null' in ours || 'null' in theirs) return null
  return Math.round(ours.recordsPerSec / theirs.recordsPerSec * 100) / 100
}
console.log(`\nCRC32C kernels alone, GB/s per CPU second (crc32c() runs ${CRC32C_KERNEL} from ${CRC32C_WASM_MIN_BYTES} bytes):`)
for (const [size, byKernel] of Object.entries(crc)) {
  console.log('  ' + size.padEnd(10) + Object.entries(byKernel).map(([name, gbps]) => `${name} ${gbps.toFixed(2)}`).join('  '))
}
console.log(`  inside decode (uncompressed, 5 batches of ~${Math.round(uncompressedBytes / BATCHES / 1024)} KiB): ${inDecode ?? 'n/a'} GB/s`)
console.log(JSON.stringify({ bench: 'decode', ratios: { platformatic: ratio('platformatic'), kafkats: ratio('kafkats') }, crc32c: { kernel: CRC32C_KERNEL, gbps: crc, inDecodeGbps: inDecode }, details }))
