/**
 * Memory soak: the framework consuming `--records` × 1 KiB with slow jobs (`--job-ms` 5 ms of
 * async wait each, `--concurrency` 100, one record per job), sampling RSS and event-loop delay
 * every second and the live heap (after a full GC) every 10 s, on the harness cluster.
 *
 *   npm run bench:soak    (builds, then node dist/bench/soak.js [options])
 *   options: --records 1000000 --partitions 6 --concurrency 100 --job-ms 5 --out bench/results
 *
 * Each record's key is its sequence number (uint32). The topic (replication 3) is filled first
 * by kshare's Producer (untimed); then an App consumes it in a fresh share group, each job
 * waiting `--job-ms` and accepting. When every sequence number was seen the App stops, and a
 * fresh ShareConsumer polls the group for 10 s: the drain check (nothing may be left).
 * Passes when: RSS ≤ 200 MB throughout; the heap is flat after warm-up (median of the last
 * quarter of samples ≤ 1.2 × median of the second quarter); no lock expiries; lost = 0 and the
 * drain finds nothing; throughput steady (records/s over the last 10 % of records within 15 %
 * of the rate over the middle 50 %). Writes soak-<date>-<host>.svg (memory and throughput over time)
 * and soak-<date>-<host>.json into `--out`; the last line is one JSON object.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { hostname, loadavg } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { Admin, Producer, ShareConsumer, type Message as ProducerMessage } from '../index.js'
import { App, BaseConsumer, rawDeserializer, type Message } from '../framework/index.js'
import { ensureSharedBroker, releaseSharedBroker } from '../test/harness/index.js'
import { lineChart } from './svg-chart.js'

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    partitions: { type: 'string', default: '6' },
    concurrency: { type: 'string', default: '100' },
    'job-ms': { type: 'string', default: '5' },
    out: { type: 'string', default: 'bench/results' }
  }
})
const RECORDS = Number(values.records)
const PARTITIONS = Number(values.partitions)
const CONCURRENCY = Number(values.concurrency)
const JOB_MS = Number(values['job-ms'])
const RECORD_BYTES = 1024
const RSS_LIMIT_MB = 200
const STALL_MS = 60_000
const DRAIN_MS = 10_000
const MB = 1024 * 1024
/**
 * Every this many samples (seconds) the live heap is measured after a full GC. A full GC every
 * second blocked the event loop for 13-19 % of the run (CPU profile), slowing what it measured.
 */
const GC_EVERY = 10

/** Present when run with `--expose-gc` (as `npm run bench:soak` does): heap samples follow a full GC. */
const fullGc = (globalThis as { gc?: () => void }).gc

/** Which sequence numbers the jobs saw, and how often. */
const seen = new Uint8Array(RECORDS)
let unique = 0
let duplicates = 0

class SoakConsumer extends BaseConsumer<Buffer | null> {
  async consume (messages: readonly Message<Buffer | null>[]): Promise<void> {
    for (const message of messages) {
      await sleep(JOB_MS)
      const seq = message.key!.readUInt32BE(0)
      if (seen[seq]++ === 0) unique++
      else duplicates++
      this.accept(message)
    }
  }
}

async function produce (bootstrap: string, topic: string): Promise<number> {
  const producer = new Producer({ bootstrapServers: bootstrap, clientId: 'soak-producer', batchSize: 256 * 1024 })
  const value = Buffer.alloc(RECORD_BYTES, 'kshare soak ')
  const started = performance.now()
  const inFlight: Array<Promise<unknown>> = []
  for (let i = 0; i < RECORDS; i += 2000) {
    const messages: ProducerMessage[] = []
    for (let seq = i; seq < Math.min(RECORDS, i + 2000); seq++) {
      const key = Buffer.alloc(4)
      key.writeUInt32BE(seq)
      messages.push({ key, value, partition: seq % PARTITIONS })
    }
    inFlight.push(producer.send({ topic, messages }))
    if (inFlight.length >= 4) await inFlight.shift()
  }
  await Promise.all(inFlight)
  await producer.close()
  return performance.now() - started
}

/** One second of the run; `heapMb` is the live heap after a full GC, on every GC_EVERY-th sample only. */
interface Sample { t: number, rssMb: number, heapMb: number | null, loopP99Ms: number, loopMaxMs: number, accepted: number, recordsPerSec: number }

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? 0
const r1 = (x: number): number => Math.round(x * 10) / 10

async function main (): Promise<void> {
  const external = (process.env.KAFKA_BOOTSTRAP ?? '').trim() !== ''
  const { handle } = await ensureSharedBroker({ who: 'demo', userPid: process.pid, userLabel: 'bench:soak' })
  const bootstrap = handle.bootstrap
  const stamp = `${Date.now().toString(36)}-${process.pid}`
  const topic = `bench-soak-${stamp}`
  const groupId = `bench-soak-${stamp}`
  const admin = new Admin({ bootstrapServers: bootstrap, clientId: 'soak-admin' })
  const loadStart = loadavg().map(r1)
  const samples: Sample[] = []
  let produceMs = 0
  let lockExpiries = 0
  let drained = -1
  let stalled = false
  try {
    await admin.createTopics([{ name: topic, partitions: PARTITIONS, replicationFactor: Math.min(3, handle.nodes.length) }])
    produceMs = await produce(bootstrap, topic)
    process.stderr.write(`produced ${RECORDS} × ${RECORD_BYTES} B to ${topic} in ${Math.round(produceMs)} ms\n`)
    await admin.alterGroupConfigs(groupId, { 'share.auto.offset.reset': 'earliest' })

    const app = new App({ kafka: { bootstrapServers: bootstrap }, concurrency: CONCURRENCY, statisticsIntervalMs: 0 })
    app.routes.draw(r => r.shareGroup(groupId, g => {
      g.topic(topic, t => {
        t.consumer(SoakConsumer)
        t.deserializer(rawDeserializer)
        t.jobsBuilder('per_message')
      })
    }))
    const loop = monitorEventLoopDelay({ resolution: 10 })
    loop.enable()
    const running = app.run()
    const start = performance.now()
    let last = { t: 0, accepted: 0 }
    let lastProgress = start
    while (unique < RECORDS) {
      await sleep(1000)
      const now = performance.now()
      const t = (now - start) / 1000
      const accepted = unique
      if (accepted > last.accepted) lastProgress = now
      // The live heap, not garbage V8 has not collected yet: a leak shows as growth after a full GC.
      const measureHeap = samples.length % GC_EVERY === 0
      if (measureHeap) fullGc?.()
      const mem = process.memoryUsage()
      samples.push({
        t: r1(t), rssMb: r1(mem.rss / MB), heapMb: measureHeap ? r1(mem.heapUsed / MB) : null, loopP99Ms: r1(loop.percentile(99) / 1e6), loopMaxMs: r1(loop.max / 1e6),
        accepted, recordsPerSec: Math.round((accepted - last.accepted) / (t - last.t))
      })
      loop.reset()
      last = { t, accepted }
      if (now - lastProgress > STALL_MS) {
        stalled = true
        break
      }
    }
    lockExpiries = app.monitor.counters.lockExpiries
    await app.stop()
    await running
    loop.disable()
    // The drain check: a fresh consumer in the group must find nothing left.
    const drain = new ShareConsumer({ bootstrapServers: bootstrap, groupId, clientId: 'soak-drain' })
    drained = 0
    try {
      drain.subscribe([topic])
      const until = Date.now() + DRAIN_MS
      while (Date.now() < until) {
        const batch = await drain.poll(1000)
        drained += batch.length
        for (const r of batch) drain.acknowledge(r, 'release')
      }
    } finally {
      await drain.close()
    }
  } finally {
    await admin.deleteGroups([groupId]).catch(() => {})
    await admin.deleteTopics([topic]).catch(() => {})
    await admin.close()
    if (!external) await releaseSharedBroker(process.pid, () => {})
  }
  report(samples, { produceMs, lockExpiries, drained, stalled, loadStart })
}

function report (samples: Sample[], info: { produceMs: number, lockExpiries: number, drained: number, stalled: boolean, loadStart: number[] }): void {
  const lost = RECORDS - unique
  const maxRss = Math.max(...samples.map(s => s.rssMb))
  const q = Math.floor(samples.length / 4)
  const heapOf = (from: number, to?: number): number[] => samples.slice(from, to).flatMap(s => s.heapMb === null ? [] : [s.heapMb])
  const heapQ2 = median(heapOf(q, 2 * q))
  const heapQ4 = median(heapOf(3 * q))
  // Rates over spans of records: when did the job count cross 25/75 % and 90/100 %?
  const timeAt = (fraction: number): number => samples.find(s => s.accepted >= fraction * RECORDS)?.t ?? NaN
  const middleRate = 0.5 * RECORDS / (timeAt(0.75) - timeAt(0.25))
  const lastRate = 0.1 * RECORDS / (timeAt(1) - timeAt(0.9))
  const checks = {
    rssWithinLimit: maxRss <= RSS_LIMIT_MB,
    heapFlat: heapQ4 <= 1.2 * heapQ2,
    noLockExpiries: info.lockExpiries === 0,
    nothingLost: lost === 0 && info.drained === 0 && !info.stalled,
    throughputSteady: Math.abs(lastRate / middleRate - 1) <= 0.15
  }
  const pass = Object.values(checks).every(Boolean)
  const loadEnd = loadavg().map(r1)
  const date = new Date().toISOString().slice(0, 10)
  mkdirSync(values.out, { recursive: true })
  const svgPath = join(values.out, `soak-${date}-${hostname()}.svg`)
  writeFileSync(svgPath, lineChart(
    `bench:soak — ${RECORDS.toLocaleString('en')} × 1 KiB, ${CONCURRENCY} jobs of ${JOB_MS} ms; ${hostname()}, Node ${process.version}, load ${info.loadStart.join(' ')}`,
    'seconds since the App started', [
      {
        yLabel: 'MB',
        series: [
          { name: 'RSS', color: '#1f77b4', points: samples.map(s => [s.t, s.rssMb]) },
          { name: 'live heap (after a full GC)', color: '#2ca02c', points: samples.flatMap(s => s.heapMb === null ? [] : [[s.t, s.heapMb] as [number, number]]) }
        ],
        limit: { y: RSS_LIMIT_MB, label: `${RSS_LIMIT_MB} MB limit` }
      },
      { yLabel: 'records/s', series: [{ name: 'accepted/s', color: '#d62728', points: samples.map(s => [s.t, s.recordsPerSec]) }] },
      { yLabel: 'event-loop delay, ms', series: [{ name: 'p99 per second', color: '#9467bd', points: samples.map(s => [s.t, s.loopP99Ms]) }] }
    ]))
  const summary = {
    records: RECORDS, partitions: PARTITIONS, concurrency: CONCURRENCY, jobMs: JOB_MS, produceMs: Math.round(info.produceMs),
    seconds: samples.at(-1)?.t ?? 0, maxRssMb: maxRss, heapMedianMb: { secondQuarter: heapQ2, lastQuarter: heapQ4 },
    recordsPerSec: { middle: Math.round(middleRate), last10Percent: Math.round(lastRate) },
    loopP99MsMedian: median(samples.map(s => s.loopP99Ms)), lockExpiries: info.lockExpiries, lost, duplicates, drained: info.drained, stalled: info.stalled,
    checks, pass, loadavg: { start: info.loadStart, end: loadEnd }, svg: svgPath
  }
  writeFileSync(join(values.out, `soak-${date}-${hostname()}.json`), JSON.stringify({ ...summary, samples }, null, 1) + '\n')
  console.log(`soak: ${RECORDS.toLocaleString('en')} records in ${summary.seconds} s; RSS max ${maxRss} MB; heap ${heapQ2} → ${heapQ4} MB (2nd → last quarter); ` +
    `${summary.recordsPerSec.middle} → ${summary.recordsPerSec.last10Percent} records/s (middle → last 10 %); lock expiries ${info.lockExpiries}; lost ${lost}; duplicates ${duplicates}; drained ${info.drained}; load ${info.loadStart.join(' ')} → ${loadEnd.join(' ')}`)
  for (const [name, ok] of Object.entries(checks)) console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${name}`)
  console.log(`chart: ${svgPath}`)
  if (!pass) process.exitCode = 1
  console.log(JSON.stringify({ bench: 'soak', ratios: {}, ...summary }))
}

await main()
