import { Produce } from '../../protocol/index.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { backoffDelay, type BackoffOptions } from '../backoff.js'
import type { Cluster } from '../cluster.js'
import { KafkaError, responseError } from '../errors.js'
import type { PartitionQueue, RecordAccumulator } from './accumulator.js'
import type { ProducerBatch } from './batch.js'
import { channels, type ProducerBatchTrace } from '../tracing.js'
import type { ByteBudget } from './byte-budget.js'
import { DeliveryTimeoutError } from './errors.js'
import { ProducerIdentity } from './idempotence.js'
import type { ResolvedProducerOptions } from './options.js'
import { batchOutcomes, produceBody, type BatchOutcome, type OutgoingBatch } from './produce-request.js'

interface InFlightBatch extends OutgoingBatch {
  q: PartitionQueue
}

// Size of a Produce request around its record batches (header, topic and partition entries).
const REQUEST_OVERHEAD = 128
const BATCH_OVERHEAD = 64

/**
 * Moves ready batches from the accumulator to partition leaders: one Produce request per
 * broker per round (one batch per partition in it), at most `maxInFlight` requests per broker,
 * retries with backoff within `deliveryTimeoutMs`, metadata refresh on leader errors, and the
 * idempotence rules (sequence numbers; retried batches go one at a time, in order; an epoch
 * bump when a sequence hole appears).
 */
export class Sender {
  /** Producer id and sequences (idempotent producers). */
  readonly identity = new ProducerIdentity()
  private readonly nodeInFlight = new Map<number, number>()
  private inFlightTotal = 0
  /** Per node: settles once the latest request was handed to the connection. */
  private readonly sendOrder = new Map<number, Promise<void>>()
  private scheduled = false
  private timer: NodeJS.Timeout | undefined
  private timerAt = Infinity
  private initializing = false
  private refreshing = false
  private closed = false
  private readonly backoff: BackoffOptions

  /**
   * @param cluster connections and metadata
   * @param acc where records wait
   * @param budget the buffer bound; completed batches give their bytes back
   * @param options producer options
   */
  constructor (private readonly cluster: Cluster, private readonly acc: RecordAccumulator,
    private readonly budget: ByteBudget, private readonly options: ResolvedProducerOptions) {
    this.backoff = { initialMs: options.retryBackoffMs, maxMs: options.retryBackoffMaxMs }
  }

  /** Looks for work soon (coalesced: many wakes, one round). */
  wake (): void {
    if (this.scheduled || this.closed) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      this.run()
    })
  }

  /** Stops timers; batches still queued stay for the caller to fail. */
  close (): void {
    this.closed = true
    clearTimeout(this.timer)
    this.timer = undefined
  }

  private run (): void {
    if (this.closed) return
    // Without a usable producer id nothing is sent, but batches still expire on time.
    const canSend = !this.options.idempotent || this.prepareIdentity()
    const now = Date.now()
    for (;;) {
      const { ready, expired, nextCheckMs } = this.acc.check(now)
      for (const [, batch] of expired) this.expire(batch)
      const perNode = canSend && !this.identity.bumpPending ? this.collect(ready) : new Map<number, InFlightBatch[][]>()
      for (const [nodeId, requests] of perNode) for (const items of requests) this.produce(nodeId, items)
      if (perNode.size === 0) {
        this.schedule(nextCheckMs)
        // A bump requested during this round (an expired batch) is done on the next one.
        if (this.identity.bumpPending && this.inFlightTotal === 0) this.wake()
        return
      }
    }
  }

  /** Picks at most one batch per ready partition, grouped into requests per leader. */
  private collect (ready: readonly PartitionQueue[]): Map<number, InFlightBatch[][]> {
    const perNode = new Map<number, InFlightBatch[][]>()
    const sizes = new Map<InFlightBatch[], number>()
    const stale: string[] = []
    for (const q of ready) {
      const ref = { topic: q.topic }
      const topic = this.cluster.metadata.topic(ref)
      const leader = topic?.partitions[q.partition]?.leaderId ?? -1
      if (topic === undefined || leader < 0 || this.cluster.metadata.needsRefresh(ref)) {
        stale.push(q.topic)
        continue
      }
      const head = q.batches.peekFront()!
      if (this.options.idempotent) {
        if (q.inFlight.length >= this.options.maxInFlight) continue
        // A retried batch must land before anything after it: send it alone, in order.
        if (head.baseSequence >= 0 && q.inFlight.length > 0) continue
        // A broker without our state accepts any sequence as the first: had a first batch
        // failed (e.g. a leader not ready on a new topic) while the next was accepted, the
        // retry would find a gap. Java pipelines here and reorders after an epoch bump.
        if (!q.sequenceKnown && q.inFlight.length > 0) continue
      }
      let requests = perNode.get(leader)
      if (requests === undefined) perNode.set(leader, requests = [])
      const size = head.bytes + BATCH_OVERHEAD
      let current = requests[requests.length - 1]
      if (current === undefined || (sizes.get(current)! + size > this.options.maxRequestSize && current.length > 0)) {
        if ((this.nodeInFlight.get(leader) ?? 0) + requests.length >= this.options.maxInFlight) continue
        requests.push(current = [])
        sizes.set(current, REQUEST_OVERHEAD)
      }
      const batch = this.acc.take(q)
      if (this.options.idempotent) this.identity.assign(q, batch)
      current.push({ batch, topicId: topic.topicId, q })
      sizes.set(current, sizes.get(current)! + size)
    }
    for (const [nodeId, requests] of perNode) if (requests.length === 0) perNode.delete(nodeId)
    if (stale.length > 0) this.refreshMetadata(stale)
    return perNode
  }

  private produce (nodeId: number, items: InFlightBatch[]): void {
    this.nodeInFlight.set(nodeId, (this.nodeInFlight.get(nodeId) ?? 0) + 1)
    this.inFlightTotal += items.length
    for (const it of items) {
      it.batch.attempts++
      it.q.inFlight.push(it.batch)
    }
    const { compression, acks, requestTimeoutMs } = this.options
    let body
    try {
      body = produceBody(items, compression, acks, requestTimeoutMs)
    } catch (err) {
      // Encoding failed (e.g. a codec error): nothing was sent, no retry can help.
      this.finish(nodeId, items, () => ({ fatal: toKafkaError(err) }))
      return
    }
    // Requests to a node must reach its connection in the order their sequence numbers were
    // taken: getting the connection is asynchronous (it may be opening), so chain per node.
    const sent = (this.sendOrder.get(nodeId) ?? Promise.resolve())
      .then(async () => await this.cluster.connection(nodeId, 'produce'))
      .then(conn => ({ response: conn.send(Produce, body) }))
    this.sendOrder.set(nodeId, sent.then(() => {}, () => {}))
    sent
      .then(async ({ response }) => await response)
      .then(res => {
        const outcomes = batchOutcomes(res, items, this.cluster.metadata)
        this.finish(nodeId, items, (it, i) => this.judge(it, outcomes[i], nodeId))
      }, (err: unknown) => {
        const error = toKafkaError(err)
        // The broker may be gone: look up leaders again before the retry.
        for (const it of items) this.cluster.metadata.markStale({ topic: it.batch.topic })
        this.finish(nodeId, items, () => error.retriable ? { retry: error } : { fatal: error })
      })
  }

  /** Settles each batch of a request: done, retry, or failed; then looks for more work. */
  private finish (nodeId: number, items: InFlightBatch[], verdict: (it: InFlightBatch, i: number) => Verdict): void {
    this.nodeInFlight.set(nodeId, this.nodeInFlight.get(nodeId)! - 1)
    this.inFlightTotal -= items.length
    for (const it of items) {
      const i = it.q.inFlight.indexOf(it.batch)
      if (i >= 0) it.q.inFlight.splice(i, 1)
    }
    items.forEach((it, i) => {
      const v = verdict(it, i)
      if ('offset' in v) this.complete(it, v.offset)
      else if ('split' in v) this.split(it)
      else if ('retry' in v) this.retry(it, v.retry)
      else this.fail(it.batch, v.fatal)
    })
    this.wake()
  }

  /** Decides what a batch's answer means (see Java's `Sender.completeBatch`). */
  private judge (it: InFlightBatch, outcome: BatchOutcome | undefined, nodeId: number): Verdict {
    const { batch } = it
    if (outcome === undefined) {
      return { retry: new KafkaError(`broker ${nodeId} did not answer for ${batch.topic}-${batch.partition} in its Produce response`, true, { brokerId: nodeId, api: 'Produce' }) }
    }
    const code = outcome.errorCode
    if (code === ErrorCode.NONE) return { offset: outcome.baseOffset }
    // An old duplicate: written before, its offset no longer cached by the broker.
    if (code === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) return { offset: -1n }
    const error = responseError(code, { api: 'Produce', brokerId: nodeId, brokerMessage: outcome.errorMessage, what: `partition ${batch.topic}-${batch.partition}` })!
    if ((code === ErrorCode.MESSAGE_TOO_LARGE || code === ErrorCode.RECORD_LIST_TOO_LARGE) && batch.records.length > 1) return { split: true }
    if (this.cluster.invalidateOnError(code, { topic: { topic: batch.topic } })) {
      this.cluster.metadata.applyLeader({ topic: batch.topic }, batch.partition, outcome.currentLeader)
    }
    if (this.options.idempotent) {
      if (code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER) {
        // Waits for an earlier batch of the partition that is still unresolved (it failed or
        // is being retried). Otherwise the broker lost our state: sequences restart under a
        // new epoch and the batch is retried, as Java's idempotent producer does.
        if (!this.identity.bumpPending && !hasEarlier(it.q, batch)) this.identity.requestBump()
        return { retry: error }
      }
      if (code === ErrorCode.UNKNOWN_PRODUCER_ID) {
        // The broker dropped our producer state (retention): restart sequences, then retry.
        this.identity.requestBump()
        return { retry: error }
      }
      if (code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.PRODUCER_FENCED) {
        this.identity.requestBump(true)
        return { retry: error }
      }
    }
    return error.retriable ? { retry: error } : { fatal: error }
  }

  private complete (it: InFlightBatch, offset: bigint): void {
    const { batch } = it
    it.q.sequenceKnown = true
    if (channels.producerBatch.hasSubscribers) publishBatch(batch, 'sent')
    batch.complete(offset)
    this.budget.release(batch.bytes)
  }

  private fail (batch: ProducerBatch, error: KafkaError): void {
    // A batch that took sequence numbers and was not written leaves a hole.
    if (this.options.idempotent && batch.baseSequence >= 0) this.identity.requestBump()
    if (channels.producerBatch.hasSubscribers) publishBatch(batch, 'failed', error)
    batch.fail(error)
    this.budget.release(batch.bytes)
  }

  private retry (it: InFlightBatch, error: KafkaError): void {
    const { batch } = it
    batch.lastError = error
    const now = Date.now()
    if (batch.attempts > this.options.retries) {
      this.fail(batch, error)
      return
    }
    if (now >= batch.createdAt + this.options.deliveryTimeoutMs) {
      this.expire(batch)
      return
    }
    if (channels.producerBatch.hasSubscribers) publishBatch(batch, 'retried', error)
    batch.retryAt = now + backoffDelay(batch.attempts - 1, this.backoff)
    this.acc.requeue(it.q, batch)
  }

  private split (it: InFlightBatch): void {
    if (this.options.idempotent && it.batch.baseSequence >= 0) this.identity.requestBump()
    const [first, second] = it.batch.split()
    this.acc.requeue(it.q, second)
    this.acc.requeue(it.q, first)
  }

  private expire (batch: ProducerBatch): void {
    const cause = batch.lastError
    this.fail(batch, new DeliveryTimeoutError(
      `${batch.records.length} record(s) for ${batch.topic}-${batch.partition} not acknowledged within deliveryTimeoutMs=${this.options.deliveryTimeoutMs}` +
      (cause !== undefined ? ` (last error: ${cause.message})` : ''), this.options.deliveryTimeoutMs, cause))
  }

  /**
   * Gets a producer id before the first batch and after an exhausted epoch, and bumps the
   * epoch once nothing is in flight. Returns true when batches may be sent now.
   */
  private prepareIdentity (): boolean {
    const id = this.identity
    if (id.bumpPending) {
      if (this.inFlightTotal > 0) return false // woken again when the last answer arrives
      id.bump(this.acc.all())
    }
    if (id.ready) return true
    if (this.initializing || this.acc.queuedBatches === 0) return false
    this.initializing = true
    id.init(this.cluster).then(() => {
      this.initializing = false
      this.wake()
    }, (err: unknown) => {
      this.initializing = false
      const error = toKafkaError(err)
      if (error.retriable) {
        this.schedule(backoffDelay(0, this.backoff))
        return
      }
      // Not retriable (e.g. CLUSTER_AUTHORIZATION_FAILED): fail what waits; a later send tries again.
      for (const b of this.acc.takeAll()) this.fail(b, error)
    })
    return false
  }

  private refreshMetadata (topics: string[]): void {
    if (this.refreshing) return
    this.refreshing = true
    this.cluster.refreshMetadata(topics.map(topic => ({ topic }))).then(() => {
      this.refreshing = false
      this.wake()
    }, () => {
      // Retried on the next round; batches expire by deliveryTimeoutMs if this never works.
      this.refreshing = false
      this.schedule(this.options.retryBackoffMs)
    })
  }

  private schedule (ms: number): void {
    if (this.closed || ms === Infinity) return
    const at = Date.now() + ms
    if (this.timer !== undefined && this.timerAt <= at) return
    clearTimeout(this.timer)
    this.timerAt = at
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.timerAt = Infinity
      this.run()
    }, Math.max(0, ms))
  }
}

/** How one batch of a request ended. */
type Verdict = { offset: bigint } | { retry: KafkaError } | { fatal: KafkaError } | { split: true }

/** True when a batch of `q` with a lower sequence than `batch` is in flight or waiting for a retry. */
function hasEarlier (q: PartitionQueue, batch: ProducerBatch): boolean {
  if (q.inFlight.some(b => b.baseSequence >= 0 && b.baseSequence < batch.baseSequence)) return true
  const head = q.batches.peekFront()
  return head !== undefined && head.baseSequence >= 0 && head.baseSequence < batch.baseSequence
}

function toKafkaError (err: unknown): KafkaError {
  return err instanceof KafkaError ? err : new KafkaError(err instanceof Error ? err.message : String(err), false, { api: 'Produce', cause: err })
}

function publishBatch (batch: ProducerBatch, outcome: ProducerBatchTrace['outcome'], error?: Error): void {
  const trace: ProducerBatchTrace = { topic: batch.topic, partition: batch.partition, count: batch.records.length, outcome }
  if (error !== undefined) trace.error = error
  channels.producerBatch.publish(trace)
}
