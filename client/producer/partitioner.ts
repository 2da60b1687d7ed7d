/**
 * Partition choice, compatible with the Java client's built-in partitioner: a keyed record
 * goes to `toPositive(murmur2(key)) % numPartitions` (so kshare and Java producers agree on
 * where a key lives), a keyless record sticks to one partition until about a batch worth of
 * bytes went there (KIP-794), which fills batches instead of spreading tiny ones.
 */

const SEED = 0x9747b28c
const M = 0x5bd1e995

/** Java's `Utils.murmur2`: 32-bit MurmurHash2 with Kafka's seed, as a signed int. */
export function murmur2 (data: Uint8Array): number {
  const length = data.length
  let h = SEED ^ length
  const end = length & ~3
  for (let i = 0; i < end; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)
    k = Math.imul(k, M)
    k ^= k >>> 24
    k = Math.imul(k, M)
    h = Math.imul(h, M) ^ k
  }
  // Java's switch falls through from 3 to 1: mix the 1 to 3 trailing bytes, then multiply.
  const tail = length & 3
  if (tail > 0) {
    if (tail === 3) h ^= data[end + 2]! << 16
    if (tail >= 2) h ^= data[end + 1]! << 8
    h ^= data[end]!
    h = Math.imul(h, M)
  }
  h ^= h >>> 13
  h = Math.imul(h, M)
  h ^= h >>> 15
  return h | 0
}

/** Java's `Utils.toPositive`: clears the sign bit (not `Math.abs`, which fails for MIN_VALUE). */
export function toPositive (n: number): number {
  return n & 0x7fffffff
}

/** The partition Java's producer picks for a serialized key. */
export function partitionForKey (key: Uint8Array, numPartitions: number): number {
  return toPositive(murmur2(key)) % numPartitions
}

interface StickyState {
  partition: number
  bytes: number
}

/**
 * Chooses partitions for keyless records: stays on one partition until `batchSize` bytes were
 * assigned to it, then moves to another one at random (among partitions with a leader when
 * some have one), as Java's `BuiltInPartitioner` does without adaptive load statistics.
 */
export class StickyPartitioner {
  private readonly sticky = new Map<string, StickyState>()

  /**
   * @param batchSize bytes after which a topic's sticky partition changes
   * @param random source of randomness in [0, 1) (tests pass a fixed one)
   */
  constructor (private readonly batchSize: number, private readonly random: () => number = Math.random) {}

  /**
   * The partition for the next keyless record of `topic`.
   * @param numPartitions partitions of the topic
   * @param available partitions that currently have a leader (may be empty: then any)
   * @param sizeInBytes the record's approximate size, counted toward the switch
   */
  partition (topic: string, numPartitions: number, available: readonly number[], sizeInBytes: number): number {
    let state = this.sticky.get(topic)
    if (state === undefined || state.partition >= numPartitions || state.bytes >= this.batchSize) {
      state = { partition: this.next(numPartitions, available, state?.partition), bytes: 0 }
      this.sticky.set(topic, state)
    }
    state.bytes += sizeInBytes
    return state.partition
  }

  private next (numPartitions: number, available: readonly number[], previous: number | undefined): number {
    const pool = available.length > 0 ? available : Array.from({ length: numPartitions }, (_, i) => i)
    if (pool.length === 1) return pool[0]!
    // Pick among the others so that a switch really moves to a new partition.
    const others = previous === undefined ? pool : pool.filter((p) => p !== previous)
    return others[Math.floor(this.random() * others.length)]!
  }
}
