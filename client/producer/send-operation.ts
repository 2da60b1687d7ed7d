import type { KafkaError } from '../errors.js'
import { SendError, type SendFailure, type SendResult } from './errors.js'

/**
 * One `send()` call: its records may spread over several batches and partitions. It settles
 * once every record's batch has settled — with one result per partition, or a
 * {@link SendError} that names every failed partition and every written one.
 */
export class SendOperation {
  private remaining: number
  private readonly results = new Map<string, SendResult>()
  private failures: SendFailure[] | undefined
  private settle: ((results: SendResult[]) => void) | undefined
  private fail: ((err: SendError) => void) | undefined
  /** Settles with the outcome of every record. */
  readonly done: Promise<SendResult[]>

  /** @param records number of records in the send */
  constructor (records: number) {
    this.remaining = records
    this.done = new Promise((resolve, reject) => { this.settle = resolve; this.fail = reject })
  }

  /** `count` records were written to `topic`/`partition`, the first at `firstOffset` (`-1n` unknown). */
  written (topic: string, partition: number, firstOffset: bigint, count: number): void {
    const key = `${partition}:${topic}`
    const prev = this.results.get(key)
    const lastOffset = firstOffset < 0n ? -1n : firstOffset + BigInt(count - 1)
    if (prev === undefined) {
      this.results.set(key, { topic, partition, baseOffset: firstOffset, lastOffset, records: count })
    } else {
      prev.records += count
      if (firstOffset >= 0n && (prev.baseOffset < 0n || firstOffset < prev.baseOffset)) prev.baseOffset = firstOffset
      if (lastOffset > prev.lastOffset) prev.lastOffset = lastOffset
    }
    this.countDown(count)
  }

  /** `count` records for `topic`/`partition` could not be written. */
  failed (topic: string, partition: number, error: KafkaError, count: number): void {
    this.failures ??= []
    if (!this.failures.some(f => f.topic === topic && f.partition === partition)) this.failures.push({ topic, partition, error })
    this.countDown(count)
  }

  private countDown (count: number): void {
    this.remaining -= count
    if (this.remaining > 0) return
    const written = [...this.results.values()]
    if (this.failures === undefined) {
      this.settle!(written)
    } else {
      const failed = this.failures
      this.fail!(new SendError(failed, written.filter(r => !failed.some(f => f.topic === r.topic && f.partition === r.partition))))
    }
  }
}
