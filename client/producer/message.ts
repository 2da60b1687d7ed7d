import { ConfigurationError } from '../errors.js'

/** A header of a message to produce; a string value is written as UTF-8. */
export interface MessageHeader {
  /** Header name. */
  key: string
  /** Header value; `null` is a header without a value. */
  value: Buffer | string | null
}

/** One message given to `Producer.send`. */
export interface Message {
  /** Key; strings are UTF-8. Keyed messages go to `murmur2(key) % partitions`, as the Java client does. */
  key?: Buffer | string | null
  /** Value; strings are UTF-8; `null` is a tombstone. */
  value: Buffer | string | null
  /** Headers, as a list (repeated names allowed) or an object. */
  headers?: readonly MessageHeader[] | Readonly<Record<string, Buffer | string | null>>
  /** Partition to write to; overrides the key's partition. */
  partition?: number
  /** Create time, epoch ms (default: now). */
  timestamp?: number | bigint | Date
}

/** A header as it is encoded. */
export interface EncodedHeader {
  key: string
  value: Buffer | null
}

/** A message converted to bytes, with its approximate size in a batch. */
export interface PendingRecord {
  key: Buffer | null
  value: Buffer | null
  headers: EncodedHeader[]
  /** Create time, epoch ms. */
  timestamp: number
  /** Approximate bytes in an uncompressed v2 batch (counted against buffer and batch limits). */
  size: number
}

// Per-record overhead in a v2 batch: length, attributes, deltas and the length varints (≤ 5 each).
const RECORD_OVERHEAD = 21
const HEADER_OVERHEAD = 10

function toBytes (v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v
}

function toTimestamp (t: Message['timestamp'], now: number): number {
  if (t === undefined) return now
  const ms = t instanceof Date ? t.getTime() : Number(t)
  if (!Number.isSafeInteger(ms)) throw new ConfigurationError(`timestamp ${String(t)} is not an epoch time in ms`, 'timestamp')
  return ms
}

/** Converts a message to bytes and measures it; throws {@link ConfigurationError} on bad input. */
export function toPendingRecord (m: Message, now: number): PendingRecord {
  if (m === null || typeof m !== 'object') throw new ConfigurationError('a message must be an object { key?, value, headers?, partition?, timestamp? }', 'messages')
  if (m.partition !== undefined && (!Number.isSafeInteger(m.partition) || m.partition < 0)) {
    throw new ConfigurationError(`partition must be an integer >= 0, got ${String(m.partition)}`, 'partition')
  }
  const key = toBytes(m.key)
  const value = toBytes(m.value)
  const headers: EncodedHeader[] = []
  let size = RECORD_OVERHEAD + (key?.length ?? 0) + (value?.length ?? 0)
  if (m.headers !== undefined) {
    const list = Array.isArray(m.headers)
      ? m.headers as readonly MessageHeader[]
      : Object.entries(m.headers).map(([k, v]) => ({ key: k, value: v }))
    for (const h of list) {
      const hv = toBytes(h.value)
      headers.push({ key: h.key, value: hv })
      size += HEADER_OVERHEAD + Buffer.byteLength(h.key) + (hv?.length ?? 0)
    }
  }
  return { key, value, headers, timestamp: toTimestamp(m.timestamp, now), size }
}

/** Adds `key: value` to the record's headers unless it already has a header of that name (the caller's wins). */
export function addHeaderIfAbsent (record: PendingRecord, key: string, value: string): void {
  if (record.headers.some((h) => h.key === key)) return
  const bytes = Buffer.from(value, 'utf8')
  record.headers.push({ key, value: bytes })
  record.size += HEADER_OVERHEAD + Buffer.byteLength(key) + bytes.length
}

/**
 * The highest partition the messages name, if any (checked by {@link toPendingRecord}):
 * `send` waits until the topic's metadata has it.
 */
export function highestPartition (messages: readonly Message[]): number | undefined {
  let highest: number | undefined
  for (const m of messages) if (m.partition !== undefined && (highest === undefined || m.partition > highest)) highest = m.partition
  return highest
}
