import t from 'tap'
import {
  CreatePartitions, CreateTopics, DeleteTopics, DescribeCluster, InitProducerId, ListOffsets, Metadata, Produce,
  SaslAuthenticate, SaslHandshake, decodeRequest, decodeResponse, encodeRequest, encodeResponse, type ApiDefinition
} from '../../../../protocol/index.js'
import { defaultFactory } from '../../../../protocol/codec.js'
import type { Field, StructDef } from '../../../../protocol/schema.js'
import { nullifyNullables, presentIn, Prng, randomStruct } from '../../../helpers/random-message.js'

// decode(encode(x)) deep-equals x for every non-share API and every version we speak, both
// directions: with every field set (nullable fields non-null, arrays of 2+ elements, tagged
// fields off their defaults so they are on the wire), with every nullable field null, and
// with random mixes (which also carry unknown tagged fields).
const APIS = [Metadata, DescribeCluster, ListOffsets, Produce, InitProducerId, CreateTopics, DeleteTopics, CreatePartitions, SaslHandshake, SaslAuthenticate] as unknown as ApiDefinition[]

type AnyField = Field<unknown, unknown, boolean>
type Dict = Record<string | symbol, unknown>

/** A random value of one field, drawn until `ok` accepts it. */
function draw (field: AnyField, version: number, rng: Prng, ok: (v: unknown) => boolean): unknown {
  for (;;) {
    const v = randomStruct({ f: field }, version, rng).f
    if (ok(v)) return v
  }
}

/** Fills `value` so that every field of `version` is set: see the comment at the top. */
function fill (def: StructDef, version: number, value: Dict, rng: Prng): Dict {
  const out: Dict = { ...value }
  for (const [name, field] of Object.entries(def)) {
    if (presentIn(field, version)) out[name] = fillField(field, version, out[name], rng)
  }
  return out
}

function fillField (field: AnyField, version: number, v: unknown, rng: Prng): unknown {
  const isDefault = (x: unknown): boolean => field.options.tag !== undefined && x === defaultFactory(field, version)()
  if (v === null || isDefault(v) || (field.kind === 'array' && (v as unknown[]).length < 2)) {
    v = draw(field, version, rng, x => x !== null && !isDefault(x) && (field.kind !== 'array' || (x as unknown[]).length >= 2))
  }
  if (field.kind === 'struct') return fill(field.fields!, version, v as Dict, rng)
  if (field.kind === 'array') return (v as unknown[]).map(e => fillField(field.element!, version, e, rng))
  return v
}

const encodeBody = (api: ApiDefinition, v: number, dir: 'request' | 'response', body: Dict): Buffer =>
  dir === 'request' ? encodeRequest(api, v, { correlationId: 7, clientId: 'kshare' }, body as never) : encodeResponse(api, v, 7, body as never)

const decodeBody = (api: ApiDefinition, v: number, dir: 'request' | 'response', frame: Buffer): Dict => {
  if (dir === 'response') return decodeResponse(api, v, frame.subarray(4)).body as Dict
  const { header, body } = decodeRequest(api, frame.subarray(4))
  if (header.apiVersion !== v || header.correlationId !== 7) throw new Error(`bad header ${JSON.stringify(header)}`)
  return body as Dict
}

for (const api of APIS) {
  t.test(`${api.name} v${api.minVersion}-v${api.maxVersion} round-trips`, async t => {
    for (let v = api.minVersion; v <= api.maxVersion; v++) {
      for (const dir of ['request', 'response'] as const) {
        const def = api.spec[dir]
        const flexible = api.isFlexible(v)
        const rng = new Prng(api.apiKey * 100 + v * 2 + (dir === 'request' ? 0 : 1))
        const full = fill(def, v, randomStruct(def, v, rng), rng)
        const cases: Array<[string, Dict]> = [['every field set', full], ['nullables null', nullifyNullables(def, v, full)]]
        for (let i = 0; i < 4; i++) cases.push([`random #${i}`, randomStruct(def, v, rng, 0, flexible)])
        for (const [label, x] of cases) {
          const frame = encodeBody(api, v, dir, x)
          t.equal(frame.readInt32BE(0), frame.length - 4, `v${v} ${dir} ${label}: size prefix`)
          const back = decodeBody(api, v, dir, frame)
          t.strictSame(back, x, `v${v} ${dir} ${label}`)
          // What a proxy relies on: a decoded message re-encodes to the same bytes.
          t.ok(encodeBody(api, v, dir, back).equals(frame), `v${v} ${dir} ${label}: re-encodes identically`)
        }
      }
    }
  })
}
