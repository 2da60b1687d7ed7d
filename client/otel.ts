/**
 * W3C trace context for produced records, through `@opentelemetry/api` when the application
 * has it installed (an optional peer dependency). The package is imported once, lazily; when
 * it is missing, or no span is active, nothing is added to the records.
 */
import type * as OtelApi from '@opentelemetry/api'

/** The record header carrying the W3C `traceparent`. */
export const TRACEPARENT_HEADER = 'traceparent'
/** The record header carrying the W3C `tracestate` (only when the span has one). */
export const TRACESTATE_HEADER = 'tracestate'

let api: typeof OtelApi | null | undefined
let loading: Promise<void> | undefined

/** Imports `@opentelemetry/api` once; resolves when it is known whether it is there. */
export function loadOtel (): Promise<void> {
  loading ??= import('@opentelemetry/api').then((m) => { api = m }, () => { api = null })
  return loading
}

/** True once {@link loadOtel} has settled. */
export function otelSettled (): boolean {
  return api !== undefined
}

/** The active span's context as W3C headers, or `undefined` without the API or an active, valid span. */
export function activeTraceHeaders (): { traceparent: string, tracestate?: string } | undefined {
  if (api === undefined || api === null) return undefined
  const span = api.trace.getActiveSpan()
  if (span === undefined) return undefined
  const sc = span.spanContext()
  if (!api.isSpanContextValid(sc)) return undefined
  const traceparent = `00-${sc.traceId}-${sc.spanId}-0${(sc.traceFlags & 1).toString(16)}`
  const tracestate = sc.traceState?.serialize()
  return tracestate !== undefined && tracestate !== '' ? { traceparent, tracestate } : { traceparent }
}
