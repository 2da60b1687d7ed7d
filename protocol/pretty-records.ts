import { crc32c } from './records/crc32c.js'
import { decodeRecordBatches } from './records/decode-batches.js'
import { RecordBatchError } from './records/errors.js'
import { BATCH, batchEnd, ControlRecordType, readBatchHeader, type RecordBatchHeader } from './records/record-batch.js'
import { assembleShareRecords, type AcquiredRange, type OffsetRange } from './records/share-records.js'

/**
 * Record batches as a person reads them, for `kshare decode` and `kshare proxy`: every batch
 * header with its attribute bits spelled out and its CRC checked, every record with its key,
 * value and headers as text when they are printable. In a ShareFetch response each record
 * carries the delivery count of the acquired range covering it, and acquired offsets without a
 * record are listed as gaps (the same assembly the share consumer uses).
 *
 * Nothing here throws on bad bytes: a debugger must show a corrupt batch, not die on it.
 * What is wrong is listed in `problems`, and a CRC mismatch is flagged on its batch.
 */

/** How record contents are rendered. */
export interface RecordViewOptions {
  /** Show at most this many bytes of each key, value and header value (0: no limit; default 0). */
  maxBytes?: number
}

/** A key, value or header value rendered for reading. */
export interface BytesView {
  /** `utf8` when the bytes are printable UTF-8, `json` when that text is a JSON object or array, else `hex`. */
  encoding: 'utf8' | 'json' | 'hex'
  /** The text (pretty-printed for `json`), or lower-case hex; cut to `maxBytes` bytes. */
  text: string
  /** Size of the bytes on the wire. */
  size: number
  /** True when `text` shows only the first `maxBytes` bytes. */
  truncated: boolean
}

/** A record header, rendered. */
export interface HeaderView {
  /** Header key. */
  key: string
  /** Header value, or null. */
  value: BytesView | null
}

/** A record, rendered. */
export interface RecordView {
  /** Absolute offset. */
  offset: bigint
  /** Timestamp, milliseconds since the epoch. */
  timestamp: number
  /** Key, or null. */
  key: BytesView | null
  /** Value, or null (a tombstone). */
  value: BytesView | null
  /** Headers in wire order. */
  headers: HeaderView[]
  /** For a control record: `commit`, `abort`, or `type<n>`. */
  control?: string
  /**
   * ShareFetch only: the delivery count of the acquired range covering the record, or null
   * when the record was sent (batches travel whole) but not acquired by this member.
   */
  deliveryCount?: number | null
}

/** A record batch, rendered. */
export interface BatchView {
  /** Offset of the first record. */
  baseOffset: bigint
  /** Offset of the last record (base offset + last offset delta). */
  lastOffset: bigint
  /** Records in the batch, as the header says. */
  recordCount: number
  /** Bytes of the batch, including offset and length. */
  size: number
  /** Leader epoch at append, or -1. */
  partitionLeaderEpoch: number
  /** Compression codec. */
  codec: RecordBatchHeader['compression']
  /** CreateTime or LogAppendTime. */
  timestampType: RecordBatchHeader['timestampType']
  /** Part of a transaction. */
  transactional: boolean
  /** Holds a transaction marker. */
  control: boolean
  /** Producer id, or -1 for a non-idempotent producer. */
  producerId: bigint
  /** Producer epoch, or -1. */
  producerEpoch: number
  /** Sequence of the first record, or -1. */
  baseSequence: number
  /** Smallest record timestamp base (ms). */
  baseTimestamp: number
  /** Largest record timestamp (ms). */
  maxTimestamp: number
  /** CRC32C stored in the batch, the one computed over its bytes, and whether they agree. */
  crc: { stored: number, computed: number, ok: boolean }
  /** The records, when they could be decoded. */
  records: RecordView[]
  /** Why the records could not be decoded (bad compression, malformed record). */
  error?: string
}

/** A `records` field, rendered. */
export interface RecordsView {
  /** Bytes of the field. */
  size: number
  /** The complete batches, in order. */
  batches: BatchView[]
  /** Bytes at the end holding part of a batch (brokers cut fetches at their byte limit). */
  partialBytes: number
  /** ShareFetch only: acquired offsets without a record, which the member acknowledges as gaps. */
  gaps?: OffsetRange[]
  /** Why decoding stopped before the end (a batch header that cannot be read). */
  error?: string
  /** What is wrong, one sentence each: CRC mismatches, undecodable batches. Empty when all is well. */
  problems: string[]
}

const hex8 = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`

/** True for text a terminal shows as is: no control characters but tab and line breaks. */
function isPrintable (text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/.test(text)
}

/** Renders bytes as UTF-8 when printable (pretty-printing JSON objects and arrays), else as hex. */
export function viewBytes (bytes: Buffer, options: RecordViewOptions = {}): BytesView {
  const max = options.maxBytes ?? 0
  const truncated = max > 0 && bytes.length > max
  const shown = truncated ? bytes.subarray(0, max) : bytes
  const text = new TextDecoder('utf-8', { fatal: false }).decode(shown)
  // A cut through a multi-byte character leaves U+FFFD at the end: not a reason for hex.
  const checked = truncated ? text.replace(/\ufffd+$/, '') : text
  if (!isPrintable(checked)) return { encoding: 'hex', text: shown.toString('hex'), size: bytes.length, truncated }
  if (!truncated && /^\s*[[{]/.test(checked)) {
    try {
      return { encoding: 'json', text: JSON.stringify(JSON.parse(checked), null, 2), size: bytes.length, truncated }
    } catch {
      // Not JSON after all: shown as text.
    }
  }
  return { encoding: 'utf8', text: checked, size: bytes.length, truncated }
}

function controlName (key: Buffer | null): string {
  const type = key !== null && key.length >= 4 ? key.readInt16BE(2) : -1
  return type === ControlRecordType.COMMIT ? 'commit' : type === ControlRecordType.ABORT ? 'abort' : `type${type}`
}

function message (e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/**
 * Decodes and renders a `records` field. With `acquired` (a ShareFetch partition's
 * `acquiredRecords`) each record carries its delivery count and `gaps` lists the acquired
 * offsets without a record.
 */
export function viewRecords (bytes: Buffer, options: RecordViewOptions = {}, acquired?: readonly AcquiredRange[]): RecordsView {
  const view: RecordsView = { size: bytes.length, batches: [], partialBytes: 0, problems: [] }
  let deliveries: Map<bigint, number> | undefined
  if (acquired !== undefined) {
    const assembled = assembleShareRecords('', 0, bytes, acquired, { verifyCrc: false })
    deliveries = new Map(assembled.records.map(r => [r.offset, r.deliveryCount]))
    view.gaps = assembled.gaps
  }
  let pos = 0
  while (pos < bytes.length) {
    let last: number
    let header: RecordBatchHeader
    try {
      last = batchEnd(bytes, pos, bytes.length)
      if (last < 0) {
        view.partialBytes = bytes.length - pos
        break
      }
      header = readBatchHeader(bytes, pos, last, false)
    } catch (e) {
      view.error = `cannot read the batch at byte ${pos}: ${message(e)}`
      view.problems.push(view.error)
      break
    }
    view.batches.push(viewBatch(bytes.subarray(pos, last), header, options, deliveries, view.problems))
    pos = last
  }
  return view
}

function viewBatch (batch: Buffer, header: RecordBatchHeader, options: RecordViewOptions,
  deliveries: Map<bigint, number> | undefined, problems: string[]): BatchView {
  const computed = crc32c(batch, BATCH.ATTRIBUTES, batch.length)
  const view: BatchView = {
    baseOffset: header.baseOffset,
    lastOffset: header.baseOffset + BigInt(header.lastOffsetDelta),
    recordCount: header.recordCount,
    size: batch.length,
    partitionLeaderEpoch: header.partitionLeaderEpoch,
    codec: header.compression,
    timestampType: header.timestampType,
    transactional: header.transactional,
    control: header.control,
    producerId: header.producerId,
    producerEpoch: header.producerEpoch,
    baseSequence: header.baseSequence,
    baseTimestamp: header.baseTimestamp,
    maxTimestamp: header.maxTimestamp,
    crc: { stored: header.crc, computed, ok: computed === header.crc },
    records: []
  }
  if (!view.crc.ok) {
    problems.push(`CRC mismatch in the batch at offset ${header.baseOffset}: stored ${hex8(header.crc)}, computed ${hex8(computed)}`)
  }
  try {
    const [decoded] = decodeRecordBatches(batch, { verifyCrc: false }).batches
    for (const r of decoded?.records ?? []) {
      const record: RecordView = {
        offset: r.offset,
        timestamp: r.timestamp,
        key: r.key === null ? null : viewBytes(r.key, options),
        value: r.value === null ? null : viewBytes(r.value, options),
        headers: r.headers.map(h => ({ key: h.key, value: h.value === null ? null : viewBytes(h.value, options) }))
      }
      if (header.control) record.control = controlName(r.key)
      if (deliveries !== undefined) record.deliveryCount = deliveries.get(r.offset) ?? null
      view.records.push(record)
    }
  } catch (e) {
    if (!(e instanceof RecordBatchError)) throw e
    view.error = message(e)
    problems.push(`batch at offset ${header.baseOffset}: ${view.error}`)
  }
  return view
}

const range = (r: OffsetRange): string => r.firstOffset === r.lastOffset ? `${r.firstOffset}` : `${r.firstOffset}-${r.lastOffset}`

function bytesText (label: string, b: BytesView | null, indent: string): string {
  if (b === null) return `${label}=null`
  const cut = b.truncated ? `…(${b.size} bytes)` : ''
  if (b.encoding === 'hex') return `${label}=0x${b.text}${cut}`
  if (b.encoding === 'json') return `${label}=${b.text.replace(/\n/g, `\n${indent}`)}`
  return `${label}=${JSON.stringify(b.text)}${cut}`
}

function batchLine (b: BatchView): string {
  const parts = [
    `batch ${b.baseOffset === b.lastOffset ? `offset ${b.baseOffset}` : `offsets ${b.baseOffset}-${b.lastOffset}`}`,
    `(${b.recordCount} record${b.recordCount === 1 ? '' : 's'}, ${b.size} bytes)`,
    `codec=${b.codec}`,
    b.timestampType
  ]
  if (b.transactional) parts.push('transactional')
  if (b.control) parts.push('control')
  if (b.producerId >= 0n) parts.push(`producer=${b.producerId} epoch=${b.producerEpoch} sequence=${b.baseSequence}`)
  parts.push(`leaderEpoch=${b.partitionLeaderEpoch}`)
  parts.push(b.crc.ok ? `crc=${hex8(b.crc.stored)} ok` : `!! CRC MISMATCH: stored ${hex8(b.crc.stored)}, computed ${hex8(b.crc.computed)}`)
  return parts.join(' ')
}

function recordLine (r: RecordView, indent: string): string {
  const parts = [`${r.offset}`, new Date(r.timestamp).toISOString()]
  if (r.deliveryCount !== undefined) parts.push(r.deliveryCount === null ? 'not-acquired' : `delivery=${r.deliveryCount}`)
  if (r.control !== undefined) {
    parts.push(`control=${r.control}`)
    return parts.join(' ')
  }
  parts.push(bytesText('key', r.key, indent), bytesText('value', r.value, indent))
  if (r.headers.length > 0) parts.push(`headers[${r.headers.map(h => bytesText(JSON.stringify(h.key), h.value, indent)).join(', ')}]`)
  return parts.join(' ')
}

/** Renders a `RecordsView` as indented text lines (each ending in a newline). */
export function renderRecordsText (view: RecordsView, indent = ''): string {
  let out = ''
  for (const b of view.batches) {
    out += `${indent}${batchLine(b)}\n`
    for (const r of b.records) out += `${indent}  ${recordLine(r, `${indent}    `)}\n`
    if (b.error !== undefined) out += `${indent}  !! records not decoded: ${b.error}\n`
  }
  if (view.gaps !== undefined && view.gaps.length > 0) out += `${indent}gaps (acquired, no record): ${view.gaps.map(range).join(',')}\n`
  if (view.partialBytes > 0) out += `${indent}partial batch: ${view.partialBytes} bytes (cut at the fetch size limit)\n`
  if (view.error !== undefined) out += `${indent}!! ${view.error}\n`
  return out
}

function bytesJson (b: BytesView | null): unknown {
  if (b === null) return null
  const out: Record<string, unknown> = { [b.encoding === 'hex' ? 'hex' : 'text']: b.encoding === 'json' ? JSON.parse(b.text) as unknown : b.text, size: b.size }
  if (b.truncated) out.truncated = true
  return out
}

/** A `RecordsView` as plain JSON (offsets and producer ids as strings, timestamps as ISO text too). */
export function recordsToJson (view: RecordsView): Record<string, unknown> {
  return {
    size: view.size,
    batches: view.batches.map(b => ({
      baseOffset: `${b.baseOffset}`,
      lastOffset: `${b.lastOffset}`,
      recordCount: b.recordCount,
      size: b.size,
      partitionLeaderEpoch: b.partitionLeaderEpoch,
      codec: b.codec,
      timestampType: b.timestampType,
      transactional: b.transactional,
      control: b.control,
      producerId: `${b.producerId}`,
      producerEpoch: b.producerEpoch,
      baseSequence: b.baseSequence,
      baseTimestamp: b.baseTimestamp,
      maxTimestamp: b.maxTimestamp,
      crc: { stored: hex8(b.crc.stored), computed: hex8(b.crc.computed), ok: b.crc.ok },
      records: b.records.map(r => ({
        offset: `${r.offset}`,
        timestamp: r.timestamp,
        time: new Date(r.timestamp).toISOString(),
        ...(r.deliveryCount !== undefined ? { deliveryCount: r.deliveryCount } : {}),
        ...(r.control !== undefined ? { control: r.control } : {}),
        key: bytesJson(r.key),
        value: bytesJson(r.value),
        headers: r.headers.map(h => ({ key: h.key, value: bytesJson(h.value) }))
      })),
      ...(b.error !== undefined ? { error: b.error } : {})
    })),
    partialBytes: view.partialBytes,
    ...(view.gaps !== undefined ? { gaps: view.gaps.map(range) } : {}),
    ...(view.error !== undefined ? { error: view.error } : {}),
    problems: view.problems
  }
}
