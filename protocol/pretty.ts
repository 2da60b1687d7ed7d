import type { ApiDefinition } from './api.js'
import { UNKNOWN_TAGGED_FIELDS, type UnknownTaggedField } from './codec.js'
import { recordsToJson, renderRecordsText, viewRecords, type RecordsView, type RecordViewOptions } from './pretty-records.js'
import type { AcquiredRange } from './records/share-records.js'
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
  /** A decoded `records` field (with `DescribeOptions.records`). */
  records?: RecordsView
}

/** How messages are described. */
export interface DescribeOptions {
  /**
   * Decode `records` fields into batches and records, rendered with these options; without
   * it they are shown as their size. A ShareFetch partition's records get the delivery counts
   * of its `acquiredRecords`.
   */
  records?: RecordViewOptions
}

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

type Dict = Record<string | symbol, unknown>

function describeField (field: Field<unknown, unknown, boolean>, name: string, v: unknown, parent: Dict, version: number, options: DescribeOptions): FieldNode {
  const type = typeName(field)
  if (v === null || v === undefined) return { name, type, value: null }
  if (field.kind === 'struct') return { name, type, children: describeStruct(field.fields!, v as Dict, version, options) }
  if (field.kind === 'array') {
    const el = field.element!
    return {
      name,
      type,
      children: (v as unknown[]).map((e, i) => describeField(el, `[${i}]`, e, parent, version, options))
    }
  }
  if (field.kind === 'records' && options.records !== undefined && Buffer.isBuffer(v)) {
    // ShareFetch partitions name the offsets they hand this member next to the records.
    const acquired = parent.acquiredRecords as AcquiredRange[] | undefined
    return { name, type, records: viewRecords(v, options.records, Array.isArray(acquired) ? acquired : undefined) }
  }
  return { name, type, value: scalarValue(v) }
}

/** Describes a decoded struct of `version`, in declaration order. */
export function describeStruct (def: StructDef, value: Dict, version: number, options: DescribeOptions = {}): FieldNode[] {
  const nodes: FieldNode[] = []
  for (const [name, field] of Object.entries(def)) {
    if (!inRange(parseVersions(field.options.versions ?? '0+'), version)) continue
    nodes.push(describeField(field, name, value[name], value, version, options))
  }
  const unknown = value[UNKNOWN_TAGGED_FIELDS] as UnknownTaggedField[] | undefined
  for (const u of unknown ?? []) nodes.push({ name: `<unknown tag ${u.tag}>`, type: 'bytes', value: scalarValue(u.data) })
  return nodes
}

/** Describes a decoded request or response of `api` at `version`. */
export function describeMessage (api: ApiDefinition, version: number, direction: 'request' | 'response', body: object, options: DescribeOptions = {}): FieldNode[] {
  return describeStruct(api.spec[direction], body as Dict, version, options)
}

/** Every problem found in decoded `records` fields (CRC mismatches, undecodable batches), each prefixed by its field path. */
export function recordProblems (nodes: FieldNode[], path = ''): string[] {
  const out: string[] = []
  for (const n of nodes) {
    const p = n.name.startsWith('[') || path === '' ? `${path}${n.name}` : `${path}.${n.name}`
    if (n.records !== undefined) out.push(...n.records.problems.map(m => `${p}: ${m}`))
    if (n.children !== undefined) out.push(...recordProblems(n.children, p))
  }
  return out
}

/** Renders nodes as an indented text tree (`name: value`, children indented by two spaces). */
export function renderTree (nodes: FieldNode[], indent = ''): string {
  let out = ''
  for (const n of nodes) {
    if (n.records !== undefined) {
      const { batches, size } = n.records
      out += `${indent}${n.name}: ${batches.length} batch${batches.length === 1 ? '' : 'es'}, ${size} bytes\n`
      out += renderRecordsText(n.records, indent + '  ')
    } else if (n.children === undefined) {
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
  if (n.records !== undefined) return recordsToJson(n.records)
  if (n.children === undefined) return n.value
  if (n.type.startsWith('[]')) return n.children.map(nodeToJson)
  return treeToJson(n.children)
}
