/**
 * The vocabulary in which every API message is declared once (see `messages/*.ts`). A
 * declaration mirrors Kafka's message JSON: fields in wire order, each with its type, the
 * versions it exists in, the versions where it may be null, its default and, for tagged
 * fields, its tag. `codec.ts` turns a declaration into encoders and decoders per version;
 * `pretty.ts` prints decoded values with the declared names.
 *
 * Field names are the JSON names in camelCase (`ShareSessionEpoch` → `shareSessionEpoch`).
 */

/** Wire types of scalar fields. */
export type ScalarKind =
  | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'float64' | 'bool'
  | 'string' | 'bytes' | 'records' | 'uuid'

/** Every field kind: scalars, arrays and nested structs. */
export type FieldKind = ScalarKind | 'array' | 'struct'

/** Options of a field, as in Kafka's message JSON. */
export interface FieldOptions<D = unknown> {
  /** Versions the field exists in (default `"0+"`). */
  versions?: string
  /** Versions in which the field may be null. */
  nullable?: string
  /** Value used when the field is absent from the version or not given to the encoder. */
  default?: D
  /** Tag number: the field travels in the tagged-field section. */
  tag?: number
  /** Versions in which the field is tagged (default: `versions`). */
  taggedVersions?: string
  /** A sender may drop a non-default value when the version lacks the field. */
  ignorable?: boolean
}

/** A struct declaration: field name → field, in wire order. */
export interface StructDef {
  readonly [name: string]: Field<unknown, unknown, boolean>
}

/**
 * One declared field. `T` is the decoded type, `I` what the encoder accepts, `Opt` whether
 * the encoder may be given `undefined` (a versioned, defaulted, nullable or tagged field).
 */
export class Field<T, I, Opt extends boolean> {
  /** Phantom members carrying the types; never set at run time. */
  declare readonly _decoded: T
  declare readonly _input: I
  declare readonly _optional: Opt

  /**
   * @param kind wire type
   * @param options version ranges, nullability, default, tag
   * @param element element field of an array
   * @param fields member fields of a struct
   */
  constructor (
    readonly kind: FieldKind,
    readonly options: FieldOptions,
    readonly element?: Field<unknown, unknown, boolean>,
    readonly fields?: StructDef
  ) {}
}

type Nullable<O, T> = O extends { nullable: string } ? T | null : T
type IsOptional<O> = O extends { versions: string } ? true
  : O extends { default: unknown } ? true
    : O extends { nullable: string } ? true
      : O extends { tag: number } ? true
        : false

type OptionalKeys<S extends StructDef> = { [K in keyof S]: S[K]['_optional'] extends true ? K : never }[keyof S]
type RequiredKeys<S extends StructDef> = Exclude<keyof S, OptionalKeys<S>>
type Simplify<T> = { [K in keyof T]: T[K] } & {}

/** The decoded form of a struct: every field present. */
export type Infer<S extends StructDef> = Simplify<{ -readonly [K in keyof S]: S[K]['_decoded'] }>

/** What the encoder accepts for a struct: optional fields may be left out. */
export type InferInput<S extends StructDef> = Simplify<
  { -readonly [K in RequiredKeys<S>]: S[K]['_input'] } &
  { -readonly [K in OptionalKeys<S>]?: S[K]['_input'] }
>

type Element = Field<unknown, unknown, boolean> | StructDef
type ElementDecoded<E> = E extends Field<infer T, unknown, boolean> ? T : E extends StructDef ? Infer<E> : never
type ElementInput<E> = E extends Field<unknown, infer I, boolean> ? I : E extends StructDef ? InferInput<E> : never

function scalar<T> (kind: ScalarKind) {
  return <const O extends FieldOptions<T | null> = Record<never, never>>(options?: O) =>
    new Field<Nullable<O, T>, Nullable<O, T>, IsOptional<O>>(kind, options ?? {})
}

/** Signed 8-bit integer. */
export const int8 = scalar<number>('int8')
/** Signed 16-bit integer. */
export const int16 = scalar<number>('int16')
/** Unsigned 16-bit integer. */
export const uint16 = scalar<number>('uint16')
/** Signed 32-bit integer. */
export const int32 = scalar<number>('int32')
/** Unsigned 32-bit integer. */
export const uint32 = scalar<number>('uint32')
/** Signed 64-bit integer, as a bigint. */
export const int64 = scalar<bigint>('int64')
/** IEEE 754 double. */
export const float64 = scalar<number>('float64')
/** Boolean (one byte). */
export const bool = scalar<boolean>('bool')
/** UTF-8 string (compact in flexible versions). */
export const string = scalar<string>('string')
/** Byte string (compact in flexible versions); decoded as a view into the frame. */
export const bytes = scalar<Buffer>('bytes')
/** Record batches, kept as raw bytes here; `records/` decodes them. */
export const records = scalar<Buffer>('records')
/** UUID in Kafka's text form (22 chars of URL-safe base64). */
export const uuid = scalar<string>('uuid')

/** An array of scalars (`array(int32())`) or of structs (`array({ ... })`). */
export function array<const E extends Element, const O extends FieldOptions<never[] | null> = Record<never, never>> (
  element: E,
  options?: O
): Field<Nullable<O, Array<ElementDecoded<E>>>, Nullable<O, Array<ElementInput<E>>>, IsOptional<O>> {
  const el = element instanceof Field ? element : new Field('struct', {}, undefined, element as StructDef)
  return new Field(
    'array',
    options ?? {},
    el as Field<unknown, unknown, boolean>
  )
}

/** A nested struct (nullable structs carry a one-byte presence marker on the wire). */
export function struct<const S extends StructDef, const O extends FieldOptions<null> = Record<never, never>> (
  fields: S,
  options?: O
): Field<Nullable<O, Infer<S>>, Nullable<O, InferInput<S>>, IsOptional<O>> {
  return new Field('struct', options ?? {}, undefined, fields)
}
