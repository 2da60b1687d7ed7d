import { attachSink, detachSink, type BaseConsumer } from '../consumer/base-consumer.js'
import type { Message } from '../consumer/message.js'
import type { ConsumerInstances } from './consumer-instances.js'
import type { InFlight } from './in-flight.js'
import { JobContext } from './job-context.js'
import type { JobOutcome, TopicRuntime } from './topic-runtime.js'
import type { Tracked } from './tracked.js'

/**
 * Runs one job: takes a consumer instance, calls `consume` with the job's messages, reports a
 * failure, applies the defaults to what was left undecided. Never throws.
 */
export async function runJob (rt: TopicRuntime, inFlight: InFlight, instances: ConsumerInstances, entries: readonly Tracked[]): Promise<void> {
  const messages = entries.map((t) => t.message).filter((m): m is Message => m !== undefined)
  let consumer: BaseConsumer | undefined
  try {
    consumer = await instances.acquire()
  } catch (err) {
    inFlight.error('consumer.hook', err)
    new JobContext(rt, inFlight, entries, undefined).finish(true, err)
    return
  }
  const context = new JobContext(rt, inFlight, entries, consumer)
  inFlight.running(entries, context)
  attachSink(consumer, context, messages)
  // With tracing, the job's span is active through consume and the settling after it.
  const run = async (): Promise<JobOutcome> => await execute(rt, context, consumer, messages)
  await (rt.tracer === undefined ? run() : rt.tracer.job(rt, entries.map((t) => t.record), run))
  instances.release(consumer)
}

async function execute (rt: TopicRuntime, context: JobContext, consumer: BaseConsumer, messages: readonly Message[]): Promise<JobOutcome> {
  const where = { groupId: rt.topic.group.id, topic: rt.topic.name }
  const counters = rt.monitor.counters
  counters.jobsRunning++
  if (rt.monitor.wants('consumer.started')) {
    rt.monitor.emit('consumer.started', { ...where, records: messages.map((m) => ({ partition: m.partition, offset: m.offset, timestamp: m.timestamp, deliveryAttempt: m.deliveryAttempt })) })
  }
  const started = rt.clock.now()
  let failed = false
  let error: unknown
  try {
    await consumer.consume(messages)
  } catch (err) {
    failed = true
    error = err
  } finally {
    detachSink(consumer)
    counters.jobsRunning--
  }
  const durationMs = rt.clock.now() - started
  if (failed) {
    counters.consumeErrors++
    rt.logger.error(`${rt.topic.consumerClass.name}.consume() threw`, { ...where, error })
    rt.monitor.emit('error.occurred', { source: 'consumer.consume', error, ...where })
  }
  rt.monitor.emit('consumer.consumed', failed ? { ...where, count: messages.length, durationMs, error } : { ...where, count: messages.length, durationMs })
  context.finish(failed, error)
  return { failed, error }
}
