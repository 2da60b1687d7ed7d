import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { inflateRawSync } from 'node:zlib'
import { kafkaLibDir } from '../test/harness/jars.js'

/**
 * Kafka's own message schemas (`common/message/*.json` inside kafka-clients-<version>.jar), the
 * source of facts for the generated declarations (scripts/generate-messages.ts) and for the
 * test that checks the hand-written ones against Kafka (schema-agreement.test.ts).
 */

/** One field of a Kafka message schema, as written in the JSON. */
export interface KafkaField {
  /** PascalCase name, e.g. `ShareSessionEpoch`. */
  name: string
  /** `int32`, `string`, `[]int32`, `[]Topic`, `Topic`, ... */
  type: string
  /** Version range the field exists in. */
  versions?: string
  /** Versions in which the field may be null. */
  nullableVersions?: string
  /** Default, as text (`"-1"`, `"null"`, `"0x7fffffff"`, `"true"`). */
  default?: string | number | boolean
  /** Tag of a tagged field. */
  tag?: number
  /** Versions in which the field is tagged. */
  taggedVersions?: string
  /** A sender may drop a non-default value when the version lacks the field. */
  ignorable?: boolean
  /** Member fields of a struct or struct array declared inline. */
  fields?: KafkaField[]
  /** What the field is for. */
  about?: string
}

/** A struct declared once at the top of a message and referenced by type name. */
export interface KafkaStruct {
  /** Struct name. */
  name: string
  /** Version range. */
  versions?: string
  /** Member fields. */
  fields: KafkaField[]
}

/** One `common/message/*.json` file. */
export interface KafkaMessage {
  /** API key (absent for headers and data formats). */
  apiKey?: number
  /** `request`, `response`, `header`, `data`. */
  type: string
  /** e.g. `FetchRequest`. */
  name: string
  /** Versions Kafka speaks. */
  validVersions: string
  /** Versions with compact encodings and tagged fields. */
  flexibleVersions: string
  /** The newest version is not yet stable (brokers do not advertise it by default). */
  latestVersionUnstable?: boolean
  /** Top-level fields. */
  fields: KafkaField[]
  /** Structs referenced by name. */
  commonStructs?: KafkaStruct[]
}

/** A request and its response. */
export interface KafkaApi {
  /** API name without the suffix, e.g. `Fetch`. */
  name: string
  /** API key. */
  apiKey: number
  /** The request schema. */
  request: KafkaMessage
  /** The response schema. */
  response: KafkaMessage
}

/** Reads every file of a zip archive whose name matches `wanted` (stored or deflated entries). */
export function readZipEntries (zip: Buffer, wanted: (name: string) => boolean): Map<string, Buffer> {
  // The end-of-central-directory record sits in the last 64 KiB + 22 bytes.
  let eocd = -1
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i
      break
    }
  }
  if (eocd < 0) throw new Error('not a zip file: no end-of-central-directory record')
  const count = zip.readUInt16LE(eocd + 10)
  let p = zip.readUInt32LE(eocd + 16)
  const out = new Map<string, Buffer>()
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error(`zip central directory entry ${i} is corrupt`)
    const method = zip.readUInt16LE(p + 10)
    const compressedSize = zip.readUInt32LE(p + 20)
    const nameLength = zip.readUInt16LE(p + 28)
    const extraLength = zip.readUInt16LE(p + 30)
    const commentLength = zip.readUInt16LE(p + 32)
    const local = zip.readUInt32LE(p + 42)
    const name = zip.toString('utf8', p + 46, p + 46 + nameLength)
    p += 46 + nameLength + extraLength + commentLength
    if (!wanted(name)) continue
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28)
    const data = zip.subarray(dataStart, dataStart + compressedSize)
    if (method === 0) out.set(name, data)
    else if (method === 8) out.set(name, inflateRawSync(data))
    else throw new Error(`zip entry ${name} uses compression method ${method}`)
  }
  return out
}

/** Where the harness keeps kafka-clients-<version>.jar (it resolves the broker's jars there from Maven Central). */
export function kafkaClientsJar (version: string): string {
  return join(kafkaLibDir(version), `kafka-clients-${version}.jar`)
}

/** Parses Kafka's message JSON, which allows `//` comment lines. */
export function parseMessageJson (text: string): KafkaMessage {
  return JSON.parse(text.split('\n').filter(l => !/^\s*\/\//.test(l)).join('\n')) as KafkaMessage
}

/**
 * Every request/response pair in the jar, by API key, except APIs Kafka removed (validVersions
 * `none`: LeaderAndIsr, StopReplica, UpdateMetadata, ControlledShutdown). Throws when the jar
 * is missing or unreadable.
 */
export function loadKafkaApis (jarPath: string): Map<number, KafkaApi> {
  let zip: Buffer
  try {
    zip = readFileSync(jarPath)
  } catch (e) {
    throw new Error(`cannot read Kafka's message schemas: ${jarPath} is missing (${(e as Error).message}); ` +
      'the test harness resolves it from Maven Central: run `npm run broker` (or any integration test) once', { cause: e })
  }
  const files = readZipEntries(zip, name => /^common\/message\/\w+\.json$/.test(name))
  const requests = new Map<number, KafkaMessage>()
  const responses = new Map<number, KafkaMessage>()
  for (const data of files.values()) {
    const message = parseMessageJson(data.toString('utf8'))
    if (message.apiKey === undefined || message.validVersions === 'none') continue
    if (message.type === 'request') requests.set(message.apiKey, message)
    else if (message.type === 'response') responses.set(message.apiKey, message)
  }
  const apis = new Map<number, KafkaApi>()
  for (const [key, request] of requests) {
    const response = responses.get(key)
    if (response === undefined) throw new Error(`${request.name} has no response schema in ${jarPath}`)
    apis.set(key, { name: request.name.replace(/Request$/, ''), apiKey: key, request, response })
  }
  return apis
}

/** The JSON name in our declarations' camelCase (`ShareSessionEpoch` → `shareSessionEpoch`). */
export function camelCase (name: string): string {
  return name[0]!.toLowerCase() + name.slice(1)
}

/** The member fields of a struct-typed field: inline, or a common struct of the message. */
export function structFields (field: KafkaField, message: KafkaMessage): KafkaField[] {
  if (field.fields !== undefined) return field.fields
  const type = field.type.replace(/^\[\]/, '')
  const common = message.commonStructs?.find(s => s.name === type)
  if (common === undefined) throw new Error(`${message.name}.${field.name}: struct ${type} is declared nowhere`)
  return common.fields
}

/** Kafka's scalar types (everything else is a struct). */
export const KAFKA_SCALARS: ReadonlySet<string> = new Set([
  'bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'uuid', 'bytes', 'records'
])
