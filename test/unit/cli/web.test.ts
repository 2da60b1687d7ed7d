import t from 'tap'
import { Eta } from 'eta'
import { errorLine } from '../../../cli/error-line.js'
import { loadWebDependencies, MissingWebDependencyError } from '../../../cli/web/dependencies.js'
import { groupErrors, liveness, rates, recordView, renderBytes } from '../../../cli/web/render.js'
import { TEMPLATES } from '../../../cli/web/templates.js'
import type { ProcessReport } from '../../../framework/reports/report.js'

t.test('bytes render as JSON, text or hex', async (t) => {
  t.match(renderBytes(Buffer.from('{"a":1}')), { kind: 'json', text: '{\n  "a": 1\n}', size: 7 })
  t.match(renderBytes(Buffer.from('héllo\n')), { kind: 'text', text: 'héllo\n' })
  t.match(renderBytes(Buffer.from('{not json')), { kind: 'text' })
  t.match(renderBytes(Buffer.from([0, 1, 0xff, 0x10])), { kind: 'hex', text: '00 01 ff 10' })
  t.match(renderBytes(null), { kind: 'null' })
  const big = renderBytes(Buffer.alloc(10_000, 'a'))
  t.ok(big.cut && big.text.length === 4096 && big.size === 10_000, 'long values are cut')
})

t.test('a hostile record renders as text through the templates (autoEscape)', async (t) => {
  const eta = new Eta({ autoEscape: true })
  for (const [name, source] of Object.entries(TEMPLATES)) eta.loadTemplate(`@${name}`, source)
  const r = recordView(0, {
    offset: 5n, timestamp: 0, key: Buffer.from('<b>k</b>'), value: Buffer.from('<script>alert(1)</script>'),
    headers: [{ key: '"><img src=x onerror=alert(1)>', value: Buffer.from('<i>') }, { key: 'kshare.original.topic', value: Buffer.from('<t>') }]
  })
  const html = eta.render('@record', { r, selectable: true, dismissed: false })
  t.notMatch(html, /<script>|<b>|<img|<i>|<t>/, 'no markup from the record')
  t.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/)
  t.match(html, /&quot;&gt;&lt;img src=x onerror=alert\(1\)&gt;/)
  t.equal(r.deadLetter?.topic, '<t>', 'DLQ headers are read')
})

function report (over: Partial<ProcessReport>): ProcessReport {
  return {
    format: 1, processId: 'p', pid: 1, host: 'h', startedAt: 0, reportedAt: 0, intervalMs: 5000, state: 'running', version: '0', concurrency: 1,
    counters: [], jobs: [], jobsOmitted: 0, held: [], errors: [], memory: { rss: 0, heapUsed: 0, heapTotal: 0 }, eventLoopDelayMs: { p50: 0, p99: 0, max: 0 }, ...over
  }
}

t.test('a process is gone after three intervals (at least 15 s) without a report; stopped when it said so', async (t) => {
  t.equal(liveness(report({ reportedAt: 0 }), 14_000), 'running')
  t.equal(liveness(report({ reportedAt: 0 }), 15_001), 'gone')
  t.equal(liveness(report({ reportedAt: 0, intervalMs: 10_000 }), 29_000), 'running')
  t.equal(liveness(report({ reportedAt: 0, state: 'stopped' }), 1), 'stopped')
})

t.test('errors of several processes are grouped by class and message', async (t) => {
  const e = { class: 'E', message: 'm', stack: 's', source: 'x', groupId: null, topic: null, partition: null, offset: null, count: 2 }
  const grouped = groupErrors([
    report({ processId: 'a', errors: [{ ...e, firstSeen: 5, lastSeen: 10 }, { ...e, message: 'other', firstSeen: 1, lastSeen: 1, count: 1 }] }),
    report({ processId: 'b', errors: [{ ...e, firstSeen: 2, lastSeen: 20, stack: 'newer' }] })
  ])
  t.match(grouped, [{ class: 'E', message: 'm', count: 4, firstSeen: 2, lastSeen: 20, stack: 'newer', processes: ['a', 'b'] }, { message: 'other', count: 1 }])
})

t.test('rates between samples, never negative', async (t) => {
  t.same(rates([{ at: 1000, accepted: 0, deadLettered: 0 }, { at: 3000, accepted: 50, deadLettered: 2 }, { at: 4000, accepted: 40, deadLettered: 2 }]),
    [[3, 4], [25, 0], [1, 0]])
})

t.test('without fastify, eta or uplot: one line naming what to install', async (t) => {
  const err = await loadWebDependencies(async (name) => { if (name === 'fastify') throw new Error('Cannot find package'); return await import(name) }).catch((e: unknown) => e)
  t.ok(err instanceof MissingWebDependencyError)
  const line = errorLine(err)
  t.equal(line, 'MissingWebDependencyError: fastify not installed (optional dependencies of kshare web): npm install fastify@5 eta@4 uplot@1')
  t.notMatch(line, /\n/)
  const deps = await loadWebDependencies()
  t.ok(deps.uplot.js.length > 10_000 && deps.uplot.css.length > 100, 'uPlot comes from the package')
})
