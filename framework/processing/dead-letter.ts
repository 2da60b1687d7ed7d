import type { ProducerMessage, ShareRecordLike } from '../client-ports.js'

/** Headers the framework adds to a dead letter record (existing headers of these names are replaced). */
export const DLQ_HEADERS = {
  topic: 'kshare.original.topic',
  partition: 'kshare.original.partition',
  offset: 'kshare.original.offset',
  deliveryAttempt: 'kshare.delivery.attempt',
  errorClass: 'kshare.error.class',
  errorMessage: 'kshare.error.message'
} as const

const OWN = new Set<string>(Object.values(DLQ_HEADERS))

/**
 * The record written to the dead letter topic: the original key, value and headers, plus
 * where it came from, its delivery attempt and the error. Partitioned by key, like the original.
 */
export function deadLetterMessage (record: ShareRecordLike, error: Error): ProducerMessage {
  const text = (s: string): Buffer => Buffer.from(s, 'utf8')
  return {
    key: record.key,
    value: record.value,
    headers: [
      ...record.headers.filter((h) => !OWN.has(h.key)),
      { key: DLQ_HEADERS.topic, value: text(record.topic) },
      { key: DLQ_HEADERS.partition, value: text(String(record.partition)) },
      { key: DLQ_HEADERS.offset, value: text(record.offset.toString()) },
      { key: DLQ_HEADERS.deliveryAttempt, value: text(String(record.deliveryCount)) },
      { key: DLQ_HEADERS.errorClass, value: text(error.name) },
      { key: DLQ_HEADERS.errorMessage, value: text(error.message) }
    ]
  }
}
