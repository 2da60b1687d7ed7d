import t from 'tap'
import { liveness, readiness, type ListenerProbe } from '../../../framework/ops/health.js'
import { OpsHttpServer, sendJson } from '../../../framework/ops/http-server.js'

const LIMITS = { eventLoopBlockedMs: 1000, eventLoopRecentMs: 10_000, pollStuckMs: 31_000 }
const probe = (over: Partial<ListenerProbe> = {}): ListenerProbe => ({
  groupId: 'g', topic: 'jobs', phase: 'waiting', since: 0, membership: { joined: true, joinedAt: 0, partitions: 3, assignedOnce: true }, ...over
})

t.test('liveness: a recent event loop stall fails, an old one does not', async (t) => {
  t.same(liveness(5000, { ms: 1500, at: 4000 }, [probe()], LIMITS, false), { ok: false, problems: ['event loop blocked for 1500 ms (limit 1000 ms), 1 s ago'] })
  t.equal(liveness(20_000, { ms: 1500, at: 4000 }, [probe()], LIMITS, false).ok, true, 'older than eventLoopRecentMs')
  t.equal(liveness(5000, { ms: 900, at: 4000 }, [probe()], LIMITS, false).ok, true, 'shorter than the limit')
})

t.test('liveness: a poll that does not return, or a loop that ended, names its listener', async (t) => {
  t.same(liveness(40_000, undefined, [probe({ phase: 'polling', since: 1000 })], LIMITS, false).problems, ['listener g/jobs: poll has not returned for 39 s'])
  t.equal(liveness(40_000, undefined, [probe({ phase: 'waiting', since: 1000 })], LIMITS, false).ok, true, 'waiting for workers (long jobs) is not stuck')
  t.same(liveness(0, undefined, [probe({ phase: 'stopped' })], LIMITS, false).problems, ['listener g/jobs: its poll loop has ended'])
  t.equal(liveness(0, undefined, [probe({ phase: 'stopped' })], LIMITS, true).ok, true, 'unless the App is stopping')
})

t.test('readiness: started, joined and assigned; idle after idleAfterMs without partitions', async (t) => {
  t.same(readiness(0, false, false, [], 30_000), { ok: false, problems: ['starting'], idle: [] })
  t.same(readiness(0, true, true, [probe()], 30_000).problems, ['stopping'])
  t.same(readiness(0, true, false, [probe()], 30_000), { ok: true, problems: [], idle: [] })
  const unjoined = probe({ membership: { joined: false, joinedAt: 0, partitions: 0, assignedOnce: false } })
  t.same(readiness(0, true, false, [unjoined], 30_000).problems, ['listener g/jobs: not joined to its share group yet'])
  const empty = probe({ membership: { joined: true, joinedAt: 1000, partitions: 0, assignedOnce: false } })
  t.same(readiness(2000, true, false, [empty], 30_000).problems, ['listener g/jobs: joined, no partitions assigned yet'])
  t.same(readiness(31_000, true, false, [empty], 30_000), { ok: true, problems: [], idle: ['g/jobs'] })
  t.equal(readiness(0, true, false, [probe({ membership: undefined })], 30_000).ok, true, 'a client that cannot tell does not block readiness')
})

t.test('the HTTP server: exact and prefix routes, 404, a throwing handler gets 500', async (t) => {
  const server = new OpsHttpServer()
    .route('/healthz', (_req, res) => sendJson(res, 200, { ok: true }))
    .route('/dashboard/*', (req, res) => sendJson(res, 200, { path: req.url }))
    .route('/boom', () => { throw new Error('boom') })
  const port = await server.listen(0, '127.0.0.1')
  t.teardown(async () => { await server.close() })
  const get = async (path: string): Promise<[number, unknown]> => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`)
    return [res.status, await res.json()]
  }
  t.same(await get('/healthz'), [200, { ok: true }])
  t.same(await get('/dashboard'), [200, { path: '/dashboard' }])
  t.same(await get('/dashboard/app.js?v=1'), [200, { path: '/dashboard/app.js?v=1' }])
  t.same(await get('/dashboardx'), [404, { error: 'no route /dashboardx' }])
  t.same(await get('/boom'), [500, { error: 'boom' }])
})
