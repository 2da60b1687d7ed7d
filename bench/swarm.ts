/**
 * Swarm mode on the harness cluster: `--records` sequence-numbered records, consumed by
 * `bench/swarm-app.ts` (a ~2 ms CPU-bound job per record) with `processes` = each of
 * `--processes`; records/s per run. With `--kill`, one more run with the largest process
 * count in which one worker gets SIGKILL a third of the way through. Every run ends by
 * draining the group and checking lag 0, and counts every record: lost must be 0.
 *
 *   npm run bench:swarm -- [--records 100000] [--processes 1,2,4] [--kill] [--hash-ms 2] [--rounds N]
 *
 * The job's sha256 rounds are calibrated to `--hash-ms` at start (or fixed with `--rounds`).
 * Each run also reports the CPU time the swarm (primary and workers) used, from this
 * process's reaped-children times in /proc/self/stat: on a machine shared with other work,
 * `cores used` shows how much CPU the workers actually got.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Producer } from '../client/producer.js'
import { ShareConsumer } from '../client/share-consumer.js'
import { ensureSharedBroker, releaseSharedBroker } from '../test/harness/index.js'
import { createTopic, setGroupConfigs, shareGroupLag, uniqueName } from '../test/helpers/share-setup.js'

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    processes: { type: 'string', default: '1,2,4' },
    kill: { type: 'boolean', default: false },
    'hash-ms': { type: 'string', default: '2' },
    rounds: { type: 'string' },
    partitions: { type: 'string', default: '6' }
  }
})
const RECORDS = Number(values.records)
const PARTITIONS = Number(values.partitions)
const APP = fileURLToPath(new URL('./swarm-app.js', import.meta.url))

/** sha256 rounds that take `ms` on this machine now (median of a few trials). */
function calibrate (ms: number): number {
  const rounds = 2000
  const trials: number[] = []
  for (let i = 0; i < 7; i++) {
    let h = Buffer.from('calibrate')
    const t0 = performance.now()
    for (let j = 0; j < rounds; j++) h = createHash('sha256').update(h).digest()
    trials.push((performance.now() - t0) / rounds)
  }
  trials.sort((a, b) => a - b)
  return Math.max(1, Math.round(ms / trials[3]!))
}

async function produce (bootstrap: string, topic: string): Promise<void> {
  const producer = new Producer({ bootstrapServers: bootstrap, lingerMs: 5 })
  try {
    const chunk = 5000
    for (let from = 0; from < RECORDS; from += chunk) {
      const messages = []
      for (let seq = from; seq < Math.min(RECORDS, from + chunk); seq++) messages.push({ value: String(seq), partition: seq % PARTITIONS })
      await producer.send({ topic, messages })
    }
  } finally {
    await producer.close()
  }
}

// CPU seconds (user + system) of this process's children that have been waited for (Linux).
function childrenCpuSeconds (): number {
  const stat = readFileSync('/proc/self/stat', 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // After the command: state is field 3; cutime and cstime are fields 16 and 17, in clock ticks (100/s).
  return (Number(fields[13]) + Number(fields[14])) / 100
}

interface Run { cpuSeconds: number, coresUsed: number, cpuMsPerRecord: number, processes: number, kill: boolean, recordsPerSec: number, seconds: number, handedOut: number, duplicates: number, drained: number, lost: number, neverConsumed: number, lag: string, restarts: number, killed?: number }

/** Reads the workers' logs: every consumed seq (with repeats) and the first/last job time. */
function readLogs (dir: string): { seqs: number[], first: number, last: number } {
  const seqs: number[] = []
  let first = Infinity
  let last = 0
  for (const file of readdirSync(dir)) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (line === '') continue
      const [t, ...rest] = line.split(' ')
      const at = Number(t)
      first = Math.min(first, at)
      last = Math.max(last, at)
      for (const s of rest) seqs.push(Number(s))
    }
  }
  return { seqs, first, last }
}

async function drain (bootstrap: string, groupId: string, topic: string): Promise<number[]> {
  const consumer = new ShareConsumer({ bootstrapServers: bootstrap, groupId, acknowledgementMode: 'explicit' })
  const seqs: number[] = []
  consumer.subscribe([topic])
  const end = Date.now() + 60_000
  try {
    let quietSince = Date.now()
    while (Date.now() < end) {
      const batch = await consumer.poll(1000)
      for (const r of batch) {
        seqs.push(Number(String(r.value)))
        consumer.acknowledge(r, 'accept')
      }
      if (batch.length > 0) quietSince = Date.now()
      await consumer.commitSync()
      const lag = await shareGroupLag(bootstrap, groupId, topic)
      if (lag.every((p) => p.lag === 0n) && Date.now() - quietSince > 2000) break
    }
  } finally {
    await consumer.close()
  }
  return seqs
}

async function run (bootstrap: string, processes: number, kill: boolean, iterations: number): Promise<Run> {
  const topic = uniqueName('swarm-bench')
  const groupId = uniqueName('swarm-bench-g')
  await createTopic(bootstrap, topic, PARTITIONS)
  await setGroupConfigs(bootstrap, groupId, { 'share.auto.offset.reset': 'earliest', 'share.record.lock.duration.ms': '15000' })
  await produce(bootstrap, topic)
  const dir = mkdtempSync(join(tmpdir(), 'kshare-swarm-'))
  const cpuBefore = childrenCpuSeconds()
  const wallStart = Date.now()
  const child = spawn(process.execPath, [APP, '--processes', String(processes)], {
    env: { ...process.env, BENCH_BOOTSTRAP: bootstrap, BENCH_TOPIC: topic, BENCH_GROUP: groupId, BENCH_LOG_DIR: dir, BENCH_HASH_ITERATIONS: String(iterations) },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const pids = new Map<number, number>()
  let restarts = 0
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const e = JSON.parse(line) as { event: string, worker: number, pid: number, restartInMs?: number }
    if (e.event === 'swarm.worker_started') pids.set(e.worker, e.pid)
    if (e.event === 'swarm.worker_exited' && e.restartInMs !== undefined) restarts++
  })
  let killed: number | undefined
  const started = Date.now()
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const distinct = new Set(readLogs(dir).seqs).size
    if (kill && killed === undefined && distinct >= RECORDS / 3) {
      killed = pids.get(1)
      if (killed !== undefined) {
        process.kill(killed, 'SIGKILL')
        console.log(`  killed worker 1 (pid ${killed}) with SIGKILL at ${distinct} records`)
      }
    }
    if (distinct >= RECORDS) break
    if (Date.now() - started > 30 * 60_000) throw new Error(`only ${distinct} of ${RECORDS} records consumed after 30 min`)
  }
  child.kill('SIGTERM')
  const code = await exited
  const cpuSeconds = childrenCpuSeconds() - cpuBefore
  const wallSeconds = (Date.now() - wallStart) / 1000
  if (code !== 0) console.log(`  the swarm primary exited with code ${code}`)
  const { seqs, first, last } = readLogs(dir)
  rmSync(dir, { recursive: true, force: true })
  const drained = await drain(bootstrap, groupId, topic)
  const lag = await shareGroupLag(bootstrap, groupId, topic)
  const workers = new Set(seqs)
  const all = new Set([...seqs, ...drained])
  let lost = 0
  let neverConsumed = 0
  for (let seq = 0; seq < RECORDS; seq++) {
    if (!all.has(seq)) lost++
    if (!workers.has(seq)) neverConsumed++
  }
  const seconds = (last - first) / 1000
  return {
    cpuSeconds: Math.round(cpuSeconds), coresUsed: Math.round(cpuSeconds / wallSeconds * 100) / 100, cpuMsPerRecord: Math.round(cpuSeconds * 1000 / RECORDS * 100) / 100,
    processes, kill, recordsPerSec: Math.round(RECORDS / seconds), seconds: Math.round(seconds * 10) / 10, handedOut: seqs.length,
    duplicates: seqs.length + drained.length - all.size, drained: drained.length, lost, neverConsumed,
    lag: lag.map((p) => String(p.lag)).join(','), restarts, killed
  }
}

async function main (): Promise<void> {
  const { handle } = await ensureSharedBroker({ who: 'demo', userPid: process.pid, userLabel: 'bench:swarm' })
  try {
    const iterations = values.rounds !== undefined ? Number(values.rounds) : calibrate(Number(values['hash-ms']))
    console.log(`cluster ${handle.bootstrap} (${handle.nodes.length} node(s)); ${RECORDS} records on ${PARTITIONS} partitions; job: ${iterations} sha256 rounds (~${values['hash-ms']} ms) per record`)
    const runs: Run[] = []
    const counts = values.processes.split(',').map(Number)
    const plan = counts.map((n) => ({ n, kill: false }))
    if (values.kill) plan.push({ n: Math.max(...counts), kill: true })
    for (const { n, kill } of plan) {
      console.log(`processes: ${n}${kill ? ', kill -9 one worker' : ''}`)
      const r = await run(handle.bootstrap, n, kill, iterations)
      console.log(`  ${JSON.stringify(r)}`)
      runs.push(r)
    }
    console.log('\n| processes | kill -9 | records/s | s | CPU s | cores used | CPU ms/record | handed out | duplicates | drained | lost | never consumed by workers | lag after | restarts |')
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|')
    for (const r of runs) {
      console.log(`| ${r.processes} | ${r.kill ? 'yes' : 'no'} | ${r.recordsPerSec} | ${r.seconds} | ${r.cpuSeconds} | ${r.coresUsed} | ${r.cpuMsPerRecord} | ${r.handedOut} | ${r.duplicates} | ${r.drained} | ${r.lost} | ${r.neverConsumed} | ${r.lag} | ${r.restarts} |`)
    }
    if (runs.some((r) => r.lost > 0 || r.lag.split(',').some((l) => l !== '0'))) process.exitCode = 1
  } finally {
    if (handle.mode !== 'external') await releaseSharedBroker(process.pid, () => {})
  }
}

await main()
