/**
 * Share-group scaling: records/s and client CPU for 1, 2 and 4 consumers × 3, 12 and 48
 * partitions, kshare (one `ShareConsumer` per process) and Kafka's ShareConsumerPerformance
 * (one JVM, `--threads` consumers), on the harness cluster (3 nodes by default).
 *
 *   npm run bench:share-scale    (builds, then node dist/bench/share-scale.js [options])
 *   options: --records 60000 --consumers 1,2,4 --partitions 3,12,48 --tools kshare,java
 *            --out bench/results
 *
 * One topic per partition count (RF 3 where there are 3 nodes), filled once with `--records`
 * × 1 KiB. Each cell consumes the whole topic in a fresh share group (auto offset reset
 * earliest), the tools alternating. kshare: N processes of bench/share-consume-client.js in
 * implicit-acknowledgement mode, each stopping 3 s after its last record once the others have
 * the rest; records/s = records / (last record of any process − first clock start), and the
 * group must then show lag 0 on every partition. Java: one ShareConsumerPerformance with
 * `--threads N` (its clock, from its start to its result line, as bench:share-consume).
 * CPU = user + system of all the tool's processes per million records, start-up included.
 * Writes share-scale-<date>-<host>.svg and .json into `--out`; the last line is one JSON object,
 * ratios kshare / Java per cell.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { hostname, loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Admin, Producer, type Message } from '../index.js'
import { ensureSharedBroker, kafkaToolClass, kafkaToolCommand, releaseSharedBroker } from '../test/harness/index.js'
import { runProcess } from './run-process.js'
import type { RunConfig, RunResult } from './share-consume-client.js'
import { lineChart } from './svg-chart.js'

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '60000' },
    consumers: { type: 'string', default: '1,2,4' },
    partitions: { type: 'string', default: '3,12,48' },
    tools: { type: 'string', default: 'kshare,java' },
    out: { type: 'string', default: 'bench/results' }
  }
})
const RECORDS = Number(values.records)
const CONSUMERS = values.consumers.split(',').map(Number)
const PARTITIONS = values.partitions.split(',').map(Number)
const TOOLS = values.tools.split(',') as Array<'kshare' | 'java'>
const RUN_TIMEOUT_MS = 600_000
const IDLE_TIMEOUT_MS = 30_000
const DRAIN_IDLE_MS = 3000
const here = dirname(fileURLToPath(import.meta.url))
const r2 = (x: number): number => Math.round(x * 100) / 100

interface Cell { tool: string, consumers: number, partitions: number, recordsPerSec: number | null, cpuSecondsPerMillion: number | null, load1: number, error: string | null }

async function produce (bootstrap: string, topic: string, partitions: number): Promise<void> {
  const producer = new Producer({ bootstrapServers: bootstrap, clientId: 'scale-producer', batchSize: 256 * 1024 })
  const value = Buffer.alloc(1024, 'kshare share-scale ')
  for (let i = 0; i < RECORDS; i += 5000) {
    const messages: Message[] = []
    for (let j = i; j < Math.min(RECORDS, i + 5000); j++) messages.push({ value, partition: j % partitions })
    await producer.send({ topic, messages })
  }
  await producer.close()
}

/** Lag 0 on every partition, or what is left. */
async function leftOver (admin: Admin, groupId: string): Promise<string | null> {
  const offsets = await admin.describeShareGroupOffsets(groupId)
  const behind = offsets.filter(o => o.lag !== null && o.lag !== 0n)
  return behind.length === 0 && offsets.length > 0 ? null : `lag on ${behind.length} of ${offsets.length} partitions`
}

async function kshareCell (base: Omit<RunConfig, 'tool'>, consumers: number): Promise<{ ms: number, cpu: number | null, error: string | null }> {
  const cfg: RunConfig = { ...base, tool: 'kshare', drainIdleMs: DRAIN_IDLE_MS }
  const outs = await Promise.all(Array.from({ length: consumers }, async () =>
    await runProcess(process.execPath, [join(here, 'share-consume-client.js'), JSON.stringify(cfg)], RUN_TIMEOUT_MS)))
  const results = outs.map(o => o.lines.map(l => l.text).filter(t => t.startsWith('{')).pop()).map(l => l === undefined ? null : JSON.parse(l) as RunResult)
  const failed = results.find(r => r === null || r.error !== null)
  if (failed !== undefined) return { ms: -1, cpu: null, error: failed?.error ?? 'a client printed no result' }
  const ok = results as RunResult[]
  const delivered = ok.reduce((n, r) => n + r.delivered, 0)
  const start = Math.min(...ok.map(r => r.startEpochMs!))
  const end = Math.max(...ok.filter(r => r.lastRecordMs >= 0).map(r => r.startEpochMs! + r.lastRecordMs))
  const cpu = outs.every(o => o.cpuSeconds !== null) ? outs.reduce((s, o) => s + o.cpuSeconds!, 0) : null
  return { ms: end - start, cpu, error: delivered < RECORDS ? `delivered ${delivered} of ${RECORDS}` : null }
}

async function javaCell (cfg: Omit<RunConfig, 'tool'>, consumers: number): Promise<{ ms: number, cpu: number | null, error: string | null }> {
  const cmd = await kafkaToolCommand(kafkaToolClass('kafka-share-consumer-perf-test'), [
    '--bootstrap-server', cfg.bootstrap, '--topic', cfg.topic, '--group', cfg.groupId, '--num-records', String(RECORDS),
    '--threads', String(consumers), '--timeout', String(IDLE_TIMEOUT_MS), '--date-format', 'yyyy-MM-dd\'T\'HH:mm:ss.SSSXXX',
    '--command-property', 'share.acknowledgement.mode=implicit', '--command-property', `max.poll.records=${cfg.maxPollRecords}`
  ])
  const args = ['-Xmx512M', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', ...cmd.args.filter(a => !a.startsWith('-Xmx') && a !== '-XX:+UseSerialGC')]
  const { code, lines, stderr, cpuSeconds } = await runProcess(cmd.command, args, RUN_TIMEOUT_MS)
  // The total row: start.time, end.time, MB, MB.sec, nMsg.sec, nMsg, fetch.time.ms
  const row = lines.find(l => /^\d{4}-\d\d-\d\dT.*, .*, [\d.]+, [\d.]+, [\d.]+, \d+, \d+$/.test(l.text))
  if (code !== 0 || row === undefined) return { ms: -1, cpu: null, error: `ShareConsumerPerformance exited with ${code}: ${stderr.trim().split('\n').slice(-2).join(' | ')}` }
  const f = row.text.split(', ')
  const delivered = Number(f[5])
  return { ms: row.at - Date.parse(f[0]!), cpu: cpuSeconds, error: delivered < RECORDS ? `consumed ${delivered}` : null }
}

async function main (): Promise<void> {
  const external = (process.env.KAFKA_BOOTSTRAP ?? '').trim() !== ''
  const { handle } = await ensureSharedBroker({ who: 'demo', userPid: process.pid, userLabel: 'bench:share-scale' })
  const bootstrap = handle.bootstrap
  const admin = new Admin({ bootstrapServers: bootstrap, clientId: 'scale-admin' })
  const stamp = `${Date.now().toString(36)}-${process.pid}`
  const cells: Cell[] = []
  const groups: string[] = []
  const topics: string[] = []
  const loadStart = loadavg().map(x => Math.round(x * 10) / 10)
  try {
    for (const partitions of PARTITIONS) {
      const topic = `bench-scale-${partitions}-${stamp}`
      topics.push(topic)
      await admin.createTopics([{ name: topic, partitions, replicationFactor: Math.min(3, handle.nodes.length) }])
      await produce(bootstrap, topic, partitions)
      const perPartition = Array.from({ length: partitions }, (_, p) => Math.floor(RECORDS / partitions) + (p < RECORDS % partitions ? 1 : 0))
      for (const consumers of CONSUMERS) {
        for (const tool of TOOLS) {
          const groupId = `bench-scale-${tool}-${partitions}-${consumers}-${stamp}`
          groups.push(groupId)
          await admin.alterGroupConfigs(groupId, { 'share.auto.offset.reset': 'earliest' })
          const base = { bootstrap, topic, groupId, records: RECORDS, perPartition, maxPollRecords: 500, fetchMaxBytes: 1048576, fetchMaxWaitMs: 500, kafkatsConcurrency: 1, idleTimeoutMs: IDLE_TIMEOUT_MS }
          const load1 = Math.round(loadavg()[0]! * 10) / 10
          const r = tool === 'kshare' ? await kshareCell(base, consumers) : await javaCell(base, consumers)
          const error = r.error ?? await leftOver(admin, groupId)
          const cell: Cell = {
            tool, consumers, partitions, load1, error,
            recordsPerSec: error === null ? Math.round(RECORDS / (r.ms / 1000)) : null,
            cpuSecondsPerMillion: error === null && r.cpu !== null ? r2(r.cpu / RECORDS * 1e6) : null
          }
          cells.push(cell)
          process.stderr.write(`${String(partitions).padStart(2)} partitions ${consumers} consumers ${tool.padEnd(6)} ${error === null ? `${cell.recordsPerSec!.toLocaleString('en')} records/s, CPU ${cell.cpuSecondsPerMillion} s/1M` : `FAILED: ${error}`}  load ${load1}\n`)
        }
      }
    }
  } finally {
    await admin.deleteGroups(groups).catch(() => [])
    await admin.deleteTopics(topics).catch(() => {})
    await admin.close()
    if (!external) await releaseSharedBroker(process.pid, () => {})
  }
  const loadEnd = loadavg().map(x => Math.round(x * 10) / 10)
  const date = new Date().toISOString().slice(0, 10)
  console.log(`share-scale: Node ${process.version}, ${RECORDS.toLocaleString('en')} records × 1 KiB per cell, ${handle.nodes.length} broker nodes; load ${loadStart.join(' ')} → ${loadEnd.join(' ')}`)
  console.log('partitions  consumers  ' + TOOLS.map(t => `${t} records/s (CPU s/1M)`.padEnd(30)).join(''))
  for (const partitions of PARTITIONS) {
    for (const consumers of CONSUMERS) {
      const row = TOOLS.map(tool => {
        const c = cells.find(x => x.tool === tool && x.partitions === partitions && x.consumers === consumers)
        return (c?.recordsPerSec == null ? 'FAILED' : `${c.recordsPerSec.toLocaleString('en')} (${c.cpuSecondsPerMillion ?? '?'})`).padEnd(30)
      }).join('')
      console.log(`${String(partitions).padStart(10)}  ${String(consumers).padStart(9)}  ${row}`)
    }
  }
  const colors = ['#1f77b4', '#2ca02c', '#d62728', '#ff7f0e', '#9467bd', '#8c564b']
  const series = (metric: 'recordsPerSec' | 'cpuSecondsPerMillion'): Array<{ name: string, color: string, points: Array<[number, number]> }> =>
    TOOLS.flatMap((tool, ti) => PARTITIONS.map((partitions, pi) => ({
      name: `${tool}, ${partitions} partitions`,
      color: colors[(ti * PARTITIONS.length + pi) % colors.length]!,
      points: cells.filter(c => c.tool === tool && c.partitions === partitions && c[metric] !== null).map(c => [c.consumers, c[metric]!] as [number, number])
    })))
  mkdirSync(values.out, { recursive: true })
  const svg = join(values.out, `share-scale-${date}-${hostname()}.svg`)
  writeFileSync(svg, lineChart(`bench:share-scale — ${RECORDS.toLocaleString('en')} × 1 KiB per cell; ${hostname()}, Node ${process.version}, load ${loadStart.join(' ')}`,
    'consumers (kshare: processes; Java: --threads)', [
      { yLabel: 'records/s', series: series('recordsPerSec') },
      { yLabel: 'client CPU s per 1M records', series: series('cpuSecondsPerMillion') }
    ]))
  const ratios = Object.fromEntries(PARTITIONS.flatMap(p => CONSUMERS.map(n => {
    const ours = cells.find(c => c.tool === 'kshare' && c.partitions === p && c.consumers === n)?.recordsPerSec
    const theirs = cells.find(c => c.tool === 'java' && c.partitions === p && c.consumers === n)?.recordsPerSec
    return [`java@${p}p×${n}`, ours == null || theirs == null ? null : r2(ours / theirs)]
  })))
  const result = { bench: 'share-scale', ratios, records: RECORDS, nodes: handle.nodes.length, loadavg: { start: loadStart, end: loadEnd }, svg, cells }
  writeFileSync(join(values.out, `share-scale-${date}-${hostname()}.json`), JSON.stringify(result, null, 1) + '\n')
  console.log(`chart: ${svg}`)
  if (cells.some(c => c.error !== null)) process.exitCode = 1
  console.log(JSON.stringify(result))
}

await main()
