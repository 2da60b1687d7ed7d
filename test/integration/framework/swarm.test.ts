import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { testBootstrap } from '../../harness/index.js'
import { jobsFixture, waitFor } from '../../helpers/framework-setup.js'
import { shareGroupLag } from '../../helpers/share-setup.js'

// Swarm mode on the real cluster: a primary forks two workers that share the work, App.setup
// runs once, the primary's endpoint aggregates the workers, a worker killed with SIGKILL is
// restarted and its records come back, SIGTERM stops everything in order, nothing is left.

interface Line { pid: number, event: string, worker?: number | string, token?: string, port?: number, partition?: number, offset?: string, restartInMs?: number, isWorker?: boolean }

const APP = fileURLToPath(new URL('./fixtures/swarm-app.js', import.meta.url))

async function get (port: number, path: string): Promise<{ status: number, body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(10_000) })
  return { status: res.status, body: await res.text() }
}

t.test('a swarm of two workers: setup once, aggregated endpoint, restart after kill -9, orderly stop, nothing lost', async (t) => {
  const total = 300
  const f = await jobsFixture(testBootstrap(), 'fw-swarm', Array.from({ length: total }, (_, id) => ({ id })), 3)
  const child = spawn(process.execPath, [APP], {
    env: { ...process.env, KAFKA_BOOTSTRAP: f.bootstrap, JOBS_TOPIC: f.topic, JOBS_GROUP: f.groupId, JOB_MS: '30', PROCESSES: '2' },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const lines: Line[] = []
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(JSON.parse(line) as Line))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  t.teardown(() => { child.kill('SIGKILL') })
  const of = (event: string): Line[] => lines.filter((l) => l.event === event)

  await waitFor('the endpoint', () => of('http').length > 0, 60_000)
  const port = of('http')[0]!.port!
  await waitFor('two workers started', () => of('worker').length >= 2, 90_000)
  t.equal(of('setup').length, 1, 'App.setup ran once, in the primary')
  t.equal(of('setup')[0]!.pid, child.pid, '...the primary')
  const tokens = new Set(of('worker').map((l) => l.token))
  t.equal(tokens.size, 1, 'every worker got the same setup result')
  t.type([...tokens][0], 'string', '...the primary\'s')
  t.ok(of('worker').every((l) => l.isWorker === true && l.pid !== child.pid), 'the App runs in the workers, not in the primary')

  let ready = await get(port, '/readyz')
  for (let i = 0; ready.status !== 200 && i < 100; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200))
    ready = await get(port, '/readyz')
  }
  t.equal(ready.status, 200, `/readyz on the primary: ${ready.body}`)
  t.equal((JSON.parse(ready.body) as { workers: unknown[] }).workers.length, 2, 'it reports both workers')
  const health = await get(port, '/healthz')
  t.equal(health.status, 200, `/healthz: ${health.body}`)

  await waitFor('some records accepted', () => of('accepted').length >= 60, 90_000)
  const victim = of('swarm.worker_started').find((l) => l.worker === 1)!.pid
  process.kill(victim, 'SIGKILL')
  await waitFor('worker 1 restarted', () => of('swarm.worker_started').filter((l) => l.worker === 1).length === 2, 30_000)
  t.ok(of('swarm.worker_exited').some((l) => l.worker === 1 && typeof l.restartInMs === 'number'), 'the primary reported the death and restarted the worker')

  const accepted = (): number => new Set(of('accepted').map((l) => `${l.partition}:${l.offset}`)).size
  await waitFor('every record accepted', () => accepted() === total, 120_000)
  const metrics = await get(port, '/metrics')
  t.match(metrics.body, /kshare_swarm_workers 2/, 'the primary counts its workers')
  t.match(metrics.body, /kshare_swarm_restarts_total 1/, '...and the restart')
  t.match(metrics.body, new RegExp(`kshare_records_accepted_total\\{group="${f.groupId}",topic="${f.topic}"\\} \\d+`), 'the workers\' metrics, aggregated')

  child.kill('SIGTERM')
  t.equal(await exited, 0, 'the primary exits cleanly after SIGTERM')
  const stopped = of('stopped')
  t.equal(stopped.filter((l) => l.isWorker === true).length, 2, 'both workers stopped in order (their run() resolved)')
  t.equal(stopped.filter((l) => l.isWorker === false).length, 1, '...then the primary')
  const lag = await shareGroupLag(f.bootstrap, f.groupId, f.topic)
  t.same(lag.map((p) => p.lag), [0n, 0n, 0n], 'the broker agrees: nothing left, nothing lost')
  const keys = of('accepted').map((l) => `${l.partition}:${l.offset}`)
  t.comment(`accepted ${keys.length} times for ${total} records: ${keys.length - total} again after the kill (processed by the dead worker, its acks never sent)`)
})
