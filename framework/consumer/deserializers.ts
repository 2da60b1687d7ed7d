import type { ShareRecordLike } from '../client-ports.js'

/**
 * Turns a record's value into the payload a consumer sees. May throw: the record is then
 * rejected (and dead-lettered when the topic has a DLQ), never passed to `consume`.
 */
export type Deserializer<P = unknown> = (value: Buffer | null, record: ShareRecordLike) => P

/** JSON (UTF-8); a `null` value stays `null`. The default, as in Karafka. */
export const jsonDeserializer: Deserializer = (value) => value === null ? null : JSON.parse(value.toString('utf8')) as unknown

/** UTF-8 text; a `null` value stays `null`. */
export const stringDeserializer: Deserializer<string | null> = (value) => value === null ? null : value.toString('utf8')

/** The bytes as received. */
export const rawDeserializer: Deserializer<Buffer | null> = (value) => value

/** The built-in deserializers. */
export const deserializers = { json: jsonDeserializer, string: stringDeserializer, raw: rawDeserializer } as const
