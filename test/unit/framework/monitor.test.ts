import diagnostics from 'node:diagnostics_channel'
import t from 'tap'
import { Monitor } from '../../../framework/monitor.js'
import { consoleLogger } from '../../../framework/logger.js'

t.test('handlers and the diagnostics channel receive events; unsubscribing works', async (t) => {
  const monitor = new Monitor(consoleLogger('error', () => {}))
  const seen: number[] = []
  t.notOk(monitor.wants('lock.renewed'), 'nobody listens yet')
  const off = monitor.on('lock.renewed', (e) => seen.push(e.count))
  t.ok(monitor.wants('lock.renewed'))
  const published: unknown[] = []
  const onMessage = (m: unknown): void => { published.push(m) }
  diagnostics.subscribe('kshare:framework:lock.renewed', onMessage)
  monitor.emit('lock.renewed', { groupId: 'g', topic: 'a', count: 3 })
  off()
  monitor.emit('lock.renewed', { groupId: 'g', topic: 'a', count: 4 })
  diagnostics.unsubscribe('kshare:framework:lock.renewed', onMessage)
  t.same(seen, [3])
  t.same(published, [{ groupId: 'g', topic: 'a', count: 3 }, { groupId: 'g', topic: 'a', count: 4 }])
  t.notOk(monitor.wants('lock.renewed'))
})

t.test('a throwing handler is logged and does not stop the others', async (t) => {
  const lines: string[] = []
  const monitor = new Monitor(consoleLogger('error', (line) => lines.push(line)))
  let second = 0
  monitor.on('app.stopped', () => { throw new Error('boom') })
  monitor.on('app.stopped', () => { second++ })
  monitor.emit('app.stopped', { durationMs: 1 })
  t.equal(second, 1)
  t.match(lines[0], /ERROR kshare: a monitor handler for app.stopped threw \{"error":\{"name":"Error","message":"boom"\}\}/)
})

t.test('the console logger filters by level and writes bigints', async (t) => {
  const lines: string[] = []
  const log = consoleLogger('info', (line) => lines.push(line))
  log.debug('hidden')
  log.info('shown', { offset: 5n })
  t.equal(lines.length, 1)
  t.match(lines[0], /INFO kshare: shown \{"offset":"5"\}\n$/)
})
