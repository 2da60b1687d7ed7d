import { performance } from 'node:perf_hooks'
import type { ApiDefinition } from '../../protocol/api.js'
import { decodeResponse, encodeResponse } from '../../protocol/frame.js'
import { KafkaProtocolError } from '../../protocol/protocol-error.js'
import { Reader } from '../../protocol/reader.js'
import { API_BY_KEY } from '../../protocol/registry.js'
import { sizeOfUVarint, Writer } from '../../protocol/writer.js'
import { nullifyNullables, Prng, randomStruct } from './random-message.js'

/**
 * Response-decoder fuzzing, shared by the unit test (`test/unit/protocol/fuzz-responses.test.ts`)
 * and the long-run script (`scripts/fuzz-responses.ts`). For every declared API and version:
 * valid response frames from random values, then mutated (bit flips, byte changes, inserts,
 * deletes, truncations, splices, random garbage, huge values in length prefixes) and decoded.
 * A decoder may accept a mutated frame or reject it with a `KafkaProtocolError`; anything
 * else (an untyped error, or a foreign error the codec wrapped) is a failure.
 */

/** Options of {@link fuzzResponses}. */
export interface FuzzOptions {
  /** Total decodes, truncation sweeps included. */
  cases: number
  /** Seed of the whole run: the same seed replays the same frames. */
  seed: number
  /** APIs to fuzz (default: every API in `API_BY_KEY`). */
  apis?: Iterable<ApiDefinition>
  /** Valid frames generated per API version (default 8). */
  framesPerVersion?: number
  /** Frames up to this size are decoded truncated at every length (default 256). */
  sweepUpTo?: number
  /** Called every 10 000 cases with the number done. */
  progress?: (done: number) => void
}

/** One case that broke the rules, with what is needed to replay it. */
export interface FuzzFailure {
  /** API decoded. */
  api: string
  /** Version decoded. */
  version: number
  /** Mutation applied to a valid frame. */
  mutation: string
  /** What went wrong. */
  problem: string
  /** The payload (hex), without the size prefix. */
  frame: string
}

/** What a run did. */
export interface FuzzReport {
  /** Decodes performed. */
  cases: number
  /** API versions fuzzed (`Name vN`). */
  targets: string[]
  /** Mutated frames that still decoded. */
  accepted: number
  /** Frames rejected with a `KafkaProtocolError`. */
  rejected: number
  /** Cases per mutation kind. */
  byMutation: Record<string, number>
  /** Cases with a huge count written into an array length prefix. */
  hugeArrayCounts: number
  /** Of those, how many the Reader refused before allocating (`cannot fit`). */
  refusedBeforeAllocation: number
  /** Wall time of the run, in ms. */
  totalMs: number
  /** The slowest single decode (fastest of three timings of that case), in ms. */
  maxCaseMs: number
  /** The slowest case. */
  slowest: string
  /** Rule breakers (at most 20 kept). */
  failures: FuzzFailure[]
  /** Count of rule breakers (may exceed `failures.length`). */
  failureCount: number
}

type LengthKind = 'uvarint' | 'int16' | 'int32' | 'array-uvarint' | 'array-int32'

interface Seed {
  api: ApiDefinition
  version: number
  frames: Buffer[]
  /** Per frame: offsets of length prefixes and counts, with their encoding. */
  lengths: Array<Map<number, LengthKind>>
}

/**
 * A Reader that notes where length prefixes and counts sit while a valid frame decodes:
 * those are where huge values do the most damage. Positions inside known tagged fields
 * (read through a plain sub-reader) are not seen, which only narrows the targets.
 */
class LengthProbe extends Reader {
  readonly found = new Map<number, LengthKind>()

  override uvarint (): number {
    if (!this.found.has(this.offset)) this.found.set(this.offset, 'uvarint')
    return super.uvarint()
  }

  override string (): string | null {
    this.found.set(this.offset, 'int16')
    return super.string()
  }

  override bytes (): Buffer | null {
    this.found.set(this.offset, 'int32')
    return super.bytes()
  }

  override arrayLength (compact: boolean, minElementSize?: number): number | null {
    this.found.set(this.offset, compact ? 'array-uvarint' : 'array-int32')
    return super.arrayLength(compact, minElementSize)
  }
}

function probeLengths (api: ApiDefinition, version: number, payload: Buffer): Map<number, LengthKind> {
  // Response header: correlation id, then (header v1) an empty tagged-field section.
  const probe = new LengthProbe(payload, api.responseHeaderVersion(version) === 1 ? 5 : 4)
  api.response(version).read(probe)
  if (probe.remaining !== 0) throw new Error(`${api.name} v${version}: probe left ${probe.remaining} bytes`)
  return probe.found
}

function buildSeeds (apis: Iterable<ApiDefinition>, rng: Prng, perVersion: number): Seed[] {
  const seeds: Seed[] = []
  for (const api of apis) {
    for (let v = api.minVersion; v <= api.maxVersion; v++) {
      const frames: Buffer[] = []
      for (let i = 0; i < perVersion; i++) {
        let body = randomStruct(api.spec.response, v, rng, 0, api.isFlexible(v))
        // One short frame per version (every nullable null) for the truncation sweep.
        if (i === 0) body = nullifyNullables(api.spec.response, v, body)
        frames.push(encodeResponse(api, v, rng.int(0, 0x7fffffff), body as never).subarray(4))
      }
      seeds.push({ api, version: v, frames, lengths: frames.map(f => probeLengths(api, v, f)) })
    }
  }
  return seeds
}

function uvarintSizeAt (b: Buffer, at: number): number {
  let n = 1
  while (at + n - 1 < b.length && (b[at + n - 1]! & 0x80) !== 0 && n < 5) n++
  return n
}

/** A mutated copy of `frame`: [bytes, mutation name, whether a huge array count was written]. */
function mutate (seed: Seed, index: number, rng: Prng): [Buffer, string, boolean] {
  const frame = seed.frames[index]!
  const roll = rng.next()
  if (roll < 0.2 && seed.lengths[index]!.size > 0) {
    const positions = [...seed.lengths[index]!]
    const [at, kind] = rng.pick(positions)
    const out = Buffer.from(frame)
    switch (kind) {
      case 'int16':
        out.writeInt16BE(rng.pick([0x7fff, -2, -32768, rng.int(frame.length, 0x7fff)]), at)
        return [out, 'huge-length', false]
      case 'int32':
        out.writeInt32BE(rng.pick([0x7fffffff, -2, -0x80000000, 0x10000000, rng.int(frame.length, 0x7fffffff)]), at)
        return [out, 'huge-length', false]
      case 'array-int32':
        out.writeInt32BE(rng.pick([0x7fffffff, 0x10000000, rng.int(frame.length, 0x7fffffff)]), at)
        return [out, 'huge-count', true]
      default: {
        const value = rng.pick([0xffffffff, 0x7fffffff, 0x10000000, rng.int(frame.length + 2, 0xffffffff)])
        const mutated = Buffer.concat([frame.subarray(0, at), Writer.alloc(sizeOfUVarint(value)).uvarint(value).finish(), frame.subarray(at + uvarintSizeAt(frame, at))])
        return [mutated, kind === 'array-uvarint' ? 'huge-count' : 'huge-length', kind === 'array-uvarint']
      }
    }
  }
  if (roll < 0.45) {
    const out = Buffer.from(frame)
    for (let n = rng.int(1, 4); n > 0 && out.length > 0; n--) out[rng.int(0, out.length - 1)]! ^= 1 << rng.int(0, 7)
    return [out, 'bit-flip', false]
  }
  if (roll < 0.55) {
    const out = Buffer.from(frame)
    for (let n = rng.int(1, 3); n > 0 && out.length > 0; n--) out[rng.int(0, out.length - 1)] = rng.pick([0, 0xff, 0x7f, 0x80, rng.int(0, 255)])
    return [out, 'byte-set', false]
  }
  if (roll < 0.65) {
    const at = rng.int(0, frame.length)
    return [Buffer.concat([frame.subarray(0, at), rng.bytes(rng.int(1, 8)), frame.subarray(at)]), 'insert', false]
  }
  if (roll < 0.75) {
    const at = rng.int(0, frame.length)
    return [Buffer.concat([frame.subarray(0, at), frame.subarray(at + rng.int(1, 8))]), 'delete', false]
  }
  if (roll < 0.85) return [Buffer.from(frame.subarray(0, rng.int(0, frame.length))), 'truncate', false]
  if (roll < 0.93) {
    const other = rng.pick(seed.frames)
    const from = rng.int(0, other.length)
    const at = rng.int(0, frame.length)
    return [Buffer.concat([frame.subarray(0, at), other.subarray(from, from + rng.int(1, 64)), frame.subarray(at + rng.int(0, 64))]), 'splice', false]
  }
  return [rng.bytes(rng.int(0, 512)), 'garbage', false]
}

function timedDecode (seed: Seed, payload: Buffer): [error: unknown, ms: number] {
  const t0 = performance.now()
  try {
    decodeResponse(seed.api, seed.version, payload)
    return [undefined, performance.now() - t0]
  } catch (e) {
    return [e, performance.now() - t0]
  }
}

/** Runs the fuzzer; see {@link FuzzOptions}. Never throws for a bad decode: failures are in the report. */
export function fuzzResponses (options: FuzzOptions): FuzzReport {
  const rng = new Prng(options.seed)
  const seeds = buildSeeds(options.apis ?? API_BY_KEY.values(), rng, options.framesPerVersion ?? 8)
  const report: FuzzReport = {
    cases: 0,
    targets: seeds.map(s => `${s.api.name} v${s.version}`),
    accepted: 0,
    rejected: 0,
    byMutation: {},
    hugeArrayCounts: 0,
    refusedBeforeAllocation: 0,
    totalMs: 0,
    maxCaseMs: 0,
    slowest: '',
    failures: [],
    failureCount: 0
  }
  const started = performance.now()

  const run = (seed: Seed, payload: Buffer, mutation: string, mustFail: boolean, hugeCount: boolean): void => {
    const fail = (problem: string): void => {
      report.failureCount++
      if (report.failures.length < 20) {
        report.failures.push({ api: seed.api.name, version: seed.version, mutation, problem, frame: payload.toString('hex') })
      }
    }
    report.cases++
    report.byMutation[mutation] = (report.byMutation[mutation] ?? 0) + 1
    if (hugeCount) report.hugeArrayCounts++
    const [error, ms] = timedDecode(seed, payload)
    if (ms > report.maxCaseMs) {
      // A new slowest case is timed twice more and keeps its fastest run: a slow decoder is
      // slow every time, a GC pause or a busy CPU is not.
      const again = Math.min(ms, timedDecode(seed, payload)[1], timedDecode(seed, payload)[1])
      if (again > report.maxCaseMs) {
        report.maxCaseMs = again
        report.slowest = `${seed.api.name} v${seed.version} ${mutation} (${payload.length} bytes)`
      }
    }
    if (options.progress !== undefined && report.cases % 10_000 === 0) options.progress(report.cases)
    if (error === undefined) {
      report.accepted++
      if (mustFail) fail('a truncated frame decoded without error')
      return
    }
    if (!(error instanceof KafkaProtocolError)) return fail(`untyped error: ${String(error)}`)
    if (error.cause !== undefined) return fail(`the codec wrapped a foreign error: ${String(error.cause)}`)
    if (error.api !== seed.api.name || error.version !== seed.version) return fail(`error names ${error.api} v${error.version}`)
    if (error.offset < 0 || error.offset > payload.length) return fail(`error offset ${error.offset} outside the frame`)
    report.rejected++
    if (hugeCount && /cannot fit/.test(error.reason)) report.refusedBeforeAllocation++
  }

  // Every truncation of the short frames: a prefix of a valid frame must always be refused.
  for (const seed of seeds) {
    for (const frame of seed.frames) {
      if (frame.length > (options.sweepUpTo ?? 256)) continue
      for (let n = 0; n < frame.length && report.cases < options.cases; n++) run(seed, frame.subarray(0, n), 'truncate-sweep', true, false)
    }
  }
  // Then random mutations, round-robin so that every decoder gets its share.
  for (let i = 0; report.cases < options.cases; i++) {
    const seed = seeds[i % seeds.length]!
    const [payload, mutation, hugeCount] = mutate(seed, rng.int(0, seed.frames.length - 1), rng)
    run(seed, payload, mutation, false, hugeCount)
  }
  report.totalMs = performance.now() - started
  return report
}
