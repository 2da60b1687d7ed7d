import { ErrorCode } from '../../protocol/error-codes.js'
import { BrokerResponseError, type KafkaError } from '../errors.js'
import type { AckSet } from './ack-outbox.js'
import { LockExpiredError } from './share-errors.js'

/** The outcome of acknowledgements for one partition, as commitSync and the commit callback report it. */
export interface AcknowledgementResult {
  /** Topic name. */
  topic: string
  /** Partition index. */
  partition: number
  /** The offsets acknowledged, ascending. */
  offsets: bigint[]
  /**
   * `null` when the broker applied them; otherwise why not. Acknowledgements made after the
   * record's lock ran out report a {@link LockExpiredError} even when the broker answered
   * success (Kafka 4.4 does once the records are archived): another member may have had them.
   */
  error: KafkaError | null
}

function ascending (a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * One result per partition of `set`, answered at `now`; `errorOf(key)` gives each partition's
 * error (null for success). Offsets whose lock may have run out before the answer came get a
 * result of their own with a {@link LockExpiredError} ('late'), also when the broker answered
 * success (Kafka 4.4 does for records another member has since settled), unless the
 * acknowledgement failed for another reason. A partition the broker answered
 * INVALID_RECORD_STATE once a lock among its acknowledgements had run out is reported late as a
 * whole: the broker refuses the partition's acknowledgements together.
 */
export function resultsFor (set: AckSet, errorOf: (key: string) => KafkaError | null, now = -Infinity): AcknowledgementResult[] {
  const out: AcknowledgementResult[] = []
  for (const [key, { target, acks }] of set) {
    const offsets = [...acks.offsets()].sort(ascending)
    const error = errorOf(key)
    const refused = error instanceof BrokerResponseError && error.code === ErrorCode.INVALID_RECORD_STATE
    if (refused && !(error instanceof LockExpiredError) && acks.earliestDeadline <= now) {
      out.push({ topic: target.topic, partition: target.partition, offsets, error: new LockExpiredError(target.topic, target.partition, offsets, 'late', error) })
      continue
    }
    const expired = error === null || refused ? new Set(acks.expiredBy(now)) : undefined
    if (expired === undefined || expired.size === 0) {
      out.push({ topic: target.topic, partition: target.partition, offsets, error })
      continue
    }
    const onTime = offsets.filter(o => !expired.has(o))
    const late = offsets.filter(o => expired.has(o))
    if (onTime.length > 0) out.push({ topic: target.topic, partition: target.partition, offsets: onTime, error })
    out.push({ topic: target.topic, partition: target.partition, offsets: late, error: new LockExpiredError(target.topic, target.partition, late, 'late', error) })
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
