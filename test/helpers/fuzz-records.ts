import { performance } from 'node:perf_hooks'
import { Worker } from 'node:worker_threads'
import { KafkaProtocolError } from '../../protocol/protocol-error.js'
import { compress, decompress } from '../../protocol/records/compression.js'
import {
  assembleShareRecords, BATCH, canCompress, CompressionError, COMPRESSION_CODECS, crc32c, decodeRecordBatches,
  encodeRecordBatch, type AcquiredRange, type CompressionCodec, type RecordInput
} from '../../protocol/records/index.js'
import { loadRecordFixture } from './record-fixtures.js'
import { Prng } from './random-message.js'

/**
 * Record-batch decoder fuzzing, shared by the unit test (`test/unit/protocol/records/fuzz.test.ts`)
 * and the long-run script (`scripts/fuzz-records.ts`). Seeds are valid batches (ours in every
 * codec we can encode, plus the Java producer's captures in all five); each case mutates one
 * (bit flips, byte sets, header fields set to edge values, inserts, deletes, truncations,
 * splices, mutations of the records under the compression) and decodes it with
 * `decodeRecordBatches` or `assembleShareRecords`, in one of three modes: CRC checked on the
 * bytes as mutated, CRC checked after resealing (so the mutation reaches the parser), or CRC
 * off. Decoding may succeed or throw a `KafkaProtocolError` (record errors extend it);
 * anything else is a failure. `assembleShareRecords` must not throw at all: it reports bad
 * batches as corrupt ranges.
 */

/** Options of {@link fuzzRecords}. */
export interface FuzzRecordsOptions {
  /** Number of decodes. */
  cases: number
  /** Seed of the run: the same seed replays the same cases. */
  seed: number
  /** Codecs whose seed batches are used (default: all). */
  codecs?: readonly CompressionCodec[]
  /** Called before each case with its index: a watchdog can name the case that hangs. */
  onCase?: (index: number) => void
}

/** A case that broke the rules. */
export interface FuzzRecordsFailure {
  /** Case index in the run. */
  index: number
  /** Mutation and mode. */
  what: string
  /** What went wrong. */
  problem: string
  /** The input, hex. */
  input: string
}

/** What a run did. */
export interface FuzzRecordsReport {
  /** Decodes performed. */
  cases: number
  /** Decodes that succeeded. */
  accepted: number
  /** Decodes that threw a typed error. */
  rejected: number
  /** Typed errors by class name (and, for assembly, corrupt ranges by error class). */
  byError: Record<string, number>
  /** Cases per mutation. */
  byMutation: Record<string, number>
  /** Codec exceptions wrapped in a `CompressionError`, by the codec error's class. */
  wrappedCodecErrors: Record<string, number>
  /** Wall time, ms. */
  totalMs: number
  /** Slowest case (fastest of three timings), ms. */
  maxCaseMs: number
  /** Which case that was. */
  slowest: string
  /** Rule breakers (at most 20 kept). */
  failures: FuzzRecordsFailure[]
  /** Count of rule breakers. */
  failureCount: number
}

interface SeedBatch {
  name: string
  codec: CompressionCodec
  bytes: Buffer
  /** Codec, when the records can be recompressed after mutating them. */
  recompress?: CompressionCodec
}

const MODES = ['crc-as-mutated', 'crc-resealed', 'crc-off'] as const
type Mode = typeof MODES[number]

function randomRecords (rng: Prng, n: number): RecordInput[] {
  const text = (max: number): string => 'abcxyz é字'.repeat(rng.int(0, max)).slice(0, rng.int(0, max * 3))
  return Array.from({ length: n }, (_, i) => ({
    key: rng.chance(0.2) ? null : text(4),
    value: rng.chance(0.1) ? null : text(30),
    headers: Array.from({ length: rng.int(0, 3) }, () => ({ key: text(2), value: rng.chance(0.2) ? null : text(5) })),
    timestamp: 1_700_000_000_000 + rng.int(-1000, 1000),
    offsetDelta: i * rng.int(1, 2)
  }))
}

function buildSeeds (rng: Prng, codecs: readonly CompressionCodec[]): SeedBatch[] {
  const seeds: SeedBatch[] = []
  for (const codec of codecs.filter(canCompress)) {
    for (let i = 0; i < 4; i++) {
      seeds.push({
        name: `ours-${codec}`,
        codec,
        bytes: encodeRecordBatch(randomRecords(rng, rng.int(1, 12)), {
          compression: codec, baseOffset: BigInt(rng.int(0, 1000)), producerId: BigInt(rng.int(-1, 5)), transactional: rng.chance(0.3)
        }),
        ...(codec === 'none' ? {} : { recompress: codec })
      })
    }
  }
  if (codecs.includes('none')) {
    seeds.push({ name: 'ours-control', codec: 'none', bytes: encodeRecordBatch([{ key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }], { control: true }) })
    seeds.push({ name: 'ours-empty', codec: 'none', bytes: encodeRecordBatch([], { lastOffsetDelta: 3 }) })
  }
  for (const codec of codecs) seeds.push({ name: `java-${codec}`, codec, bytes: loadRecordFixture(codec).bytes })
  return seeds
}

function reseal (bytes: Buffer): void {
  let pos = 0
  while (pos + BATCH.HEADER_SIZE <= bytes.length) {
    const end = pos + BATCH.LOG_OVERHEAD + bytes.readInt32BE(pos + BATCH.LENGTH)
    if (end > bytes.length || end < pos + BATCH.HEADER_SIZE) return
    bytes.writeUInt32BE(crc32c(bytes, pos + BATCH.ATTRIBUTES, end), pos + BATCH.CRC)
    pos = end
  }
}

const EDGE_INTS = [0, 1, -1, 2, 48, 49, 60, 61, 0x7f, 0x80, 0x7fff, 0x7fffffff, -0x80000000, 0x10000000]
const HEADER_FIELDS: Array<[offset: number, size: 1 | 2 | 4]> = [
  [BATCH.LENGTH, 4], [BATCH.MAGIC, 1], [BATCH.ATTRIBUTES, 2], [BATCH.LAST_OFFSET_DELTA, 4], [BATCH.RECORD_COUNT, 4]
]

/** One mutated input: [bytes, mutation name]. */
function mutate (seeds: SeedBatch[], rng: Prng): [Buffer, string, SeedBatch] {
  const seed = rng.pick(seeds)
  let bytes: Buffer = Buffer.from(seed.bytes)
  if (rng.chance(0.15)) bytes = Buffer.concat([bytes, rng.pick(seeds).bytes]) // several batches
  const roll = rng.next()
  let name: string
  if (roll < 0.2) {
    for (let n = rng.int(1, 4); n > 0; n--) bytes[rng.int(0, bytes.length - 1)]! ^= 1 << rng.int(0, 7)
    name = 'bit-flip'
  } else if (roll < 0.3) {
    for (let n = rng.int(1, 3); n > 0; n--) bytes[rng.int(0, bytes.length - 1)] = rng.pick([0, 0xff, 0x7f, 0x80, 0xfe, rng.int(0, 255)])
    name = 'byte-set'
  } else if (roll < 0.45) {
    const [at, size] = rng.pick(HEADER_FIELDS)
    const value = rng.chance(0.5) ? rng.pick(EDGE_INTS) : rng.int(-100, bytes.length + 100)
    if (size === 1) bytes.writeInt8(((value % 128) + 128) % 256 - 128, at)
    else if (size === 2) bytes.writeInt16BE(((value % 32768) + 32768) % 65536 - 32768, at)
    else bytes.writeInt32BE(value | 0, at)
    name = 'header-field'
  } else if (roll < 0.55 && seed.recompress !== undefined) {
    bytes = mutateUnderCompression(seed, rng)
    name = 'records-under-compression'
  } else if (roll < 0.65) {
    const at = rng.int(0, bytes.length)
    bytes = Buffer.concat([bytes.subarray(0, at), rng.bytes(rng.int(1, 8)), bytes.subarray(at)])
    name = 'insert'
  } else if (roll < 0.75) {
    const at = rng.int(0, bytes.length)
    bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + rng.int(1, 8))])
    name = 'delete'
  } else if (roll < 0.87) {
    bytes = bytes.subarray(0, rng.int(0, bytes.length))
    name = 'truncate'
  } else if (roll < 0.95) {
    const other = rng.pick(seeds).bytes
    const from = rng.int(0, other.length)
    const at = rng.int(0, bytes.length)
    bytes = Buffer.concat([bytes.subarray(0, at), other.subarray(from, from + rng.int(1, 64)), bytes.subarray(at + rng.int(0, 64))])
    name = 'splice'
  } else {
    bytes = Buffer.concat([bytes.subarray(0, BATCH.HEADER_SIZE), rng.bytes(rng.int(0, 300))])
    name = 'garbage-records'
  }
  return [bytes, name, seed]
}

/** Mutates the records under the compression: decompress the seed's records, change bytes, compress again. */
function mutateUnderCompression (seed: SeedBatch, rng: Prng): Buffer {
  const codec = seed.recompress as Exclude<CompressionCodec, 'none'>
  const records = Buffer.from(decompress(COMPRESSION_CODECS.indexOf(codec), seed.bytes.subarray(BATCH.HEADER_SIZE), 1 << 24,
    { byteOffset: BATCH.HEADER_SIZE, context: undefined, batchOffset: 0n }))
  for (let n = rng.int(1, 3); n > 0 && records.length > 0; n--) records[rng.int(0, records.length - 1)] = rng.pick([0, 0xff, 0x80, 0x01, rng.int(0, 255)])
  const out = Buffer.concat([seed.bytes.subarray(0, BATCH.HEADER_SIZE), compress(codec, records)])
  out.writeInt32BE(out.length - BATCH.LOG_OVERHEAD, BATCH.LENGTH)
  return out
}

function randomRanges (rng: Prng): AcquiredRange[] {
  const ranges: AcquiredRange[] = []
  let offset = rng.int(-2, 1000)
  for (let n = rng.int(0, 4); n > 0; n--) {
    const first = offset + rng.int(0, 5)
    const last = first + rng.int(0, rng.chance(0.1) ? 100_000 : 20)
    ranges.push({ firstOffset: BigInt(first), lastOffset: BigInt(last), deliveryCount: rng.int(1, 5) })
    offset = last + 1
  }
  return ranges
}

function count (map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1
}

/** Runs the fuzzer (see the module comment). Never throws for a bad decode: failures are in the report. */
export function fuzzRecords (options: FuzzRecordsOptions): FuzzRecordsReport {
  const rng = new Prng(options.seed)
  const seeds = buildSeeds(rng, options.codecs ?? COMPRESSION_CODECS)
  const report: FuzzRecordsReport = {
    cases: 0, accepted: 0, rejected: 0, byError: {}, byMutation: {}, wrappedCodecErrors: {},
    totalMs: 0, maxCaseMs: 0, slowest: '', failures: [], failureCount: 0
  }
  const started = performance.now()
  for (let index = 0; index < options.cases; index++) {
    options.onCase?.(index)
    const [bytes, mutation, seed] = mutate(seeds, rng)
    const mode: Mode = rng.pick(MODES)
    if (mode === 'crc-resealed') reseal(bytes)
    const verifyCrc = mode !== 'crc-off'
    const assemble = rng.chance(0.3)
    const ranges = assemble ? randomRanges(rng) : []
    const what = `${seed.name} ${mutation} ${mode} ${assemble ? 'assemble' : 'decode'}`
    count(report.byMutation, mutation)
    const run = (): unknown => {
      try {
        if (assemble) {
          const result = assembleShareRecords('fuzz', 0, bytes, ranges, { verifyCrc, maxDecompressedBytes: 1 << 22 })
          for (const c of result.corrupt) count(report.byError, `corrupt range: ${c.error.name}`)
        } else {
          decodeRecordBatches(bytes, { verifyCrc, maxDecompressedBytes: 1 << 22 }, { topic: 'fuzz', partition: 0 })
        }
        return undefined
      } catch (e) {
        return e ?? new Error('thrown undefined')
      }
    }
    let t0 = performance.now()
    const error = run()
    let ms = performance.now() - t0
    if (ms > report.maxCaseMs) {
      // A slow case is timed twice more and keeps its fastest run: a slow decoder is slow
      // every time, a GC pause or a busy CPU is not.
      for (let again = 0; again < 2; again++) {
        t0 = performance.now()
        run()
        ms = Math.min(ms, performance.now() - t0)
      }
      if (ms > report.maxCaseMs) {
        report.maxCaseMs = ms
        report.slowest = `${what} (${bytes.length} bytes)`
      }
    }
    report.cases++
    const fail = (problem: string): void => {
      report.failureCount++
      if (report.failures.length < 20) report.failures.push({ index, what, problem, input: bytes.toString('hex') })
    }
    if (error === undefined) {
      report.accepted++
    } else if (assemble) {
      fail(`assembleShareRecords threw: ${String(error)}`)
    } else if (!(error instanceof KafkaProtocolError)) {
      fail(`untyped error: ${(error as Error).stack ?? String(error)}`)
    } else if (error.offset < 0 || error.offset > bytes.length) {
      fail(`error offset ${error.offset} outside the input (${bytes.length} bytes)`)
    } else {
      report.rejected++
      count(report.byError, error.name)
      if (error instanceof CompressionError && error.cause !== undefined) {
        count(report.wrappedCodecErrors, `${error.codec}: ${(error.cause as Error).constructor?.name ?? typeof error.cause}`)
      }
    }
  }
  report.totalMs = performance.now() - started
  return report
}

/** A fuzz run in a worker thread, watched: the report, or the case that stopped making progress. */
export interface WatchedFuzzReport {
  /** The report, when the run finished. */
  report?: FuzzRecordsReport
  /** The case (replay with the same seed and `cases: index + 1`) that ran longer than the stall limit. */
  stalledCase?: number
}

/**
 * Runs {@link fuzzRecords} in a worker thread and terminates it when one case runs longer than
 * `stallMs`: a decoder stuck in a loop is reported with its case index instead of hanging.
 */
export async function fuzzRecordsWatched (options: Omit<FuzzRecordsOptions, 'onCase'>, stallMs: number): Promise<WatchedFuzzReport> {
  const progress = new SharedArrayBuffer(4)
  const current = new Int32Array(progress)
  const worker = new Worker(new URL('./fuzz-records-worker.js', import.meta.url), { workerData: { options, progress } })
  return await new Promise((resolve, reject) => {
    let seen = -1
    let since = performance.now()
    const timer = setInterval(() => {
      const now = Atomics.load(current, 0)
      if (now !== seen) {
        seen = now
        since = performance.now()
      } else if (performance.now() - since > stallMs) {
        clearInterval(timer)
        void worker.terminate()
        resolve({ stalledCase: now - 1 })
      }
    }, 50)
    worker.once('message', (report: FuzzRecordsReport) => {
      clearInterval(timer)
      void worker.terminate()
      resolve({ report })
    })
    worker.once('error', (e) => {
      clearInterval(timer)
      reject(e)
    })
  })
}
