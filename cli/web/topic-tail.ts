import type { PartitionReader } from '../../client/partition-reader.js'
import { BrokerResponseError } from '../../client/errors.js'

/** The latest value of one key of a compacted topic. */
export interface TailEntry {
  value: Buffer | null
  partition: number
  offset: bigint
}

/** Keys kept at most: a topic with more keys is not what the dashboard reads. */
const MAX_KEYS = 100_000

/**
 * The latest value per key of a compacted topic (the reports, the dismissal marks), caught up
 * on every `poll()`: reads each partition from where the last poll stopped to its end.
 * A missing topic is empty (`missing` says so), not an error.
 */
export class TopicTail {
  /** Latest value per key (tombstones remove the key). */
  readonly entries = new Map<string, TailEntry>()
  /** True when the last poll found no such topic. */
  missing = false
  readonly #next = new Map<number, bigint>()
  #polling: Promise<void> | undefined

  /**
   * @param reader reads the partitions
   * @param topic the compacted topic
   */
  constructor (private readonly reader: PartitionReader, readonly topic: string) {}

  /** Reads what was written since the last poll (concurrent calls share one read). */
  poll (): Promise<void> {
    this.#polling ??= this.#poll().finally(() => { this.#polling = undefined })
    return this.#polling
  }

  async #poll (): Promise<void> {
    let partitions: number
    try {
      partitions = await this.reader.partitions(this.topic)
      this.missing = false
    } catch (err) {
      if (err instanceof BrokerResponseError && err.errorName === 'UNKNOWN_TOPIC_OR_PARTITION') {
        this.missing = true
        return
      }
      throw err
    }
    await Promise.all(Array.from({ length: partitions }, async (_, partition) => {
      let offset = this.#next.get(partition) ?? 0n
      for (;;) {
        const read = await this.reader.read(this.topic, partition, offset, { maxRecords: 500 })
        for (const r of read.records) {
          const key = r.key === null ? '' : r.key.toString('utf8')
          if (r.value === null) this.entries.delete(key)
          else if (this.entries.size < MAX_KEYS || this.entries.has(key)) this.entries.set(key, { value: Buffer.from(r.value), partition, offset: r.offset })
        }
        offset = read.nextOffset
        if (read.records.length === 0 || offset >= read.offsets.end) break
      }
      this.#next.set(partition, offset)
    }))
  }
}
