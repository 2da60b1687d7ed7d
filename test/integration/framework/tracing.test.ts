import { context, SpanKind, trace } from '@opentelemetry/api'
import { AsyncHooksContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import {
  ATTR_KAFKA_OFFSET, ATTR_MESSAGING_CONSUMER_GROUP_NAME, ATTR_MESSAGING_DESTINATION_NAME, ATTR_MESSAGING_DESTINATION_PARTITION_ID,
  ATTR_MESSAGING_OPERATION_TYPE, ATTR_MESSAGING_SYSTEM_NAME
} from '@opentelemetry/semantic-conventions/incubating'
import t from 'tap'
import { Producer } from '../../../client/producer.js'
import { BaseConsumer, type Message } from '../../../framework/index.js'
import { testBootstrap } from '../../harness/index.js'
import { startApp, waitFor } from '../../helpers/framework-setup.js'
import { createTopic, uniqueName } from '../../helpers/share-setup.js'

// A trace from the producer to the job: the Producer writes the active span's W3C traceparent
// into the record's headers; the App's job span is its child (one-message jobs) or links to it
// (batches), with the messaging attributes; settle and DLQ spans are the job span's children.

const exporter = new InMemorySpanExporter()
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
trace.setGlobalTracerProvider(provider)
context.setGlobalContextManager(new AsyncHooksContextManager().enable())
t.teardown(async () => { await provider.shutdown() })

let seenHeaders: Array<string | undefined> = []

class Traced extends BaseConsumer<{ id: number, fail?: boolean }> {
  async consume (messages: readonly Message<{ id: number, fail?: boolean }>[]): Promise<void> {
    for (const m of messages) {
      seenHeaders.push(m.headers.find((h) => h.key === 'traceparent')?.value?.toString())
      if (m.payload.fail === true) this.reject(m, new Error('bad input'))
      else this.accept(m)
    }
  }
}

async function produceInSpan (bootstrap: string, topic: string, values: object[], name: string): Promise<ReadableSpan> {
  const producer = new Producer({ bootstrapServers: bootstrap })
  const tracer = trace.getTracer('test')
  const span = tracer.startSpan(name, { kind: SpanKind.PRODUCER })
  await context.with(trace.setSpan(context.active(), span), async () => {
    await producer.send({ topic, messages: values.map((v) => ({ value: JSON.stringify(v), partition: 0 })) })
  })
  span.end()
  await producer.close()
  return exporter.getFinishedSpans().find((s) => s.name === name)!
}

t.test('producer span → job span (parent/child), settle and DLQ spans inside it, semconv attributes', async (t) => {
  const bootstrap = testBootstrap()
  const topic = uniqueName('fw-trace')
  await createTopic(bootstrap, topic, 1)
  await createTopic(bootstrap, `${topic}.dlq`, 1)
  seenHeaders = []
  const sent = await produceInSpan(bootstrap, topic, [{ id: 1 }, { id: 2, fail: true }], 'send jobs')
  const groupId = uniqueName('fw-trace-g')
  const { app, running } = await startApp(bootstrap, (r) => r.shareGroup(groupId, (g) => {
    g.kafka({ 'share.auto.offset.reset': 'earliest' })
    g.topic(topic, (tp) => tp.consumer(Traced).jobsBuilder('per_message').deadLetterQueue({ topic: `${topic}.dlq` }))
  }))
  const spans = (): ReadableSpan[] => exporter.getFinishedSpans()
  await waitFor('two job spans and a dlq span', () => spans().filter((s) => s.name === `process ${topic}`).length === 2 && spans().some((s) => s.name.startsWith('dlq ')), 60_000)
  await app.stop()
  await running

  const traceparent = `00-${sent.spanContext().traceId}-${sent.spanContext().spanId}-01`
  t.same(seenHeaders, [traceparent, traceparent], 'each record carries the producer span\'s W3C traceparent')
  const jobs = spans().filter((s) => s.name === `process ${topic}`)
  for (const job of jobs) {
    t.equal(job.spanContext().traceId, sent.spanContext().traceId, 'the job span is in the producer\'s trace')
    t.equal(job.parentSpanContext?.spanId, sent.spanContext().spanId, '...its child')
    t.equal(job.kind, SpanKind.CONSUMER)
    t.match(job.attributes, {
      [ATTR_MESSAGING_SYSTEM_NAME]: 'kafka',
      [ATTR_MESSAGING_DESTINATION_NAME]: topic,
      [ATTR_MESSAGING_CONSUMER_GROUP_NAME]: groupId,
      [ATTR_MESSAGING_DESTINATION_PARTITION_ID]: '0',
      [ATTR_MESSAGING_OPERATION_TYPE]: 'process',
      'kshare.delivery_count': 1
    }, 'semantic convention attributes')
  }
  t.same(jobs.map((j) => j.attributes[ATTR_KAFKA_OFFSET]).sort(), [0, 1], 'kafka.offset per job')
  const settles = spans().filter((s) => s.name === `settle ${topic}`)
  t.same(settles.map((s) => s.attributes['messaging.operation.name']).sort(), ['accept', 'reject'], 'a settle span per decision')
  for (const s of settles) {
    t.equal(s.attributes[ATTR_MESSAGING_OPERATION_TYPE], 'settle')
    t.ok(jobs.some((j) => j.spanContext().spanId === s.parentSpanContext?.spanId), 'a settle span is a child of its job span')
  }
  const dlq = spans().find((s) => s.name === `dlq ${topic}.dlq`)
  t.ok(dlq !== undefined && jobs.some((j) => j.spanContext().spanId === dlq.parentSpanContext?.spanId), 'the DLQ span is a child of the job span')
})

t.test('a batch job links to every message\'s producer span', async (t) => {
  const bootstrap = testBootstrap()
  const topic = uniqueName('fw-trace-batch')
  await createTopic(bootstrap, topic, 1)
  exporter.reset()
  const sent = await produceInSpan(bootstrap, topic, [{ id: 1 }, { id: 2 }, { id: 3 }], 'send batch')
  const groupId = uniqueName('fw-trace-batch-g')
  const { app, running } = await startApp(bootstrap, (r) => r.shareGroup(groupId, (g) => {
    g.kafka({ 'share.auto.offset.reset': 'earliest' })
    g.topic(topic, (tp) => tp.consumer(Traced).jobsBuilder('per_batch'))
  }), { concurrency: 1 })
  const accepted = (): number => exporter.getFinishedSpans().filter((s) => s.name === `settle ${topic}`).length
  await waitFor('three accepts', () => accepted() === 3, 60_000)
  await app.stop()
  await running
  const jobs = exporter.getFinishedSpans().filter((s) => s.name === `process ${topic}`)
  const links = jobs.flatMap((j) => j.links)
  t.equal(links.length, 3, `every message is linked from its job span (${jobs.length} job(s))`)
  t.ok(links.every((l) => l.context.spanId === sent.spanContext().spanId && l.context.traceId === sent.spanContext().traceId), '...to the producer span')
  t.ok(jobs.every((j) => j.parentSpanContext === undefined), 'batch job spans are roots (linked, not parented)')
})
