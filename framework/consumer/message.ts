import type { RecordHeader, ShareRecordLike } from '../client-ports.js'

/**
 * One record as a consumer sees it: where it came from, its deserialized payload, and how many
 * times it has been delivered. Immutable.
 */
export class Message<P = unknown> {
  /** Topic name. */
  readonly topic: string
  /** Partition. */
  readonly partition: number
  /** Offset. */
  readonly offset: bigint
  /** Record timestamp, epoch ms. */
  readonly timestamp: number
  /** Record key. */
  readonly key: Buffer | null
  /** Record headers. */
  readonly headers: readonly RecordHeader[]
  /** The value as received, before deserialization. */
  readonly rawPayload: Buffer | null
  /** The value, deserialized by the topic's deserializer. */
  readonly payload: P
  /** 1 on first delivery; the broker counts every hand-out, including ones whose lock ran out. */
  readonly deliveryAttempt: number

  /**
   * @param record the record as the share consumer handed it out
   * @param payload its deserialized value
   */
  constructor (record: ShareRecordLike, payload: P) {
    this.topic = record.topic
    this.partition = record.partition
    this.offset = record.offset
    this.timestamp = record.timestamp
    this.key = record.key
    this.headers = record.headers
    this.rawPayload = record.value
    this.payload = payload
    this.deliveryAttempt = record.deliveryCount
  }

  /** True when this record was delivered before (to us or to another consumer). */
  get redelivered (): boolean {
    return this.deliveryAttempt > 1
  }

  /** The first header with this name, or `undefined`. */
  header (name: string): Buffer | null | undefined {
    return this.headers.find((h) => h.key === name)?.value
  }
}
