import { defaultFactory, UNKNOWN_TAGGED_FIELDS, type UnknownTaggedField } from '../../protocol/codec.js'
import type { Field, StructDef } from '../../protocol/schema.js'
import { inRange, parseVersions } from '../../protocol/versions.js'

/**
 * Test helpers that walk an API declaration: a seeded random value generator (for
 * round-trip tests over every declared API and version), and the projection of a value onto
 * one version (fields the version lacks replaced by their defaults, as the decoder yields them).
 */

type AnyField = Field<unknown, unknown, boolean>
type Dict = Record<string | symbol, unknown>

/** A small seeded PRNG (mulberry32): the same seed gives the same values on every run. */
export class Prng {
  private state: number

  /** @param seed any 32-bit integer */
  constructor (seed: number) {
    this.state = seed >>> 0
  }

  /** Uniform in [0, 1). */
  next (): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** Integer in [lo, hi] (inclusive). */
  int (lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1))
  }

  /** True with probability `p`. */
  chance (p: number): boolean {
    return this.next() < p
  }

  /** `n` random bytes. */
  bytes (n: number): Buffer {
    const b = Buffer.alloc(n)
    for (let i = 0; i < n; i++) b[i] = this.int(0, 255)
    return b
  }

  /** One element of `items`. */
  pick<T> (items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T
  }
}

/** Multi-byte characters on purpose: sizes are byte counts, not string lengths. */
const ALPHABET = ['a', 'b', 'z', '0', '-', '.', '_', ' ', 'é', 'ß', '字', '🙂']

const INT_RANGES: Record<string, readonly [number, number]> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295]
}

function isIn (range: string | undefined, version: number, fallback: boolean): boolean {
  return range === undefined ? fallback : inRange(parseVersions(range), version)
}

/** True when `field` exists in `version`. */
export function presentIn (field: AnyField, version: number): boolean {
  return isIn(field.options.versions, version, true)
}

/** True when `field` may be null in `version`. */
export function nullableIn (field: AnyField, version: number): boolean {
  return isIn(field.options.nullable, version, false)
}

function randomInt (rng: Prng, kind: string): number {
  const [lo, hi] = INT_RANGES[kind] as readonly [number, number]
  // Edges a fifth of the time: sign and width mistakes show there first.
  return rng.chance(0.2) ? rng.pick([lo, hi, 0, kind.startsWith('u') ? 1 : -1]) : rng.int(lo, hi)
}

function randomInt64 (rng: Prng): bigint {
  if (rng.chance(0.2)) return rng.pick([-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n])
  return BigInt.asIntN(64, (BigInt(rng.int(0, 0xffffffff)) << 32n) | BigInt(rng.int(0, 0xffffffff)))
}

function randomString (rng: Prng): string {
  let s = ''
  for (let n = rng.int(0, 10); n > 0; n--) s += rng.pick(ALPHABET)
  return s
}

function randomFieldValue (field: AnyField, version: number, rng: Prng, depth: number): unknown {
  if (nullableIn(field, version) && rng.chance(0.25)) return null
  switch (field.kind) {
    case 'int8': case 'int16': case 'uint16': case 'int32': case 'uint32':
      return randomInt(rng, field.kind)
    case 'int64': return randomInt64(rng)
    case 'float64': return rng.chance(0.2) ? rng.pick([0, -1.5, Number.MAX_VALUE, Number.MIN_VALUE]) : (rng.next() - 0.5) * 1e12
    case 'bool': return rng.chance(0.5)
    case 'string': return randomString(rng)
    case 'bytes': case 'records': return rng.bytes(rng.int(0, 24))
    case 'uuid': return rng.bytes(16).toString('base64url')
    case 'array': {
      // Fewer elements deeper down keeps nested messages small.
      const n = rng.int(0, depth < 2 ? 4 : 2)
      return Array.from({ length: n }, () => randomFieldValue(field.element!, version, rng, depth + 1))
    }
    case 'struct': return randomStruct(field.fields!, version, rng, depth + 1)
  }
}

/**
 * A random value of a struct declaration for `version`: every field the version has gets a
 * random value (nullable ones are sometimes null), fields it lacks get their defaults, and a
 * flexible version sometimes carries unknown tagged fields, which must survive a round trip.
 */
export function randomStruct (def: StructDef, version: number, rng: Prng, depth = 0, flexible = false): Dict {
  const out: Dict = {}
  for (const [name, field] of Object.entries(def)) {
    out[name] = presentIn(field, version)
      ? randomFieldValue(field, version, rng, depth)
      : defaultFactory(field, version)()
  }
  if (flexible && rng.chance(0.1)) {
    const tags = new Set<number>()
    const want = rng.int(1, 2)
    while (tags.size < want) tags.add(rng.int(1000, 1100))
    out[UNKNOWN_TAGGED_FIELDS] = [...tags].sort((a, b) => a - b)
      .map((tag): UnknownTaggedField => ({ tag, data: rng.bytes(rng.int(0, 5)) }))
  }
  return out
}

function mapField (field: AnyField, version: number, v: unknown, nullify: boolean): unknown {
  if (v === null || v === undefined) return v
  if (nullify && nullableIn(field, version)) return null
  if (field.kind === 'array') return (v as unknown[]).map(e => mapField(field.element!, version, e, nullify))
  if (field.kind === 'struct') return mapStruct(field.fields!, version, v as Dict, nullify)
  return v
}

function mapStruct (def: StructDef, version: number, value: Dict, nullify: boolean): Dict {
  const out: Dict = {}
  for (const [name, field] of Object.entries(def)) {
    out[name] = presentIn(field, version) ? mapField(field, version, value[name], nullify) : defaultFactory(field, version)()
  }
  const unknown = value[UNKNOWN_TAGGED_FIELDS]
  if (unknown !== undefined) out[UNKNOWN_TAGGED_FIELDS] = unknown
  return out
}

/**
 * `value` as `version` sees it: fields the version lacks (at any depth) replaced by their
 * defaults, which is what decoding that version yields.
 */
export function projectToVersion (def: StructDef, version: number, value: Dict): Dict {
  return mapStruct(def, version, value, false)
}

/** Like {@link projectToVersion}, with every field that is nullable in `version` set to null. */
export function nullifyNullables (def: StructDef, version: number, value: Dict): Dict {
  return mapStruct(def, version, value, true)
}

/** Number of fields (at any depth) that are nullable in `version`: tells whether a null variant differs. */
export function countNullable (def: StructDef, version: number): number {
  let n = 0
  const walk = (f: AnyField): void => {
    if (!presentIn(f, version)) return
    if (nullableIn(f, version)) n++
    if (f.kind === 'array') walk(f.element!)
    if (f.kind === 'struct') Object.values(f.fields!).forEach(walk)
  }
  Object.values(def).forEach(walk)
  return n
}
