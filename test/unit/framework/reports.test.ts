import t from 'tap'
import { consoleLogger } from '../../../framework/logger.js'
import { Monitor, type RecordEvent } from '../../../framework/monitor.js'
import { ReportCollector, type HeldRecord } from '../../../framework/reports/collector.js'
import { decodeReport, encodeReport, REPORT_LIMITS } from '../../../framework/reports/report.js'

const quiet = consoleLogger('error', () => {})

function event (groupId: string, topic: string, partition: number, offset: bigint, deliveryAttempt = 1, heldMs = 10): RecordEvent {
  return { groupId, topic, partition, offset, deliveryAttempt, heldMs }
}

t.test('counters per group and topic, attempts histogram, errors grouped by class and message', async (t) => {
  const monitor = new Monitor(quiet)
  let now = 1000
  const c = new ReportCollector(monitor, [{ groupId: 'g', topic: 'jobs', dlq: 'jobs.dlq' }], () => now)
  monitor.emit('listener.polled', { groupId: 'g', topic: 'jobs', count: 5, maxRecords: 5, durationMs: 1 })
  monitor.emit('consumer.accepted', event('g', 'jobs', 0, 1n))
  monitor.emit('consumer.accepted', event('g', 'jobs', 0, 2n, 3))
  monitor.emit('consumer.released', { ...event('g', 'jobs', 1, 7n, 9), reason: 'explicit' })
  monitor.emit('consumer.rejected', { ...event('g', 'jobs', 1, 8n, 4), reason: 'attempts_exhausted', error: undefined })
  monitor.emit('consumer.rejected', { ...event('g', 'jobs', 1, 10n, 1), reason: 'explicit', error: new RangeError('bad input') })
  monitor.emit('dlq.dispatched', { ...event('g', 'jobs', 1, 8n, 4), dlqTopic: 'jobs.dlq', dlqPartition: 0, dlqOffset: 0n, durationMs: 1, error: new Error('x') })
  monitor.emit('lock.renewed', { groupId: 'g', topic: 'jobs', count: 3 })
  monitor.emit('lock.expired', { ...event('g', 'jobs', 2, 9n), error: new Error('lost') })
  monitor.emit('consumer.accepted', event('other', 'jobs', 0, 1n)) // not a route of this App: ignored
  for (let i = 0; i < 3; i++) {
    now += 100
    monitor.emit('error.occurred', { source: 'consumer.consume', error: new TypeError('bad job'), groupId: 'g', topic: 'jobs', partition: 1, offset: 8n })
  }
  monitor.emit('error.occurred', { source: 'lock', error: 'a string' })
  const held: HeldRecord[] = [{ event: event('g', 'jobs', 0, 11n, 1, 500), running: true }, { event: event('g', 'jobs', 0, 12n), running: false }]
  const r = c.build(held, 'running', 5000, 8)
  c.close()
  t.match(r.counters, [{ groupId: 'g', topic: 'jobs', dlq: 'jobs.dlq', polled: 5, accepted: 2, released: 1, rejected: 2, deadLettered: 1, lockRenewals: 3, lockExpiries: 1, errors: 4, attempts: [2, 0, 1, 1, 0, 1] }])
  t.same(r.jobs, [{ groupId: 'g', topic: 'jobs', partition: 0, offset: '11', deliveryAttempt: 1, runningMs: 500 }])
  t.same(r.held, [{ groupId: 'g', topic: 'jobs', partition: 0, count: 2 }])
  t.match(r.errors.find((e) => e.class === 'TypeError'), { class: 'TypeError', message: 'bad job', source: 'consumer.consume', partition: 1, offset: '8', firstSeen: 1100, lastSeen: 1300, count: 3 })
  t.match(r.errors.at(-1), { class: 'Error', message: 'a string', count: 1 })
  t.match(r.errors.find((e) => e.class === 'RangeError'), { source: 'rejected: explicit', offset: '10', count: 1 }, 'the error a record was rejected for')
  t.equal(r.concurrency, 8)
  t.same(decodeReport(encodeReport(r)), JSON.parse(JSON.stringify(r)), 'round trip')
  t.equal(decodeReport(Buffer.from('{"format":99,"processId":"x"}')), null, 'another format is skipped')
  t.equal(decodeReport(Buffer.from('<html>')), null, 'garbage is skipped')
  t.equal(decodeReport(null), null)
})

t.test(`a report stays within ${REPORT_LIMITS.bytes} bytes with every list full of the longest hostile names`, async (t) => {
  const monitor = new Monitor(quiet)
  const name = (i: number): string => `"<é${i}>\u0001`.repeat(60) // escapes to 6 bytes a char, multi-byte
  const routes = Array.from({ length: 500 }, (_, i) => ({ groupId: name(i), topic: name(i + 1), dlq: name(i + 2) }))
  const c = new ReportCollector(monitor, routes, () => 0)
  for (let i = 0; i < 1000; i++) {
    const error = new Error(name(i).repeat(10))
    error.name = name(i)
    error.stack = name(i).repeat(40)
    monitor.emit('error.occurred', { source: 'consumer.consume', error, groupId: name(i), topic: name(i), partition: i, offset: BigInt(i) })
  }
  const held: HeldRecord[] = Array.from({ length: 5000 }, (_, i) => ({ event: event(name(0), name(1), i, BigInt(i)), running: true }))
  const r = c.build(held, 'running', 5000, 100)
  c.close()
  t.equal(r.jobs.length, REPORT_LIMITS.jobs)
  t.equal(r.jobsOmitted, 5000 - REPORT_LIMITS.jobs)
  t.equal(r.errors.length, REPORT_LIMITS.errors, 'the most recent errors are kept')
  t.equal(r.errors.at(-1)?.offset, '999')
  t.equal(r.counters.length, REPORT_LIMITS.routes)
  t.equal(r.held.length, REPORT_LIMITS.held)
  const bytes = encodeReport(r)
  t.ok(bytes.length <= REPORT_LIMITS.bytes, `${bytes.length} bytes`)
  const back = decodeReport(bytes)
  t.ok(back !== null && back.jobs.length + back.jobsOmitted === 5000, 'shrinking keeps the count of jobs')

  const typical = new ReportCollector(monitor, [{ groupId: 'workers', topic: 'jobs', dlq: 'jobs.dlq' }], () => 0)
  const small = encodeReport(typical.build(Array.from({ length: 8 }, (_, i) => ({ event: event('workers', 'jobs', i % 3, BigInt(i)), running: true })), 'running', 5000, 8))
  typical.close()
  t.ok(small.length < 4096, `a typical report (1 route, 8 jobs, no errors) is ${small.length} bytes`)
  t.comment(`typical report: ${small.length} bytes; worst case: ${bytes.length} bytes`)
})
