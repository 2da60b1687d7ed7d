/**
 * Produce benchmark: records/s and client CPU to produce `--records` × 1 KiB with acks=all and
 * idempotence, uncompressed and gzip, kshare's Producer against Kafka's ProducerPerformance
 * (from the harness jars), @kafkats/client and @platformatic/kafka, on the harness cluster.
 *
 *   npm run bench:produce    (builds, then node dist/bench/produce.js [options])
 *   options: --records 1000000 --record-bytes 1024 --partitions 3 --replication 3 --rounds 3
 *            --codecs none,gzip --tools kshare,java,kafkats,platformatic --chunk 1000 --in-flight 4
 *            --batch-size <bytes>   (kshare batchSize and Java batch.size; default: their 16 KiB)
 *
 * Broker: KAFKA_BOOTSTRAP if set, else the harness's shared broker (3 nodes by default; started
 * if none runs, stopped again if this run started it). Every run writes to a fresh topic
 * (deleted after), each tool in a process of its own, alternating the tools in each round.
 * Each tool runs with its own defaults apart from acks=all, idempotence and the codec (batch
 * size 16 KiB and linger 5 ms for kshare, Java and kafkats). The Node tools get the records in
 * send calls of `--chunk` records, at most `--in-flight` calls unsettled (platformatic: 1 — it
 * breaks its own idempotent sequence numbers with concurrent sends, "out of order sequence
 * number"); see bench/produce-client.ts. Java's figure is its own records/sec (first send to
 * last acknowledgement, JVM start excluded). CPU: user + system of the whole client process
 * per million records (start-up included). Medians over rounds; the last line is one JSON
 * object whose ratios are kshare / peer records/s, uncompressed (gzip under `gzipRatios`).
 */
import { loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Admin } from '../index.js'
import { ensureSharedBroker, kafkaToolCommand, releaseSharedBroker } from '../test/harness/index.js'
import type { RunConfig, RunResult } from './produce-client.js'
import { runProcess } from './run-process.js'

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    'record-bytes': { type: 'string', default: '1024' },
    partitions: { type: 'string', default: '3' },
    replication: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    codecs: { type: 'string', default: 'none,gzip' },
    tools: { type: 'string', default: 'kshare,java,kafkats,platformatic' },
    chunk: { type: 'string', default: '1000' },
    'in-flight': { type: 'string', default: '4' },
    'batch-size': { type: 'string' }
  }
})
type Tool = 'kshare' | 'java' | 'kafkats' | 'platformatic'
type Codec = 'none' | 'gzip'
const RECORDS = Number(values.records)
const RECORD_BYTES = Number(values['record-bytes'])
const PARTITIONS = Number(values.partitions)
const REPLICATION = Number(values.replication)
const ROUNDS = Number(values.rounds)
const CHUNK = Number(values.chunk)
const IN_FLIGHT = Number(values['in-flight'])
const BATCH_SIZE = values['batch-size'] === undefined ? undefined : Number(values['batch-size'])
const TOOLS = values.tools.split(',') as Tool[]
const CODECS = values.codecs.split(',') as Codec[]
for (const [name, n] of Object.entries({ RECORDS, RECORD_BYTES, PARTITIONS, REPLICATION, ROUNDS, CHUNK, IN_FLIGHT, BATCH_SIZE: BATCH_SIZE ?? 1 })) {
  if (!(Number.isInteger(n) && n > 0)) throw new Error(`${name} must be a positive integer, got ${n}`)
}
for (const tool of TOOLS) if (!['kshare', 'java', 'kafkats', 'platformatic'].includes(tool)) throw new Error(`unknown tool ${tool}`)
for (const codec of CODECS) if (!['none', 'gzip'].includes(codec)) throw new Error(`unknown codec ${codec}: none or gzip`)
const RUN_TIMEOUT_MS = 900_000
const here = dirname(fileURLToPath(import.meta.url))
const median = (xs: number[]): number | null => xs.length === 0 ? null : [...xs].sort((a, b) => a - b)[xs.length >> 1]!
const round2 = (x: number): number => Math.round(x * 100) / 100

interface Run { round: number, recordsPerSec: number | null, cpuSecondsPerMillion: number | null, load1: number, error: string | null }

async function runNode (tool: Exclude<Tool, 'java'>, cfg: RunConfig): Promise<{ ms: number, cpuSeconds: number | null, error: string | null }> {
  const { code, lines, stderr, cpuSeconds } = await runProcess(process.execPath, [join(here, 'produce-client.js'), JSON.stringify(cfg)], RUN_TIMEOUT_MS)
  const last = lines.map(l => l.text).filter(t => t.startsWith('{')).pop()
  if (last === undefined) return { ms: -1, cpuSeconds, error: `${tool} client exited with ${code}: ${stderr.trim().split('\n').slice(-2).join(' | ')}` }
  const result = JSON.parse(last) as RunResult
  return { ms: result.ms, cpuSeconds, error: result.error }
}

async function runJava (bootstrap: string, topic: string, codec: Codec): Promise<{ ms: number, cpuSeconds: number | null, error: string | null }> {
  const cmd = await kafkaToolCommand('org.apache.kafka.tools.ProducerPerformance', [
    '--topic', topic, '--num-records', String(RECORDS), '--record-size', String(RECORD_BYTES), '--throughput', '-1',
    '--producer-props', `bootstrap.servers=${bootstrap}`, 'acks=all', 'enable.idempotence=true', `compression.type=${codec}`,
    ...(BATCH_SIZE !== undefined ? [`batch.size=${BATCH_SIZE}`] : [])
  ])
  // bin/kafka-producer-perf-test.sh: -Xmx512M and kafka-run-class.sh's G1 flags.
  const args = ['-Xmx512M', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35',
    ...cmd.args.filter(a => !a.startsWith('-Xmx') && a !== '-XX:+UseSerialGC')]
  const { code, lines, stderr, cpuSeconds } = await runProcess(cmd.command, args, RUN_TIMEOUT_MS)
  // "N records sent, X records/sec (Y MB/sec), ..." is the final summary.
  const summary = lines.map(l => l.text).reverse().find(t => /^\d+ records sent, [\d.]+ records\/sec/.test(t))
  if (code !== 0 || summary === undefined) return { ms: -1, cpuSeconds, error: `ProducerPerformance exited with ${code}: ${stderr.trim().split('\n').slice(-2).join(' | ')}` }
  const [sent, perSec] = summary.split(/ records sent, | records\/sec/).map(Number) as [number, number]
  return { ms: sent / perSec * 1000, cpuSeconds, error: sent === RECORDS ? null : `sent ${sent} of ${RECORDS}` }
}

async function main (): Promise<void> {
  const external = (process.env.KAFKA_BOOTSTRAP ?? '').trim() !== ''
  const { handle } = await ensureSharedBroker({ who: 'demo', userPid: process.pid, userLabel: 'bench:produce' })
  const bootstrap = handle.bootstrap
  const admin = new Admin({ bootstrapServers: bootstrap, clientId: 'bench-admin' })
  const stamp = `${Date.now().toString(36)}-${process.pid}`
  const runs: Record<Codec, Record<Tool, Run[]>> = Object.fromEntries(CODECS.map(c => [c, Object.fromEntries(TOOLS.map(t => [t, []]))])) as unknown as Record<Codec, Record<Tool, Run[]>>
  const loadStart = loadavg().map(x => Math.round(x * 10) / 10)
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const codec of CODECS) {
        for (const tool of TOOLS) {
          const topic = `bench-produce-${tool}-${codec}-${round}-${stamp}`
          await admin.createTopics([{ name: topic, partitions: PARTITIONS, replicationFactor: REPLICATION }])
          const load1 = Math.round(loadavg()[0]! * 10) / 10
          const cfg: RunConfig = {
            tool: tool as RunConfig['tool'], bootstrap, topic, partitions: PARTITIONS, records: RECORDS, recordBytes: RECORD_BYTES,
            compression: codec, chunk: CHUNK, inFlight: tool === 'platformatic' ? 1 : IN_FLIGHT, ...(BATCH_SIZE !== undefined ? { batchSize: BATCH_SIZE } : {})
          }
          const r = tool === 'java' ? await runJava(bootstrap, topic, codec) : await runNode(tool, cfg)
          await admin.deleteTopics([topic]).catch(() => {})
          const ok = r.error === null && r.ms > 0
          const run: Run = {
            round, load1, error: r.error,
            recordsPerSec: ok ? Math.round(RECORDS / (r.ms / 1000)) : null,
            cpuSecondsPerMillion: ok && r.cpuSeconds !== null ? round2(r.cpuSeconds / RECORDS * 1e6) : null
          }
          runs[codec][tool].push(run)
          process.stderr.write(`round ${round} ${codec.padEnd(4)} ${tool.padEnd(12)} ${ok ? `${run.recordsPerSec!.toLocaleString('en')} records/s, CPU ${r.cpuSeconds} s` : `FAILED: ${r.error}`}  load ${load1}\n`)
        }
      }
    }
  } finally {
    await admin.close()
    if (!external) await releaseSharedBroker(process.pid, () => {})
  }
  const loadEnd = loadavg().map(x => Math.round(x * 10) / 10)
  const medians = Object.fromEntries(CODECS.map(c => [c, Object.fromEntries(TOOLS.map(t => [t, {
    recordsPerSec: median(runs[c][t].flatMap(r => r.recordsPerSec === null ? [] : [r.recordsPerSec])),
    cpuSecondsPerMillion: median(runs[c][t].flatMap(r => r.cpuSecondsPerMillion === null ? [] : [r.cpuSecondsPerMillion]))
  }]))])) as Record<Codec, Record<Tool, { recordsPerSec: number | null, cpuSecondsPerMillion: number | null }>>
  console.log(`produce benchmark: Node ${process.version}, ${RECORDS.toLocaleString('en')} records × ${RECORD_BYTES} B, ${PARTITIONS} partitions × ${REPLICATION} replicas, acks=all, idempotent, batch size ${BATCH_SIZE ?? 'default'} (kshare, Java), ${ROUNDS} rounds (tools alternate); load average ${loadStart.join(' ')} → ${loadEnd.join(' ')}`)
  for (const codec of CODECS) {
    console.log(`${codec}:`)
    for (const tool of TOOLS) {
      const m = medians[codec][tool]
      console.log(`  ${tool.padEnd(12)} ${runs[codec][tool].map(r => r.recordsPerSec?.toLocaleString('en') ?? 'FAILED').join('  ')}   median ${m.recordsPerSec?.toLocaleString('en') ?? 'n/a'} records/s, CPU ${m.cpuSecondsPerMillion ?? 'n/a'} s per 1M records`)
    }
  }
  for (const codec of CODECS) for (const tool of TOOLS) for (const r of runs[codec][tool]) if (r.error !== null) console.log(`  failed: round ${r.round} ${codec} ${tool}: ${r.error}`)
  const ratios = (codec: Codec): Record<string, number | null> => Object.fromEntries(TOOLS.filter(t => t !== 'kshare').map(peer => {
    const ours = medians[codec]?.kshare?.recordsPerSec
    const theirs = medians[codec]?.[peer]?.recordsPerSec
    return [peer, ours == null || theirs == null ? null : round2(ours / theirs)]
  }))
  if (CODECS.some(c => TOOLS.some(t => runs[c][t].some(r => r.error !== null)))) process.exitCode = 1
  const details = { records: RECORDS, recordBytes: RECORD_BYTES, partitions: PARTITIONS, replication: REPLICATION, chunk: CHUNK, inFlight: IN_FLIGHT, batchSize: BATCH_SIZE ?? 'default', loadavg: { start: loadStart, end: loadEnd }, medians, runs }
  console.log(JSON.stringify({ bench: 'produce', ratios: CODECS.includes('none') ? ratios('none') : {}, gzipRatios: CODECS.includes('gzip') ? ratios('gzip') : {}, details }))
}

await main()
