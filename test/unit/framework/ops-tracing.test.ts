import * as api from '@opentelemetry/api'
import t from 'tap'
import { spanContextOf } from '../../../framework/ops/tracing.js'

const h = (key: string, value: string): { key: string, value: Buffer } => ({ key, value: Buffer.from(value) })

t.test('spanContextOf reads a W3C traceparent (and tracestate) header', async (t) => {
  const sc = spanContextOf(api, [h('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'), h('tracestate', 'congo=t61rcWkgMzE')])
  t.match(sc, { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1, isRemote: true })
  t.equal(sc?.traceState?.get('congo'), 't61rcWkgMzE')
  t.equal(spanContextOf(api, []), undefined, 'no header')
  t.equal(spanContextOf(api, [h('traceparent', 'garbage')]), undefined, 'malformed')
  t.equal(spanContextOf(api, [h('traceparent', '00-00000000000000000000000000000000-b7ad6b7169203331-01')]), undefined, 'an all-zero trace id is invalid')
})
