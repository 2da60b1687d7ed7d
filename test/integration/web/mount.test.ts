import t from 'tap'
import { createDashboard, loadWebDependencies } from '../../../cli/web/index.js'
import { App, BaseConsumer, silentLogger, type Message } from '../../../framework/index.js'
import { testBootstrap } from '../../harness/index.js'
import { jobsFixture, waitFor } from '../../helpers/framework-setup.js'

// The dashboard mounted on an App's own HTTP endpoint (what `kshare/web` is for): its pages
// are served under the prefix, next to /healthz, and show the App's share group.

class Accept extends BaseConsumer<{ id: number }> {
  async consume (messages: readonly Message<{ id: number }>[]): Promise<void> {
    for (const m of messages) this.accept(m)
  }
}

async function get (port: number, path: string): Promise<{ status: number, body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(15_000) })
  return { status: res.status, body: await res.text() }
}

t.test('the dashboard on the App\'s HTTP endpoint: pages under the prefix, health beside them', async t => {
  const f = await jobsFixture(testBootstrap(), 'web-mount', Array.from({ length: 10 }, (_, id) => ({ id })), 1)
  const app = new App({ kafka: { bootstrapServers: f.bootstrap }, logger: silentLogger, handleSignals: false, pollTimeoutMs: 500, http: { port: 0 } })
  app.routes.draw(r => r.shareGroup(f.groupId, g => {
    g.kafka({ 'share.auto.offset.reset': 'earliest' })
    g.topic(f.topic, topic => topic.consumer(Accept))
  }))
  let accepted = 0
  app.monitor.on('consumer.accepted', () => { accepted++ })
  const dashboard = createDashboard(await loadWebDependencies(), { kafka: { bootstrapServers: f.bootstrap }, prefix: '/kshare', log: () => {} })
  await dashboard.ready()
  t.ok(app.http, 'the App has an HTTP endpoint to mount on')
  app.http!.route('/kshare/*', dashboard.routing)
  const running = app.run()
  t.teardown(async () => { await app.stop(); await running; await dashboard.close() })
  await waitFor('the endpoint and every job', () => app.httpPort !== undefined && accepted >= 10, 60_000)
  const port = app.httpPort!

  const overview = await get(port, '/kshare')
  t.equal(overview.status, 200)
  t.match(overview.body, /<h1>Share groups<\/h1>/, 'the overview page')
  t.match(overview.body, new RegExp(`href="/kshare/groups/${f.groupId}"`), 'the App\'s group, linked under the prefix')
  const group = await get(port, `/kshare/groups/${f.groupId}`)
  t.equal(group.status, 200)
  t.match(group.body, new RegExp(f.topic), 'the group page names its topic')
  t.equal((await get(port, '/healthz')).status, 200, '/healthz still answers beside the dashboard')
  t.equal((await get(port, '/kshare/static/uPlot.iife.min.js')).status, 200, 'assets are served from the package under the prefix')
})
