import { backoffDelay } from '../client/backoff.js'
import { finishedWithin } from '../client/finished-within.js'
import type { ShareRecordLike } from './client-ports.js'
import { Message } from './consumer/message.js'
import { AttemptsExhaustedError, DeserializationError, JobsBuilderError } from './errors.js'
import { ConsumerInstances } from './processing/consumer-instances.js'
import { InFlight } from './processing/in-flight.js'
import { isPastLastAttempt } from './processing/job-context.js'
import { runJob } from './processing/job-runner.js'
import { jobsPlanFor, type JobsPlan } from './processing/jobs-builders.js'
import type { TopicRuntime } from './processing/topic-runtime.js'
import type { Tracked } from './processing/tracked.js'
import type { WorkerPool } from './processing/worker-pool.js'
import type { ListenerProbe } from './ops/health.js'

const POLL_RETRY = { initialMs: 100, maxMs: 5000 }

/**
 * One topic's fetch loop: wait for a free worker → poll only what free workers can start now
 * (a record's lock runs from hand-out) → deserialize → build jobs → hand them to the worker
 * pool → repeat. Without lock renewal it also waits until no record is paused before polling
 * (the seed's rule: a paused record must be released before its lock runs out).
 */
export class Listener {
  /** The records this listener holds. */
  readonly inFlight: InFlight
  /** The topic's consumer instances. */
  readonly instances: ConsumerInstances
  readonly #plan: JobsPlan
  #stopping = false
  // Woken by stop(). Not a promise to race against: every race adds a reaction to it that stays
  // until it settles, a leak of a few objects per poll (the soak's heap grew 8 MB per 650k records).
  readonly #stopWaiters = new Set<() => void>()
  #loop: Promise<void> = Promise.resolve()
  #phase: ListenerProbe['phase'] = 'waiting'
  #phaseSince = Date.now()

  /**
   * @param rt the topic's runtime
   * @param pool the App's workers
   * @param pollTimeoutMs longest wait of one poll
   */
  constructor (private readonly rt: TopicRuntime, private readonly pool: WorkerPool, private readonly pollTimeoutMs: number, private readonly onFatal: (error: unknown) => void) {
    this.inFlight = new InFlight(rt)
    this.instances = new ConsumerInstances(rt.topic, rt.logger)
    this.#plan = jobsPlanFor(rt.topic.settings.jobsBuilder, rt.topic.virtualPartitions)
  }

  /** What the loop is doing and the consumer's standing in its group, for the health checks. */
  probe (): ListenerProbe {
    return { groupId: this.rt.topic.group.id, topic: this.rt.topic.name, phase: this.#phase, since: this.#phaseSince, membership: this.rt.consumer.membership?.() }
  }

  #enter (phase: ListenerProbe['phase']): void {
    this.#phase = phase
    this.#phaseSince = this.rt.clock.now()
  }

  /** Subscribes and starts polling. */
  start (): void {
    this.rt.consumer.onAcknowledgementCommit((results) => this.inFlight.acknowledged(results))
    this.rt.consumer.subscribe([this.rt.topic.name])
    this.#loop = this.#run().finally(() => this.#enter('stopped'))
  }

  /** Stops polling (a pending poll is woken up). */
  stop (): void {
    if (this.#stopping) return
    this.#stopping = true
    for (const wake of [...this.#stopWaiters]) wake()
    this.rt.consumer.wakeup()
  }

  /**
   * After `stop()` and the jobs: releases paused records, waits for DLQ writes, flushes the
   * acknowledgements, closes the share consumer (its sessions and membership) and runs the
   * consumers' `shutdown` hooks. `deadline` is epoch ms.
   */
  async close (deadline: number): Promise<void> {
    await finishedWithin(this.#loop, deadline - this.rt.clock.now(), this.rt.clock)
    await this.inFlight.settle(deadline)
    try {
      this.inFlight.acknowledged(await this.rt.consumer.commitSync(Math.max(1, deadline - this.rt.clock.now())))
    } catch (err) {
      this.inFlight.error('shutdown', err)
    }
    try {
      await this.rt.consumer.close()
    } catch (err) {
      this.inFlight.error('shutdown', err)
    }
    await this.instances.shutdown((err) => this.inFlight.error('consumer.hook', err))
  }

  async #run (): Promise<void> {
    const { rt, pool } = this
    let failures = 0
    let lastError: unknown
    while (!this.#stopping) {
      this.#enter('waiting')
      if (!rt.renew) await this.#untilStopped(this.inFlight.whenNoPaused(), undefined)
      // A client that cannot limit one poll may bring maxPollRecords: wait for the workers those need.
      const need = rt.consumer.limitsPerPoll ? 1 : this.#plan.workersFor(rt.maxPollRecords)
      const free = await this.#untilStopped(pool.whenFree(need), 0)
      if (this.#stopping) break
      const maxRecords = this.#plan.pollLimit(free, rt.maxPollRecords)
      this.#enter('polling')
      const started = rt.clock.now()
      let records: ShareRecordLike[]
      try {
        records = await rt.consumer.poll(this.pollTimeoutMs, { maxRecords })
        failures = 0
      } catch (err) {
        if (this.#stopping) break
        this.inFlight.error('listener.poll', err)
        // The share consumer throws the error that stopped it on every poll (the same error
        // object); a passing error is thrown once. Twice in a row: the consumer is dead.
        if (err === lastError) {
          this.onFatal(err)
          break
        }
        lastError = err
        let timer: unknown
        await this.#untilStopped(new Promise<void>((resolve) => { timer = rt.clock.setTimeout(resolve, backoffDelay(failures++, POLL_RETRY)) }), undefined)
        rt.clock.clearTimeout(timer)
        continue
      }
      lastError = undefined
      if (rt.monitor.wants('listener.polled')) {
        rt.monitor.emit('listener.polled', { groupId: rt.topic.group.id, topic: rt.topic.name, count: records.length, maxRecords, durationMs: rt.clock.now() - started })
      }
      if (records.length > 0) this.#dispatch(records)
    }
  }

  // Turns polled records into jobs. Records that cannot be deserialized, or that arrive past
  // their last attempt, are dead-lettered (or rejected) without reaching a consumer.
  #dispatch (records: readonly ShareRecordLike[]): void {
    const { rt, inFlight } = this
    const ready = new Map<Message, Tracked>()
    for (const record of records) {
      let message: Message
      try {
        message = new Message(record, rt.topic.settings.deserializer(record.value, record))
      } catch (err) {
        const error = new DeserializationError(record.topic, record.partition, record.offset, err)
        const t = inFlight.track(record, undefined)
        inFlight.error('deserialization', error, t)
        inFlight.deadLetter(t, error, 'deserialization')
        continue
      }
      const t = inFlight.track(record, message)
      const max = rt.topic.deadLetterQueue?.maxAttempts
      if (max !== undefined && isPastLastAttempt(rt, record)) inFlight.deadLetter(t, new AttemptsExhaustedError(record.deliveryCount, max), 'attempts_exhausted')
      else ready.set(message, t)
    }
    if (ready.size === 0) return
    let jobs: Message[][]
    try {
      jobs = this.#plan.build([...ready.keys()], this.pool.free)
    } catch (err) {
      inFlight.error('jobs_builder', err instanceof JobsBuilderError ? err : new JobsBuilderError('the jobs builder threw', err))
      jobs = [[...ready.keys()]]
    }
    for (const job of jobs) {
      const entries = job.map((m) => ready.get(m)).filter((t): t is Tracked => t !== undefined)
      this.pool.run(async () => await runJob(rt, inFlight, this.instances, entries))
    }
  }

  // `promise`'s value, or `onStop` as soon as the listener stops; nothing stays attached afterwards.
  #untilStopped<T> (promise: Promise<T>, onStop: T): Promise<T> {
    if (this.#stopping) return Promise.resolve(onStop)
    return new Promise<T>((resolve, reject) => {
      const wake = (): void => resolve(onStop)
      this.#stopWaiters.add(wake)
      promise.then(resolve, reject).finally(() => this.#stopWaiters.delete(wake))
    })
  }
}
