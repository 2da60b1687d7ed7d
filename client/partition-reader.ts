import { decodeRecordBatches, Fetch, ListOffsets, type ApiDefinition, type KafkaRecord, type RequestInput, type ResponseOf } from '../protocol/index.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { Cluster, type ClusterOptions } from './cluster.js'
import { positiveInt } from './connection-options.js'
import { KafkaError, responseError } from './errors.js'

/** Options of a {@link PartitionReader}: connection options plus a time per read. */
export interface PartitionReaderOptions extends ClusterOptions {
  /** Time one read may take, leader moves included, ms. Default 30 000. */
  readTimeoutMs?: number
}

/** A partition's offsets. */
export interface PartitionOffsets {
  /** Log start offset: the oldest record still in the log. */
  start: bigint
  /** Log end offset (high watermark): the offset the next record gets. */
  end: bigint
}

/** What {@link PartitionReader.read} returns. */
export interface PartitionRead {
  /** Records at or after the offset asked for, in offset order (control records left out). */
  records: KafkaRecord[]
  /** Where the next read continues. */
  nextOffset: bigint
  /** The partition's offsets as the leader saw them in this read. */
  offsets: PartitionOffsets
}

/** What a read reads at most. */
export interface ReadLimits {
  /** Records returned at most. Default 50. */
  maxRecords?: number
  /** Bytes the broker returns at most (it may return one larger batch). Default 1 MiB. */
  maxBytes?: number
}

// ListOffsets' special timestamps.
const LATEST = -1n
const EARLIEST = -2n
const ATTEMPTS = 3
/**
 * Fetch v12: the last version that names topics (v13+ send topic ids), served by every Kafka 4
 * broker (v4–v18); no fetch sessions (a full fetch each time), as a reader of a page needs none.
 */
const FETCH_VERSION = 12

/**
 * Reads any partition from an offset or a timestamp, without a group: Fetch and ListOffsets
 * at the partition's leader. For browsing (a dead letter topic, the topic explorer), not
 * for consuming: every read is a full fetch, no session, nothing committed.
 *
 * ```ts
 * const reader = new PartitionReader({ bootstrapServers: ['localhost:9092'] })
 * const { start, end } = await reader.offsets('jobs.dlq', 0)
 * const { records } = await reader.read('jobs.dlq', 0, start, { maxRecords: 20 })
 * await reader.close()
 * ```
 */
export class PartitionReader {
  private readonly cluster: Cluster
  private readonly readTimeoutMs: number

  /** Checks the options (throws `ConfigurationError`); connects lazily. */
  constructor (options: PartitionReaderOptions) {
    this.cluster = new Cluster(options)
    this.readTimeoutMs = positiveInt(options.readTimeoutMs ?? 30_000, 'readTimeoutMs')
  }

  /** Partition count of a topic (from metadata). */
  async partitions (topic: string): Promise<number> {
    return (await this.cluster.topic({ topic })).partitions.length
  }

  /** Log start and end offsets of a partition. */
  async offsets (topic: string, partition: number): Promise<PartitionOffsets> {
    const [start, end] = await Promise.all([this.listOffset(topic, partition, EARLIEST), this.listOffset(topic, partition, LATEST)])
    return { start: start ?? 0n, end: end ?? 0n }
  }

  /** The first offset whose record has a timestamp ≥ `timestampMs`; `null` when there is none (all are older). */
  async offsetForTime (topic: string, partition: number, timestampMs: number): Promise<bigint | null> {
    return await this.listOffset(topic, partition, BigInt(timestampMs))
  }

  /** Records of a partition from `offset` on (an offset below the log start reads from the log start). */
  async read (topic: string, partition: number, offset: bigint, limits: ReadLimits = {}): Promise<PartitionRead> {
    const maxRecords = limits.maxRecords ?? 50
    const maxBytes = limits.maxBytes ?? 1024 * 1024
    const res = await this.atLeader(topic, partition, Fetch, {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes,
      topics: [{ topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: maxBytes }] }],
      forgottenTopicsData: []
    }, FETCH_VERSION, (r) => r.responses.find((t) => t.topic === topic)?.partitions.find((p) => p.partitionIndex === partition)?.errorCode ?? ErrorCode.NONE)
    const p = res.responses.find((t) => t.topic === topic)?.partitions.find((x) => x.partitionIndex === partition)
    if (p === undefined) throw responseError(ErrorCode.UNKNOWN_SERVER_ERROR, { api: 'Fetch', what: `partition ${topic}-${partition} missing from the response` })!
    if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
      const bounds = await this.offsets(topic, partition)
      if (offset < bounds.start) return await this.read(topic, partition, bounds.start, limits)
      return { records: [], nextOffset: bounds.end, offsets: bounds }
    }
    const bounds = { start: p.logStartOffset < 0n ? 0n : p.logStartOffset, end: p.highWatermark }
    const records: KafkaRecord[] = []
    let nextOffset = offset
    const { batches } = decodeRecordBatches(p.records ?? Buffer.alloc(0), {}, { topic, partition })
    for (const batch of batches) {
      if (records.length >= maxRecords) break
      if (batch.control) {
        nextOffset = batch.baseOffset + BigInt(batch.lastOffsetDelta) + 1n
        continue
      }
      for (const r of batch.records) {
        if (r.offset < offset) continue
        if (records.length >= maxRecords) break
        records.push(r)
        nextOffset = r.offset + 1n
      }
      if (records.length < maxRecords) nextOffset = batch.baseOffset + BigInt(batch.lastOffsetDelta) + 1n
    }
    return { records, nextOffset: nextOffset > offset ? nextOffset : offset, offsets: bounds }
  }

  /** Closes the connections. */
  async close (): Promise<void> {
    await this.cluster.close()
  }

  private async listOffset (topic: string, partition: number, timestamp: bigint): Promise<bigint | null> {
    const res = await this.atLeader(topic, partition, ListOffsets, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp }] }],
      timeoutMs: this.readTimeoutMs
    }, undefined, (r) => r.topics[0]?.partitions[0]?.errorCode ?? ErrorCode.NONE)
    const offset = res.topics[0]?.partitions[0]?.offset ?? -1n
    return offset < 0n ? null : offset
  }

  // Sends to the partition's leader; a moved leader (or a lost connection) is looked up again, a few times.
  private async atLeader<A extends ApiDefinition> (topic: string, partition: number, api: A, body: RequestInput<A>,
    version: number | undefined, errorCode: (res: ResponseOf<A>) => number): Promise<ResponseOf<A>> {
    const deadline = Date.now() + this.readTimeoutMs
    for (let attempt = 1; ; attempt++) {
      try {
        const conn = await this.cluster.leaderConnection({ topic }, partition)
        const res = await conn.send(api, body, { timeoutMs: Math.max(1, deadline - Date.now()), ...(version === undefined ? {} : { version }) })
        const code = errorCode(res)
        if (code === ErrorCode.NONE || code === ErrorCode.OFFSET_OUT_OF_RANGE) return res
        const error = responseError(code, { api: api.name, brokerId: conn.nodeId, what: `partition ${topic}-${partition}` })!
        this.cluster.invalidateOnError(code, { topic: { topic } })
        throw error
      } catch (err) {
        if (!(err instanceof KafkaError) || !err.retriable || attempt >= ATTEMPTS || Date.now() >= deadline) throw err
        this.cluster.invalidateOnError(err, { topic: { topic } })
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt))
      }
    }
  }
}
