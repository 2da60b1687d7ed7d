import { spawnSync } from 'node:child_process'
import t from 'tap'
import { App, BaseConsumer, silentLogger, type KafkaClientFactory, type Message } from '../../../framework/index.js'
import { kshareClients } from '../../../framework/kafka-clients.js'
import { testBootstrap } from '../../harness/index.js'
import { jobsFixture, waitFor } from '../../helpers/framework-setup.js'

// The App's HTTP endpoint against the real cluster: /readyz before and after the join,
// /healthz turning unhealthy when a job blocks the event loop, and /metrics that Prometheus'
// own checker (promtool, from Debian's prometheus package) accepts.

interface Report { ok: boolean, problems: string[], idle?: string[] }

async function get (port: number, path: string): Promise<{ status: number, body: string, type: string | null }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(10_000) })
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') }
}

// The real clients, with the group set-up held until `open()`: the App is up but has not joined.
function gatedClients (bootstrap: string): { clients: KafkaClientFactory, open: () => void } {
  const real = kshareClients({ bootstrapServers: bootstrap }, silentLogger)
  let open = (): void => {}
  const gate = new Promise<void>((resolve) => { open = resolve })
  return {
    clients: {
      ...real,
      admin: () => {
        const admin = real.admin()
        return { ...admin, describeGroupConfigs: async (groupId: string) => { await gate; return await admin.describeGroupConfigs(groupId) } }
      }
    },
    open
  }
}

class Blocking extends BaseConsumer<{ id: number, blockMs?: number, fail?: boolean }> {
  async consume (messages: readonly Message<{ id: number, blockMs?: number, fail?: boolean }>[]): Promise<void> {
    for (const m of messages) {
      if (m.payload.blockMs !== undefined) {
        const until = Date.now() + m.payload.blockMs
        while (Date.now() < until) { /* a job that hogs the event loop */ }
      }
      if (m.payload.fail === true) this.reject(m, new Error(`job ${m.payload.id} cannot run`))
      else this.accept(m)
    }
  }
}

t.test('/readyz before and after the join, /healthz while a job blocks the event loop, /metrics passes promtool', async (t) => {
  const jobs = [...Array.from({ length: 20 }, (_, id) => ({ id })), { id: 20, fail: true }, { id: 21, blockMs: 1500 }]
  const f = await jobsFixture(testBootstrap(), 'fw-ops', jobs, 3)
  const gated = gatedClients(f.bootstrap)
  const app = new App({
    kafka: { bootstrapServers: f.bootstrap }, logger: silentLogger, handleSignals: false, pollTimeoutMs: 500, statisticsIntervalMs: 500, concurrency: 2,
    clients: gated.clients, http: { port: 0, eventLoopBlockedMs: 300, eventLoopRecentMs: 3000 }
  })
  app.routes.draw((r) => r.shareGroup(f.groupId, (g) => {
    g.kafka({ 'share.auto.offset.reset': 'earliest' })
    g.topic(f.topic, (topic) => topic.consumer(Blocking).deadLetterQueue({ topic: f.dlqTopic }))
  }))
  let accepted = 0
  app.monitor.on('consumer.accepted', () => { accepted++ })
  const running = app.run()
  t.teardown(async () => { await app.stop(); await running })
  await waitFor('the endpoint', () => app.httpPort !== undefined, 30_000)
  const port = app.httpPort!

  const before = await get(port, '/readyz')
  t.equal(before.status, 503, '/readyz before the join: not ready')
  t.same((JSON.parse(before.body) as Report).problems, ['starting'], '...because the App is still starting')
  t.equal((await get(port, '/healthz')).status, 200, '/healthz: alive while starting')

  gated.open()
  let ready = before
  for (let i = 0; i < 300 && ready.status !== 200; i++) {
    ready = await get(port, '/readyz')
    if (ready.status !== 200) await new Promise((resolve) => setTimeout(resolve, 100))
  }
  t.equal(ready.status, 200, `/readyz after the join: ${ready.body.replace(/\s+/g, ' ')}`)

  // The job with blockMs hogs the loop for 1.5 s: no answer meanwhile, then 503 for eventLoopRecentMs.
  const seen: Array<{ status: number, report: Report }> = []
  const end = Date.now() + 60_000
  while (Date.now() < end) {
    const h = await get(port, '/healthz')
    seen.push({ status: h.status, report: JSON.parse(h.body) as Report })
    if (seen.some((s) => s.status === 503) && h.status === 200) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const sick = seen.find((s) => s.status === 503)
  t.ok(sick, '/healthz turned unhealthy')
  t.match(sick?.report.problems.join('; ') ?? '', /event loop blocked for 1[45]\d\d ms \(limit 300 ms\)/, `...saying why: ${sick?.report.problems.join('; ')}`)
  t.equal(seen.at(-1)?.status, 200, '...and healthy again once the stall is eventLoopRecentMs old')

  await waitFor('every job decided', () => accepted === 21, 60_000)
  await new Promise((resolve) => setTimeout(resolve, 1200)) // a statistics round: the lag gauge
  const metrics = await get(port, '/metrics')
  t.match(metrics.type, /^text\/plain; version=0\.0\.4/, 'Prometheus text format')
  const gt = `group="${f.groupId}",topic="${f.topic}"`
  for (const line of [
    `kshare_records_accepted_total{${gt}} 21`,
    `kshare_records_rejected_total{${gt},reason="explicit"} 1`,
    `kshare_records_dead_lettered_total{${gt}} 1`,
    `kshare_records_polled_total{${gt}} 22`,
    `kshare_client_records_fetched_total{${gt}} 22`,
    `kshare_client_acknowledgements_total{${gt},type="accept"} 21`,
    `kshare_client_acknowledgements_total{${gt},type="reject"} 1`,
    `kshare_producer_records_sent_total{topic="${f.dlqTopic}"} 1`,
    `kshare_delivery_attempts_bucket{le="1",${gt}} 22`,
    `kshare_share_group_lag{${gt},partition="0"} 0`
  ]) t.ok(metrics.body.includes(line + '\n'), line)
  t.match(metrics.body, new RegExp(`kshare_job_duration_seconds_count\\{${gt},outcome="ok"\\} [1-9]`), 'job durations')
  t.match(metrics.body, /kshare_client_requests_total\{api="ShareFetch"\} \d+/, 'client requests by API')
  t.match(metrics.body, /kshare_client_request_duration_seconds_bucket\{le="0\.1",api="(ShareAcknowledge|ShareFetch)"\}/, 'request latency histogram')
  t.match(metrics.body, /kshare_client_connections_open [1-9]/, 'open connections')
  t.match(metrics.body, /kshare_client_received_bytes_total [1-9]\d*/, 'bytes in')
  const check = spawnSync('promtool', ['check', 'metrics'], { input: metrics.body, encoding: 'utf8' })
  t.equal(check.error, undefined, 'promtool runs (install it: apt-get install prometheus)')
  t.equal(check.status, 0, `promtool check metrics accepts the exposition: ${check.stdout}${check.stderr}`)
  t.comment(metrics.body.split('\n').filter((l) => l.startsWith('kshare_records_') || l.startsWith('kshare_client_requests_total')).join('\n'))
})
