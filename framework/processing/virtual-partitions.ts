import type { Message } from '../consumer/message.js'

/** Maps a message to a virtual partition key; messages with equal keys go to the same job. */
export type VirtualPartitioner = (message: Message) => string | number

/** `t.virtualPartitions({...})`: split each polled batch across parallel jobs. */
export interface VirtualPartitionsOptions {
  /** `round_robin` (even spread), `key` (by record key; records without one spread evenly), or a function. */
  partitioner: 'round_robin' | 'key' | VirtualPartitioner
  /** Most jobs one batch is split into (fewer when fewer workers are free). */
  maxPartitions: number
}

/**
 * Splits `messages` into at most `count` groups by the partitioner; empty groups are dropped
 * and each group keeps the batch's order.
 */
export function splitVirtualPartitions<M extends Message> (messages: readonly M[], options: VirtualPartitionsOptions, count: number): M[][] {
  const groups: M[][] = Array.from({ length: Math.max(1, count) }, () => [])
  let next = 0
  for (const message of messages) {
    const spread = (): number => next++ % groups.length
    let index: number
    if (options.partitioner === 'round_robin') index = spread()
    else if (options.partitioner === 'key') index = message.key === null ? spread() : hash(message.key) % groups.length
    else index = slot(options.partitioner(message), groups.length)
    groups[index]?.push(message)
  }
  return groups.filter((g) => g.length > 0)
}

function slot (key: string | number, count: number): number {
  return Number.isSafeInteger(key) ? Math.abs(key as number) % count : hash(Buffer.from(String(key))) % count
}

// FNV-1a (32 bit): stable across processes, cheap, spreads short keys well.
function hash (bytes: Buffer): number {
  let h = 0x811c9dc5
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193)
  return h >>> 0
}
