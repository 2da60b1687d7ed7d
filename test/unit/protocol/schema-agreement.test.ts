import t from 'tap'
import { defaultFactory } from '../../../protocol/codec.js'
import * as messages from '../../../protocol/messages/index.js'
import * as generated from '../../../protocol/messages/generated/index.js'
import { defineApi, type ApiDefinition } from '../../../protocol/api.js'
import * as schema from '../../../protocol/schema.js'
import type { Field, StructDef } from '../../../protocol/schema.js'
import { inRange, parseVersions } from '../../../protocol/versions.js'
import { resolveKafkaJars } from '../../harness/jars.js'
import { DEFAULT_KAFKA_VERSION } from '../../harness/version.js'
import {
  camelCase, KAFKA_SCALARS, kafkaClientsJar, loadKafkaApis, structFields, type KafkaApi, type KafkaField, type KafkaMessage
} from '../../../scripts/kafka-schemas.js'

// Every hand-written declaration is checked against Kafka's own message schema, version by
// version: the fields present, their order, names, types, nullability, tags and defaults, and
// which versions are flexible. The declarations drive the codec, so a disagreement here is a
// wire bug. The generated declarations are Kafka's schema by construction (their round trip
// is tested with every other API in messages/all-apis-random.test.ts).

type AnyField = Field<unknown, unknown, boolean>

const has = (range: string | undefined, v: number, fallback = '0+'): boolean => inRange(parseVersions(range ?? fallback), v)

function kafkaKind (f: KafkaField): string {
  if (f.type.startsWith('[]')) return 'array'
  return KAFKA_SCALARS.has(f.type) ? f.type : 'struct'
}

/** Kafka's default for a scalar field, in our decoded form (undefined: not compared). */
function kafkaDefault (f: KafkaField): unknown {
  const d = f.default === undefined ? undefined : String(f.default)
  if (d === 'null') return null
  switch (f.type) {
    case 'int8': case 'int16': case 'uint16': case 'int32': case 'uint32': case 'float64': return d === undefined ? 0 : Number(d)
    case 'int64': return d === undefined ? 0n : BigInt(d)
    case 'bool': return d === 'true'
    case 'string': return d ?? ''
    default: return undefined
  }
}

/** Disagreements between our struct and Kafka's fields at version `v`, each naming its path. */
function compareStruct (ours: StructDef, theirs: KafkaField[], message: KafkaMessage, v: number, flexible: boolean, path: string): string[] {
  const out: string[] = []
  const kafka = theirs.filter(f => has(f.versions, v))
  const mine = Object.entries(ours).filter(([, f]) => has(f.options.versions, v))
  const mineByName = new Map(mine)
  const kafkaNames = new Set(kafka.map(f => camelCase(f.name)))
  for (const [name] of mine) if (!kafkaNames.has(name)) out.push(`${path}${name}: declared by us, not in Kafka's schema`)
  const isTagged = (tag: number | undefined, tagged: string | undefined, versions: string | undefined): boolean =>
    flexible && tag !== undefined && has(tagged ?? versions, v)
  // The order of untagged fields is the wire order; tagged fields travel by tag.
  const kafkaOrder = kafka.filter(f => !isTagged(f.tag, f.taggedVersions, f.versions)).map(f => camelCase(f.name))
  const myOrder = mine.filter(([, f]) => !isTagged(f.options.tag, f.options.taggedVersions, f.options.versions)).map(([n]) => n)
  const common = (a: string[], b: string[]): string[] => a.filter(n => b.includes(n))
  if (common(kafkaOrder, myOrder).join() !== common(myOrder, kafkaOrder).join()) {
    out.push(`${path}: field order ${myOrder.join(',')} differs from Kafka's ${kafkaOrder.join(',')}`)
  }
  for (const k of kafka) {
    const name = camelCase(k.name)
    const p = `${path}${name}`
    const f = mineByName.get(name) as AnyField | undefined
    if (f === undefined) {
      out.push(`${p}: in Kafka's schema (${k.type}, versions ${k.versions ?? '0+'}), not declared by us`)
      continue
    }
    out.push(...compareField(f, k, message, v, flexible, p))
  }
  return out
}

function compareField (f: AnyField, k: KafkaField, message: KafkaMessage, v: number, flexible: boolean, p: string): string[] {
  const out: string[] = []
  const kind = kafkaKind(k)
  if (f.kind !== kind) return [`${p}: type ${f.kind}, Kafka's is ${k.type}`]
  const myNullable = has(f.options.nullable, v, 'none')
  const kafkaNullable = has(k.nullableVersions, v, 'none')
  if (myNullable !== kafkaNullable) out.push(`${p}: ${myNullable ? 'nullable' : 'not nullable'}, Kafka's is ${kafkaNullable ? 'nullable' : 'not'}`)
  const myTag = flexible && f.options.tag !== undefined && has(f.options.taggedVersions ?? f.options.versions, v) ? f.options.tag : undefined
  const kafkaTag = flexible && k.tag !== undefined && has(k.taggedVersions ?? k.versions, v) ? k.tag : undefined
  if (myTag !== kafkaTag) out.push(`${p}: tag ${myTag ?? 'none'}, Kafka's is ${kafkaTag ?? 'none'}`)
  if (kind === 'array') {
    const element = k.type.slice(2)
    const el = f.element!
    if (KAFKA_SCALARS.has(element)) {
      if (el.kind !== element) out.push(`${p}: element type ${el.kind}, Kafka's is ${element}`)
    } else if (el.kind !== 'struct') {
      out.push(`${p}: element type ${el.kind}, Kafka's is struct ${element}`)
    } else {
      out.push(...compareStruct(el.fields!, structFields(k, message), message, v, flexible, `${p}[].`))
    }
  } else if (kind === 'struct') {
    out.push(...compareStruct(f.fields!, structFields(k, message), message, v, flexible, `${p}.`))
  } else {
    const expected = kafkaDefault(k)
    if (expected !== undefined) {
      const actual = defaultFactory(f, v)()
      if (actual !== expected) out.push(`${p}: default ${String(actual)}, Kafka's is ${String(expected)}`)
    }
  }
  return out
}

/** Disagreements of one API at one version, both directions. */
function compareApi (api: ApiDefinition, kafka: KafkaApi, v: number): string[] {
  const out: string[] = []
  const flexible = has(kafka.request.flexibleVersions, v)
  if (api.isFlexible(v) !== flexible) out.push(`flexible: ${api.isFlexible(v)}, Kafka's is ${flexible}`)
  if (!has(kafka.request.validVersions, v)) out.push(`Kafka ${DEFAULT_KAFKA_VERSION} does not define version ${v} (${kafka.request.validVersions})`)
  out.push(...compareStruct(api.spec.request, kafka.request.fields, kafka.request, v, flexible, 'request.'))
  out.push(...compareStruct(api.spec.response, kafka.response.fields, kafka.response, v, flexible, 'response.'))
  return out.map(m => `${api.name} v${v} ${m}`)
}

const generatedApis = new Set<unknown>(Object.values(generated))
const handWritten = (Object.values(messages) as unknown as ApiDefinition[]).filter(a => !generatedApis.has(a))

t.test(`every hand-written declaration agrees with Kafka ${DEFAULT_KAFKA_VERSION}'s message schemas in every version we speak`, async t => {
  // The harness keeps the broker's jars, kafka-clients included; a missing jar fails here, loudly.
  await resolveKafkaJars(DEFAULT_KAFKA_VERSION)
  const kafka = loadKafkaApis(kafkaClientsJar(DEFAULT_KAFKA_VERSION))
  const disagreements: string[] = []
  let versions = 0
  for (const api of handWritten) {
    const theirs = kafka.get(api.apiKey)
    if (theirs === undefined) {
      disagreements.push(`${api.name} (key ${api.apiKey}) is not in Kafka's schemas`)
      continue
    }
    t.equal(api.name, theirs.name, `key ${api.apiKey} is named as Kafka names it`)
    for (let v = api.minVersion; v <= api.maxVersion; v++) {
      versions++
      disagreements.push(...compareApi(api, theirs, v))
    }
  }
  t.same(disagreements, [], 'no disagreement with Kafka\'s schemas')
  t.equal(handWritten.length, 23, 'every hand-written API was checked')
  t.comment(`checked ${handWritten.length} hand-written APIs × their versions = ${versions} API versions (${versions * 2} request and response schemas)`)
  t.ok(versions >= handWritten.length)
})

t.test('the generated declarations are exactly the APIs of Kafka\'s schemas that are not hand-written', async t => {
  await resolveKafkaJars(DEFAULT_KAFKA_VERSION)
  const kafka = loadKafkaApis(kafkaClientsJar(DEFAULT_KAFKA_VERSION))
  const ours = new Set(handWritten.map(a => a.apiKey))
  const expected = [...kafka.values()].filter(a => !ours.has(a.apiKey)).map(a => a.name).sort()
  t.same((Object.values(generated) as unknown as ApiDefinition[]).map(a => a.name).sort(), expected,
    'rerun `npm run generate:messages` when this fails')
  // And they agree with the schema too: a check of the generator.
  const disagreements: string[] = []
  for (const api of Object.values(generated) as unknown as ApiDefinition[]) {
    for (let v = api.minVersion; v <= api.maxVersion; v++) disagreements.push(...compareApi(api, kafka.get(api.apiKey)!, v))
  }
  t.same(disagreements, [])
})

t.test('the check catches each kind of disagreement (a deliberately wrong ShareFetch)', async t => {
  await resolveKafkaJars(DEFAULT_KAFKA_VERSION)
  const kafka = loadKafkaApis(kafkaClientsJar(DEFAULT_KAFKA_VERSION)).get(messages.ShareFetch.apiKey)!
  const { request, response } = messages.ShareFetch.spec
  const { maxRecords: _dropped, ...withoutMaxRecords } = request
  const wrong = defineApi({
    ...messages.ShareFetch.spec,
    flexibleVersions: '2+',
    request: { ...withoutMaxRecords, memberId: schema.int32(), shareSessionEpoch: schema.int32({ nullable: '0+' }) },
    response: { ...response, errorMessage: schema.string({ default: 'x' }), extra: schema.int8({ tag: 7 }), acquisitionLockTimeoutMs: schema.int32({ versions: '1+', tag: 3 }) }
  }) as unknown as ApiDefinition
  const found = compareApi(wrong, kafka, 1).join('\n')
  t.match(found, /ShareFetch v1 flexible: false, Kafka's is true/)
  t.match(found, /request\.maxRecords: in Kafka's schema \(int32, versions 1\+\), not declared by us/)
  t.match(found, /request\.memberId: type int32, Kafka's is string/)
  t.match(found, /request\.shareSessionEpoch: nullable, Kafka's is not/)
  t.match(found, /response\.extra: declared by us, not in Kafka's schema/)
  t.match(found, /response\.errorMessage: not nullable, Kafka's is nullable/)
  t.same(compareApi(wrong, kafka, 2).filter(m => /acquisitionLockTimeoutMs: tag 3, Kafka's is none/.test(m)).length, 1, 'a field tagged by us and not by Kafka')
  t.same(compareApi(messages.ShareFetch as unknown as ApiDefinition, kafka, 2), [], 'the real declaration agrees')
})
