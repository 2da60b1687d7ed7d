import type { KafkaError } from '../errors.js'
import type { AckSet } from './ack-outbox.js'

/** The outcome of acknowledgements for one partition, as commitSync and the commit callback report it. */
export interface AcknowledgementResult {
  /** Topic name. */
  topic: string
  /** Partition index. */
  partition: number
  /** The offsets acknowledged, ascending. */
  offsets: bigint[]
  /** `null` when the broker applied them; otherwise why not (e.g. INVALID_RECORD_STATE once the lock ran out). */
  error: KafkaError | null
}

function ascending (a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** One result per partition of `set`; `errorOf(key)` gives each partition's error (null for success). */
export function resultsFor (set: AckSet, errorOf: (key: string) => KafkaError | null): AcknowledgementResult[] {
  const out: AcknowledgementResult[] = []
  for (const [key, { target, acks }] of set) {
    out.push({ topic: target.topic, partition: target.partition, offsets: [...acks.offsets()].sort(ascending), error: errorOf(key) })
  }
  return out
}

/**
 * Merges results into one per partition: offsets joined, and the first error kept (a
 * partition reports success only when every acknowledgement of it succeeded).
 */
export function mergeResults (results: Iterable<AcknowledgementResult>): AcknowledgementResult[] {
  const byPartition = new Map<string, AcknowledgementResult>()
  for (const r of results) {
    const key = `${r.topic}:${r.partition}`
    const seen = byPartition.get(key)
    if (seen === undefined) {
      byPartition.set(key, { ...r, offsets: [...r.offsets] })
    } else {
      for (const o of r.offsets) seen.offsets.push(o)
      seen.error ??= r.error
    }
  }
  const merged = [...byPartition.values()]
  for (const r of merged) r.offsets.sort(ascending)
  return merged
}
