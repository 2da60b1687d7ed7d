/**
 * OpenTelemetry spans for jobs, after the messaging semantic conventions (as of
 * `@opentelemetry/semantic-conventions` 1.45): a `process <topic>` span per job — the child of
 * the producer's span for a one-message job (W3C `traceparent` header), linked to each
 * message's producer span for a batch — with `settle <topic>` spans for accept / release /
 * reject and a `dlq <topic>` span per dead letter written, inside it.
 */
import type { Context, Link, Span, SpanContext, Tracer } from '@opentelemetry/api'
import type { RecordHeader, ShareRecordLike } from '../client-ports.js'
import type { Monitor, RecordEvent } from '../monitor.js'
import type { JobOutcome, JobSpans, TopicRuntime } from '../processing/topic-runtime.js'
import type { OtelApiModule } from './optional.js'
import { SPAN_ATTRIBUTES } from './span-attributes.js'

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

/** The producer's span context from a record's `traceparent` (and `tracestate`) header, if valid. */
export function spanContextOf (api: OtelApiModule, headers: readonly RecordHeader[]): SpanContext | undefined {
  const value = headers.find((h) => h.key === 'traceparent')?.value
  const match = value === undefined || value === null ? null : TRACEPARENT.exec(value.toString('latin1'))
  if (match === null) return undefined
  const sc: SpanContext = { traceId: match[1]!, spanId: match[2]!, traceFlags: Number.parseInt(match[3]!, 16) & 1, isRemote: true }
  const state = headers.find((h) => h.key === 'tracestate')?.value
  if (state !== undefined && state !== null) sc.traceState = api.createTraceState(state.toString('latin1'))
  return api.isSpanContextValid(sc) ? sc : undefined
}

/** Starts the job and settle spans (framework-internal; the App creates one when tracing is on). */
export class JobTracer implements JobSpans {
  readonly #tracer: Tracer
  readonly #unsubscribe: Array<() => void> = []

  /**
   * @param api the loaded `@opentelemetry/api`
   * @param monitor the App's monitor: settle and DLQ spans come from its events
   */
  constructor (private readonly api: OtelApiModule, monitor: Monitor) {
    this.#tracer = api.trace.getTracer('kshare')
    const settle = (name: string) => (e: RecordEvent): void => this.#settle(name, e)
    this.#unsubscribe.push(
      monitor.on('consumer.accepted', settle('accept')),
      monitor.on('consumer.released', settle('release')),
      monitor.on('consumer.rejected', settle('reject')),
      monitor.on('dlq.dispatched', (e) => {
        const end = Date.now()
        const span = this.#tracer.startSpan(`dlq ${e.dlqTopic}`, {
          kind: this.api.SpanKind.PRODUCER,
          startTime: end - e.durationMs,
          attributes: { ...this.#recordAttributes(e), [SPAN_ATTRIBUTES.operationType]: 'send', [SPAN_ATTRIBUTES.operationName]: 'dead_letter', 'kshare.dlq.topic': e.dlqTopic }
        })
        span.end(end)
      })
    )
  }

  /** Runs `run` (the job) inside its `process` span. */
  async job (rt: TopicRuntime, records: readonly ShareRecordLike[], run: () => Promise<JobOutcome>): Promise<JobOutcome> {
    const { api } = this
    const topic = rt.topic.name
    const attributes: Record<string, string | number> = {
      [SPAN_ATTRIBUTES.system]: 'kafka',
      [SPAN_ATTRIBUTES.destination]: topic,
      [SPAN_ATTRIBUTES.group]: rt.topic.group.id,
      [SPAN_ATTRIBUTES.operationType]: 'process',
      [SPAN_ATTRIBUTES.operationName]: 'process'
    }
    let parent: Context = api.ROOT_CONTEXT
    let links: Link[] | undefined
    const only = records.length === 1 ? records[0] : undefined
    if (only !== undefined) {
      Object.assign(attributes, this.#recordAttributes({ groupId: rt.topic.group.id, topic, partition: only.partition, offset: only.offset, deliveryAttempt: only.deliveryCount }))
      const remote = spanContextOf(api, only.headers)
      if (remote !== undefined) parent = api.trace.setSpanContext(api.ROOT_CONTEXT, remote)
    } else {
      attributes[SPAN_ATTRIBUTES.batchCount] = records.length
      links = []
      for (const r of records) {
        const remote = spanContextOf(api, r.headers)
        if (remote !== undefined) links.push({ context: remote, attributes: { [SPAN_ATTRIBUTES.partition]: String(r.partition), [SPAN_ATTRIBUTES.offset]: Number(r.offset) } })
      }
    }
    const span = this.#tracer.startSpan(`process ${topic}`, { kind: api.SpanKind.CONSUMER, attributes, links }, parent)
    try {
      const outcome = await api.context.with(api.trace.setSpan(api.context.active(), span), run)
      if (outcome.failed) this.#fail(span, outcome.error)
      return outcome
    } finally {
      span.end()
    }
  }

  /** Stops listening to the monitor. */
  close (): void {
    for (const off of this.#unsubscribe.splice(0)) off()
  }

  #settle (name: string, e: RecordEvent): void {
    const span = this.#tracer.startSpan(`settle ${e.topic}`, {
      kind: this.api.SpanKind.CLIENT,
      attributes: { ...this.#recordAttributes(e), [SPAN_ATTRIBUTES.operationType]: 'settle', [SPAN_ATTRIBUTES.operationName]: name }
    })
    span.end()
  }

  #recordAttributes (e: Pick<RecordEvent, 'groupId' | 'topic' | 'partition' | 'offset' | 'deliveryAttempt'>): Record<string, string | number> {
    return {
      [SPAN_ATTRIBUTES.system]: 'kafka',
      [SPAN_ATTRIBUTES.destination]: e.topic,
      [SPAN_ATTRIBUTES.group]: e.groupId,
      [SPAN_ATTRIBUTES.partition]: String(e.partition),
      [SPAN_ATTRIBUTES.offset]: Number(e.offset),
      [SPAN_ATTRIBUTES.deliveryCount]: e.deliveryAttempt
    }
  }

  #fail (span: Span, error: unknown): void {
    span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) })
    if (error instanceof Error) span.recordException(error)
  }
}
