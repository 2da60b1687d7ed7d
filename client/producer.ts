import { ErrorCode } from '../protocol/error-codes.js'
import { backoffDelay } from './backoff.js'
import { Cluster } from './cluster.js'
import { ConfigurationError, KafkaError, responseError, type BrokerResponseError } from './errors.js'
import type { TopicInfo } from './metadata.js'
import { RecordAccumulator } from './producer/accumulator.js'
import { ByteBudget } from './producer/byte-budget.js'
import { ProducerClosedError, type SendResult } from './producer/errors.js'
import { addHeaderIfAbsent, highestPartition, toPendingRecord, type Message, type PendingRecord } from './producer/message.js'
import { activeTraceHeaders, loadOtel, otelSettled, TRACEPARENT_HEADER, TRACESTATE_HEADER } from './otel.js'
import { resolveProducerOptions, type ProducerOptions, type ResolvedProducerOptions } from './producer/options.js'
import { partitionForKey, StickyPartitioner } from './producer/partitioner.js'
import { Sender } from './producer/sender.js'
import { SendOperation } from './producer/send-operation.js'

/** What `Producer.send` takes: messages for one topic. */
export interface SendInput {
  /** Topic to write to. */
  topic: string
  /** Messages, written in this order per partition. */
  messages: readonly Message[]
}

/**
 * Writes records to Kafka. No connect call: the first `send()` connects. Records are
 * batched per partition (`lingerMs`, `batchSize`), compressed, and written with acks=all and
 * idempotence by default, so retries neither lose nor duplicate records nor reorder a
 * partition. Keyed records go where the Java client would put them (murmur2).
 *
 * ```ts
 * const producer = new Producer({ bootstrapServers: ['localhost:9092'] })
 * const [{ partition, baseOffset }] = await producer.send({ topic: 'jobs', messages: [{ key: 'k', value: 'v' }] })
 * await producer.close()   // flushes first
 * ```
 *
 * Memory is bounded by `maxBufferedBytes`: when the brokers do not keep up, `send()` waits
 * (up to `maxBlockMs`) instead of buffering without limit.
 */
export class Producer {
  private readonly cluster: Cluster
  private readonly options: ResolvedProducerOptions
  private readonly acc: RecordAccumulator
  private readonly budget: ByteBudget
  private readonly sender: Sender
  private readonly partitioner: StickyPartitioner
  private readonly pending = new Set<SendOperation>()
  private closing: Promise<void> | undefined

  /** Checks the options (throws `ConfigurationError`); connects lazily. */
  constructor (options: ProducerOptions) {
    this.options = resolveProducerOptions(options ?? {})
    this.cluster = new Cluster({ ...options, maxInFlightRequests: this.options.maxInFlight })
    void loadOtel()
    this.acc = new RecordAccumulator(this.options.batchSize, this.options.lingerMs, this.options.deliveryTimeoutMs, this.options.maxBatchSize)
    this.budget = new ByteBudget(this.options.maxBufferedBytes, this.options.maxBlockMs)
    this.sender = new Sender(this.cluster, this.acc, this.budget, this.options)
    this.partitioner = new StickyPartitioner(this.options.batchSize)
  }

  /** Producer id and epoch once the idempotent producer has them (-1 before, and without idempotence). */
  get producerIdAndEpoch (): { producerId: bigint, producerEpoch: number } {
    return { producerId: this.sender.identity.producerId, producerEpoch: this.sender.identity.producerEpoch }
  }

  /**
   * Queues messages for one topic and resolves once all are acknowledged, with one
   * {@link SendResult} per partition written (the offset of this send's first record there).
   * Rejects with a `SendError` listing each partition that failed (its typed error) and the
   * ones written; `ConfigurationError` for bad input; `BufferFullError` when no buffer space
   * came free within `maxBlockMs`; `ProducerClosedError` after `close()`. An unknown topic,
   * or a partition beyond the topic's known count (just added by `createPartitions`), is
   * waited for up to `maxBlockMs`, refreshing metadata (the producer does not create topics);
   * then the send rejects with a `BrokerResponseError` UNKNOWN_TOPIC_OR_PARTITION. With
   * `@opentelemetry/api` installed and a span active, each record gets the span's W3C
   * `traceparent` (and `tracestate`) header, unless it carries one already.
   */
  async send (input: SendInput): Promise<SendResult[]> {
    if (this.closing !== undefined) throw new ProducerClosedError()
    const { topic, messages } = input ?? {}
    if (typeof topic !== 'string' || topic === '') throw new ConfigurationError('send needs a topic name', 'topic')
    if (!Array.isArray(messages)) throw new ConfigurationError('send needs messages: an array of { key?, value, headers?, partition?, timestamp? }', 'messages')
    if (messages.length === 0) return []
    // Only the first sends of a process can find @opentelemetry/api still loading.
    if (!otelSettled()) await loadOtel()
    const now = Date.now()
    const records = messages.map(m => toPendingRecord(m, now))
    const trace = activeTraceHeaders()
    if (trace !== undefined) {
      for (const r of records) {
        addHeaderIfAbsent(r, TRACEPARENT_HEADER, trace.traceparent)
        if (trace.tracestate !== undefined) addHeaderIfAbsent(r, TRACESTATE_HEADER, trace.tracestate)
      }
    }
    const op = new SendOperation(records.length)
    this.pending.add(op)
    const forget = (): void => { this.pending.delete(op) }
    op.done.then(forget, forget)
    try {
      const info = await this.topicInfo(topic, highestPartition(messages))
      const partitions = this.choosePartitions(info, messages, records)
      let bytes = 0
      for (const r of records) bytes += r.size
      const reserved = this.budget.reserve(bytes)
      if (reserved !== undefined) await reserved
      for (let i = 0; i < records.length; i++) this.acc.append(topic, partitions[i]!, records[i]!, op, now)
      this.sender.wake()
    } catch (err) {
      // Nothing was queued: settle the operation so flush() does not wait for it.
      op.failed(topic, -1, err instanceof KafkaError ? err : new KafkaError(String(err), false), records.length)
      op.done.catch(() => {})
      throw err
    }
    return await op.done
  }

  /** Sends everything queued now, without waiting for `lingerMs`, and resolves when all of it is settled. */
  async flush (): Promise<void> {
    this.acc.beginFlush()
    try {
      for (;;) {
        const ops = [...this.pending]
        if (ops.length === 0) return
        this.sender.wake()
        await Promise.allSettled(ops.map(op => op.done))
        if (this.closing === undefined) return
      }
    } finally {
      this.acc.endFlush()
    }
  }

  /**
   * Flushes (nothing queued is lost: every pending `send()` settles), then closes the
   * connections. Later `send()` calls reject with `ProducerClosedError`.
   */
  close (): Promise<void> {
    this.closing ??= (async () => {
      await this.flush()
      this.sender.close()
      await this.cluster.close()
    })()
    return this.closing
  }

  /**
   * The topic's metadata, waiting up to `maxBlockMs` for a topic that does not exist yet or
   * lacks `partition`: metadata cached before a CreatePartitions does not show the new
   * partitions, and nothing else would refresh it while the old ones work (Java's producer
   * waits for the partition in the same way).
   */
  private async topicInfo (topic: string, partition: number | undefined): Promise<TopicInfo> {
    const ref = { topic }
    const known = this.cluster.metadata.topic(ref)
    if (known !== undefined && !this.cluster.metadata.needsRefresh(ref, partition)) return known
    const deadline = Date.now() + this.options.maxBlockMs
    for (let attempt = 0; ; attempt++) {
      try {
        if (this.cluster.metadata.needsRefresh(ref, partition)) this.cluster.metadata.markStale(ref)
        const info = await this.cluster.topic(ref)
        if (partition === undefined || info.partitions[partition] !== undefined) return info
        throw responseError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, {
          api: 'Metadata', what: `partition ${partition} of topic ${topic} (the topic has ${info.partitions.length}; waited up to maxBlockMs=${this.options.maxBlockMs} ms for more)`
        }) as BrokerResponseError
      } catch (err) {
        const wait = backoffDelay(attempt, { initialMs: this.options.retryBackoffMs, maxMs: this.options.retryBackoffMaxMs })
        if (!(err instanceof KafkaError) || !err.retriable || Date.now() + wait > deadline) throw err
        await new Promise(resolve => setTimeout(resolve, wait))
      }
    }
  }

  private choosePartitions (info: TopicInfo, messages: readonly Message[], records: readonly PendingRecord[]): number[] {
    const count = info.partitions.length
    let available: number[] | undefined
    return records.map((r, i) => {
      const explicit = messages[i]!.partition
      // Checked by toPendingRecord; topicInfo waited until the topic has the highest.
      if (explicit !== undefined) return explicit
      if (r.key !== null) return partitionForKey(r.key, count)
      available ??= info.partitions.filter(p => p.leaderId >= 0).map(p => p.partition)
      return this.partitioner.partition(info.name, count, available, r.size)
    })
  }
}

export type { ProducerOptions } from './producer/options.js'
export type { Message, MessageHeader } from './producer/message.js'
export { SendError, DeliveryTimeoutError, BufferFullError, ProducerClosedError, type SendResult, type SendFailure } from './producer/errors.js'
