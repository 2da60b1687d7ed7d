import { KafkaProtocolError } from './protocol-error.js'
import { Reader } from './reader.js'
import { Field, type FieldKind, type StructDef } from './schema.js'
import { inRange, parseVersions } from './versions.js'
import { sizeOfUVarint, type Writer } from './writer.js'
import { ZERO_UUID } from './uuid.js'

/**
 * Turns a declaration (`schema.ts`) into an encoder and a decoder for one version. Each
 * field becomes a small closure chosen once at compile time, so the per-message work is
 * a walk over pre-resolved closures, with no version checks on the hot path.
 *
 * Encoding is two-pass: `size` computes the exact byte count so that the request is one
 * allocation, then `write` fills it.
 */
export interface Codec<T = unknown, I = T> {
  /** Exact encoded size of `value`. */
  size (value: I): number
  /** Writes `value`. */
  write (w: Writer, value: I): void
  /** Reads one value. */
  read (r: Reader): T
}

/** Where decoded structs keep tagged fields this declaration does not know. */
export const UNKNOWN_TAGGED_FIELDS: unique symbol = Symbol('kshare.unknownTaggedFields')

/** A tagged field the declaration does not know, kept for debugging. */
export interface UnknownTaggedField {
  /** Tag number. */
  tag: number
  /** Raw field bytes. */
  data: Buffer
}

type AnyCodec = Codec<unknown, unknown>
type Dict = Record<string | symbol, unknown>

interface CompiledField {
  name: string
  codec: AnyCodec
  makeDefault: () => unknown
}

interface TaggedField extends CompiledField {
  tag: number
  isDefault: (v: unknown) => boolean
}

/** Wraps anything thrown while handling `segment` so the error names the field path. */
function annotate (e: unknown, segment: string, offset: number): KafkaProtocolError {
  // A wrapped foreign error (RangeError, TypeError) keeps it as `cause`: it is a codec bug,
  // not bad input, and the decoder fuzz test looks for it.
  const err = e instanceof KafkaProtocolError
    ? e
    : Object.assign(new KafkaProtocolError(e instanceof Error ? e.message : String(e), offset), { cause: e })
  err.prependPath(segment)
  return err
}

const FIXED: Partial<Record<FieldKind, [size: number, read: (r: Reader) => unknown, write: (w: Writer, v: never) => void]>> = {
  int8: [1, r => r.int8(), (w, v: number) => w.int8(v)],
  int16: [2, r => r.int16(), (w, v: number) => w.int16(v)],
  uint16: [2, r => r.uint16(), (w, v: number) => w.uint16(v)],
  int32: [4, r => r.int32(), (w, v: number) => w.int32(v)],
  uint32: [4, r => r.uint32(), (w, v: number) => w.uint32(v)],
  int64: [8, r => r.int64(), (w, v: bigint) => w.int64(v)],
  float64: [8, r => r.float64(), (w, v: number) => w.float64(v)],
  bool: [1, r => r.bool(), (w, v: boolean) => w.bool(v)],
  uuid: [16, r => r.uuid(), (w, v: string) => w.uuid(v)]
}

function notNullable (): never {
  throw new KafkaProtocolError('null given for a non-nullable field', 0)
}

function lengthSize (n: number, flexible: boolean, wide: boolean): number {
  return flexible ? sizeOfUVarint(n + 1) : (wide ? 4 : 2)
}

function stringCodec (flexible: boolean, nullable: boolean): AnyCodec {
  return {
    size: v => v === null ? (flexible ? 1 : 2) : lengthSize(Buffer.byteLength(v as string), flexible, false) + Buffer.byteLength(v as string),
    write: (w, v) => {
      if (v === null && !nullable) notNullable()
      if (flexible) w.compactString(v as string | null)
      else w.string(v as string | null)
    },
    read: r => {
      const v = flexible ? r.compactString() : r.string()
      if (v === null && !nullable) r.fail('non-nullable string is null')
      return v
    }
  }
}

function bytesCodec (flexible: boolean, nullable: boolean): AnyCodec {
  return {
    size: v => v === null ? (flexible ? 1 : 4) : lengthSize((v as Buffer).length, flexible, true) + (v as Buffer).length,
    write: (w, v) => {
      if (v === null && !nullable) notNullable()
      if (flexible) w.compactBytes(v as Buffer | null)
      else w.bytes(v as Buffer | null)
    },
    read: r => {
      const v = flexible ? r.compactBytes() : r.bytes()
      if (v === null && !nullable) r.fail('non-nullable bytes are null')
      return v
    }
  }
}

function arrayCodec (element: Field<unknown, unknown, boolean>, version: number, flexible: boolean, nullable: boolean): AnyCodec {
  const el = fieldCodec(element, version, flexible)
  const minSize = FIXED[element.kind]?.[0] ?? 1
  return {
    size: v => {
      if (v === null) return flexible ? 1 : 4
      const a = v as unknown[]
      let n = lengthSize(a.length, flexible, true)
      for (let i = 0; i < a.length; i++) n += el.size(a[i])
      return n
    },
    write: (w, v) => {
      if (v === null) {
        if (!nullable) notNullable()
        if (flexible) w.uvarint(0)
        else w.int32(-1)
        return
      }
      const a = v as unknown[]
      if (flexible) w.uvarint(a.length + 1)
      else w.int32(a.length)
      for (let i = 0; i < a.length; i++) {
        try {
          el.write(w, a[i])
        } catch (e) {
          throw annotate(e, `[${i}]`, w.offset)
        }
      }
    },
    read: r => {
      const n = r.arrayLength(flexible, minSize)
      if (n === null) {
        if (!nullable) r.fail('non-nullable array is null')
        return null
      }
      const a = new Array<unknown>(n)
      for (let i = 0; i < n; i++) {
        try {
          a[i] = el.read(r)
        } catch (e) {
          throw annotate(e, `[${i}]`, r.offset)
        }
      }
      return a
    }
  }
}

function nullableStructCodec (inner: AnyCodec): AnyCodec {
  return {
    size: v => v === null ? 1 : 1 + inner.size(v),
    write: (w, v) => {
      if (v === null) {
        w.int8(-1)
        return
      }
      w.int8(1)
      inner.write(w, v)
    },
    read: r => r.int8() < 0 ? null : inner.read(r)
  }
}

/** Compiles one field (its value, without tag framing) for `version`. */
function fieldCodec (field: Field<unknown, unknown, boolean>, version: number, flexible: boolean): AnyCodec {
  const { options } = field
  const nullable = options.nullable !== undefined && inRange(parseVersions(options.nullable), version)
  const fixed = FIXED[field.kind]
  if (fixed !== undefined) {
    const [size, read, write] = fixed
    return {
      size: () => size,
      write: (w, v) => write(w, v as never),
      read
    }
  }
  switch (field.kind) {
    case 'string':
      return stringCodec(flexible, nullable)
    case 'bytes':
    case 'records':
      return bytesCodec(flexible, nullable)
    case 'array':
      return arrayCodec(field.element!, version, flexible, nullable)
    case 'struct': {
      const inner = compileStruct(field.fields!, version, flexible)
      return nullable ? nullableStructCodec(inner) : inner
    }
    default:
      throw new TypeError(`unknown field kind ${field.kind}`)
  }
}

/** A fresh default value for `field` (arrays and structs are new objects each time). */
export function defaultFactory (field: Field<unknown, unknown, boolean>, version: number): () => unknown {
  const { options } = field
  if (options.default !== undefined) {
    const d = options.default
    return Array.isArray(d) ? () => [...d] : () => d
  }
  switch (field.kind) {
    case 'int8': case 'int16': case 'uint16': case 'int32': case 'uint32': case 'float64':
      return () => 0
    case 'int64': return () => 0n
    case 'bool': return () => false
    case 'string': return () => ''
    case 'uuid': return () => ZERO_UUID
    case 'bytes': case 'records': return () => Buffer.alloc(0)
    case 'array': return () => []
    case 'struct': {
      const nullable = options.nullable !== undefined && inRange(parseVersions(options.nullable), version)
      if (nullable) return () => null
      const members = Object.entries(field.fields!).map(([name, f]) => [name, defaultFactory(f, version)] as const)
      return () => Object.fromEntries(members.map(([name, make]) => [name, make()]))
    }
  }
}

function isDefaultValue (field: Field<unknown, unknown, boolean>, version: number): (v: unknown) => boolean {
  const make = defaultFactory(field, version)
  if (field.kind === 'array') return v => v === null ? make() === null : (v as unknown[]).length === 0 && make() !== null
  if (field.kind === 'struct') {
    // A struct is at its default when every member is (as Java's equals()): the decoder
    // yields such a struct for a version that lacks the field, and re-encoding it must
    // neither fail nor put a default tagged struct on the wire.
    const members = Object.entries(field.fields!).map(([name, f]) => [name, isDefaultValue(f, version)] as const)
    return v => v === null || members.every(([name, isDefault]) => {
      const m = (v as Dict)[name]
      return m === undefined || isDefault(m)
    })
  }
  if (field.kind === 'bytes' || field.kind === 'records') return v => v !== null && (v as Buffer).length === 0 && make() !== null
  return v => v === make()
}

/**
 * Compiles a struct for one version. Fields absent from the version are not written and
 * decode to their defaults, so decoded values have the same shape in every version.
 */
export function compileStruct (def: StructDef, version: number, flexible: boolean): Codec<Dict, Dict> {
  const regular: CompiledField[] = []
  const tagged: TaggedField[] = []
  const absent: Array<{ name: string, makeDefault: () => unknown, isDefault: (v: unknown) => boolean, ignorable: boolean }> = []

  for (const [name, field] of Object.entries(def)) {
    const { options } = field
    const makeDefault = defaultFactory(field, version)
    if (!inRange(parseVersions(options.versions ?? '0+'), version)) {
      absent.push({ name, makeDefault, isDefault: isDefaultValue(field, version), ignorable: options.ignorable === true })
      continue
    }
    const codec = fieldCodec(field, version, flexible)
    const isTagged = options.tag !== undefined && flexible &&
      inRange(parseVersions(options.taggedVersions ?? options.versions ?? '0+'), version)
    if (isTagged) tagged.push({ name, codec, makeDefault, tag: options.tag!, isDefault: isDefaultValue(field, version) })
    else regular.push({ name, codec, makeDefault })
  }
  tagged.sort((a, b) => a.tag - b.tag)

  const valueOf = (value: Dict, f: CompiledField): unknown => {
    const v = value[f.name]
    return v === undefined ? f.makeDefault() : v
  }

  const presentTags = (value: Dict): TaggedField[] => tagged.filter(f => {
    const v = value[f.name]
    return v !== undefined && !f.isDefault(v)
  })

  return {
    size (value) {
      let n = 0
      for (const f of regular) {
        try {
          n += f.codec.size(valueOf(value, f))
        } catch (e) {
          throw annotate(e, f.name, 0)
        }
      }
      if (flexible) {
        const tags = presentTags(value)
        const unknown = (value[UNKNOWN_TAGGED_FIELDS] as UnknownTaggedField[] | undefined) ?? []
        n += sizeOfUVarint(tags.length + unknown.length)
        for (const f of tags) {
          const s = f.codec.size(value[f.name])
          n += sizeOfUVarint(f.tag) + sizeOfUVarint(s) + s
        }
        for (const u of unknown) n += sizeOfUVarint(u.tag) + sizeOfUVarint(u.data.length) + u.data.length
      }
      return n
    },

    write (w, value) {
      for (const a of absent) {
        const v = value[a.name]
        if (v !== undefined && !a.ignorable && !a.isDefault(v)) {
          throw new KafkaProtocolError(`field ${a.name} is not supported in version ${version}`, w.offset)
        }
      }
      for (const f of regular) {
        try {
          f.codec.write(w, valueOf(value, f))
        } catch (e) {
          throw annotate(e, f.name, w.offset)
        }
      }
      if (flexible) {
        const tags = presentTags(value)
        const unknown = (value[UNKNOWN_TAGGED_FIELDS] as UnknownTaggedField[] | undefined) ?? []
        w.uvarint(tags.length + unknown.length)
        // Tags go in ascending order; unknown ones are kept from a decoded message.
        const all = [
          ...tags.map(f => ({ tag: f.tag, write: () => { w.uvarint(f.codec.size(value[f.name])); f.codec.write(w, value[f.name]) } })),
          ...unknown.map(u => ({ tag: u.tag, write: () => { w.uvarint(u.data.length); w.raw(u.data) } }))
        ].sort((a, b) => a.tag - b.tag)
        for (const t of all) {
          w.uvarint(t.tag)
          t.write()
        }
      }
    },

    read (r) {
      const out: Dict = {}
      for (const f of regular) {
        try {
          out[f.name] = f.codec.read(r)
        } catch (e) {
          throw annotate(e, f.name, r.offset)
        }
      }
      for (const a of absent) out[a.name] = a.makeDefault()
      for (const f of tagged) out[f.name] = f.makeDefault()
      if (flexible) readTaggedFields(r, out, tagged)
      return out
    }
  }
}

function readTaggedFields (r: Reader, out: Dict, tagged: TaggedField[]): void {
  const count = r.uvarint()
  let unknown: UnknownTaggedField[] | undefined
  for (let i = 0; i < count; i++) {
    const tag = r.uvarint()
    const size = r.uvarint()
    const start = r.offset
    const data = r.raw(size)
    const field = tagged.find(f => f.tag === tag)
    if (field === undefined) {
      (unknown ??= []).push({ tag, data })
      continue
    }
    try {
      // Bound the field to its declared size: a field that overruns it is corrupt.
      const sub = new Reader(r.buffer, start, r.offset)
      out[field.name] = field.codec.read(sub)
      if (sub.remaining !== 0) sub.fail(`tagged field ${tag} has ${sub.remaining} unread byte(s)`)
    } catch (e) {
      throw annotate(e, field.name, start)
    }
  }
  if (unknown !== undefined) out[UNKNOWN_TAGGED_FIELDS] = unknown
}
