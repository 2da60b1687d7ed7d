import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { testBootstrap } from '../../harness/index.js'
import { jobsFixture, readTopic, waitFor } from '../../helpers/framework-setup.js'
import { shareGroupLag } from '../../helpers/share-setup.js'

// Proves on a real broker that two App instances in two processes share a topic's work, and
// that stopping one in the middle of its batches loses nothing: every produced record ends
// accepted or in the dead letter topic.

interface Line { event: string, partition?: number, offset?: string, reason?: string, source?: string, message?: string }

interface Worker { name: string, child: ChildProcess, lines: Line[], exited: Promise<number | null> }

const WORKER = fileURLToPath(new URL('./fixtures/jobs-worker.js', import.meta.url))

function startWorker (name: string, env: Record<string, string>): Worker {
  const child = spawn(process.execPath, [WORKER], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  const lines: Line[] = []
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(JSON.parse(line) as Line))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { name, child, lines, exited }
}

t.test('two processes share the work; stopping one mid-batch loses nothing', async (t) => {
  const total = 120
  const jobs = Array.from({ length: total }, (_, id) => ({ id, fail: id % 10 === 7 }))
  const f = await jobsFixture(testBootstrap(), 'fw-two', jobs, 3)
  const env = { KAFKA_BOOTSTRAP: f.bootstrap, JOBS_TOPIC: f.topic, JOBS_GROUP: f.groupId, JOBS_DLQ: f.dlqTopic, JOB_MS: '40' }
  const a = startWorker('a', env)
  const b = startWorker('b', env)
  t.teardown(() => { a.child.kill('SIGKILL'); b.child.kill('SIGKILL') })
  const decided = (w: Worker): Line[] => w.lines.filter((l) => l.event === 'accepted' || l.event === 'rejected')
  await waitFor('both instances working', () => decided(a).length >= 10 && decided(b).length >= 1, 90_000)
  const beforeStop = decided(a).length
  a.child.kill('SIGTERM')
  t.equal(await a.exited, 0, 'the stopped instance exits cleanly')
  t.ok(a.lines.some((l) => l.event === 'stopped'), 'after its graceful stop')
  await waitFor('every record decided', () => new Set([...decided(a), ...decided(b)].map((l) => `${l.partition}:${l.offset}`)).size === total, 90_000)
  b.child.kill('SIGTERM')
  t.equal(await b.exited, 0)

  const all = [...decided(a), ...decided(b)]
  const keys = all.map((l) => `${l.partition}:${l.offset}`)
  t.equal(new Set(keys).size, total, 'every produced record was accepted or dead-lettered')
  t.ok(decided(a).length > 0 && decided(b).length > 0, `both shared the work (a: ${decided(a).length}, b: ${decided(b).length})`)
  t.ok(decided(a).length >= beforeStop, `a decided ${decided(a).length - beforeStop} more while stopping (its running jobs finished)`)
  t.equal(keys.length - new Set(keys).size, 0, 'no record decided twice')
  const rejected = all.filter((l) => l.event === 'rejected').length
  t.equal(rejected, jobs.filter((j) => j.fail).length, 'the failing jobs were dead-lettered')
  t.same([...a.lines, ...b.lines].filter((l) => l.event === 'error'), [], 'no errors')
  const dead = await readTopic(f.bootstrap, f.dlqTopic, rejected)
  t.equal(dead.length, rejected, 'the DLQ holds them')
  const lag = await shareGroupLag(f.bootstrap, f.groupId, f.topic)
  t.same(lag.map((p) => p.lag), [0n, 0n, 0n], 'the broker agrees: nothing left')
})
