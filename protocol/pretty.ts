import type { ApiDefinition } from './api.js'
import { UNKNOWN_TAGGED_FIELDS, type UnknownTaggedField } from './codec.js'
import type { Field, StructDef } from './schema.js'
import { inRange, parseVersions } from './versions.js'

/**
 * Describes decoded messages with their declared field names, for the CLI, the tracer and
 * error reports. The same declaration that drives encode and decode drives this, so what
 * is printed is exactly what is on the wire for that version (absent fields are left out).
 */

/** One printed field: a scalar value or nested children. */
export interface FieldNode {
  /** Field name (or `[i]` for array elements). */
  name: string
  /** Wire type, e.g. `int32`, `[]struct`, `records`. */
  type: string
  /** Printable scalar value (absent for structs and arrays). */
  value?: string | number | boolean | null
  /** Nested fields or elements. */
  children?: FieldNode[]
}

/** Expands a `records` field (the CLI decodes record batches here); returns undefined to print raw. */
export type RecordsExpander = (path: string, bytes: Buffer) => FieldNode[] | undefined

function scalarValue (v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null
  if (typeof v === 'bigint') return v.toString()
  if (Buffer.isBuffer(v)) return v.length <= 64 ? `0x${v.toString('hex')}` : `<${v.length} bytes>`
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v
  return String(v)
}

function typeName (field: Field<unknown, unknown, boolean>): string {
  if (field.kind === 'array') return `[]${typeName(field.element!)}`
  return field.kind
}

function describeField (field: Field<unknown, unknown, boolean>, name: string, path: string, v: unknown, version: number, expand?: RecordsExpander): FieldNode {
  const type = typeName(field)
  if (v === null || v === undefined) return { name, type, value: null }
  if (field.kind === 'struct') return { name, type, children: describeStruct(field.fields!, v as Record<string | symbol, unknown>, version, path, expand) }
  if (field.kind === 'array') {
    const el = field.element!
    return {
      name,
      type,
      children: (v as unknown[]).map((e, i) => describeField(el, `[${i}]`, `${path}[${i}]`, e, version, expand))
    }
  }
  if (field.kind === 'records' && expand !== undefined && Buffer.isBuffer(v)) {
    const children = expand(path, v)
    if (children !== undefined) return { name, type, children }
  }
  return { name, type, value: scalarValue(v) }
}

/** Describes a decoded struct of `version`, in declaration order. */
export function describeStruct (def: StructDef, value: Record<string | symbol, unknown>, version: number, path = '', expand?: RecordsExpander): FieldNode[] {
  const nodes: FieldNode[] = []
  for (const [name, field] of Object.entries(def)) {
    if (!inRange(parseVersions(field.options.versions ?? '0+'), version)) continue
    nodes.push(describeField(field, name, path === '' ? name : `${path}.${name}`, value[name], version, expand))
  }
  const unknown = value[UNKNOWN_TAGGED_FIELDS] as UnknownTaggedField[] | undefined
  for (const u of unknown ?? []) nodes.push({ name: `<unknown tag ${u.tag}>`, type: 'bytes', value: scalarValue(u.data) })
  return nodes
}

/** Describes a decoded request or response of `api` at `version`. */
export function describeMessage (api: ApiDefinition, version: number, direction: 'request' | 'response', body: object, expand?: RecordsExpander): FieldNode[] {
  return describeStruct(api.spec[direction], body as Record<string | symbol, unknown>, version, '', expand)
}

/** Renders nodes as an indented text tree (`name: value`, children indented by two spaces). */
export function renderTree (nodes: FieldNode[], indent = ''): string {
  let out = ''
  for (const n of nodes) {
    if (n.children === undefined) {
      out += `${indent}${n.name}: ${typeof n.value === 'string' && n.type === 'string' ? JSON.stringify(n.value) : String(n.value)}\n`
    } else {
      out += `${indent}${n.name}${n.type.startsWith('[]') ? ` (${n.children.length})` : ''}:\n`
      out += renderTree(n.children, indent + '  ')
    }
  }
  return out
}

/** Converts nodes to plain JSON (objects and arrays), e.g. for `--json` output. */
export function treeToJson (nodes: FieldNode[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const n of nodes) out[n.name] = nodeToJson(n)
  return out
}

function nodeToJson (n: FieldNode): unknown {
  if (n.children === undefined) return n.value
  if (n.type.startsWith('[]')) return n.children.map(nodeToJson)
  return treeToJson(n.children)
}
