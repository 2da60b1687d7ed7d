import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import t from 'tap'

// The swarm supervisor without a broker: a worker that keeps dying is restarted with backoff,
// the crash loop is reported (event and /healthz), and SIGTERM stops the primary.

const FIXTURE = fileURLToPath(new URL('./fixtures/crashing-swarm.js', import.meta.url))

interface Line { event: string, worker?: number, code?: number, restartInMs?: number, exits?: number, port?: number }

async function until (what: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

t.test('a crash-looping worker is restarted with backoff and reported', async (t) => {
  const child = spawn(process.execPath, [FIXTURE], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => { child.kill('SIGKILL') })
  const lines: Line[] = []
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(JSON.parse(line) as Line))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const of = (event: string): Line[] => lines.filter((l) => l.event === event)

  await until(() => of('swarm.crash_loop').length > 0 && of('http').length > 0, 30_000)
  const exits = of('swarm.worker_exited')
  t.ok(exits.length >= 3, `the worker died ${exits.length} times`)
  t.ok(exits.every((e) => e.code === 3 && typeof e.restartInMs === 'number'), 'each death was followed by a restart')
  t.ok(exits[2]!.restartInMs! > exits[0]!.restartInMs!, `the backoff grows (${exits.map((e) => e.restartInMs).join(', ')} ms)`)
  t.match(of('swarm.crash_loop')[0], { worker: 1, exits: 3 }, 'the crash loop is reported')
  const res = await fetch(`http://127.0.0.1:${of('http')[0]!.port!}/healthz`)
  const body = await res.json() as { problems: string[] }
  t.equal(res.status, 503, '/healthz fails')
  t.ok(body.problems.some((p) => /^worker 1: crash loop, \d+ exits in the last 60 s$/.test(p)), `...naming the crash loop: ${body.problems.join('; ')}`)
  child.kill('SIGTERM')
  t.equal(await exited, 0, 'SIGTERM stops the primary')
  t.equal(of('stopped').length, 1, 'its run() resolved')
})
