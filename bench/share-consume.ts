/**
 * Share-consume benchmark: records/s to consume AND accept 200,000 × 1 KiB records from the
 * local broker, kshare's ShareConsumer against Kafka's own perf tool and @kafkats/client.
 *
 *   npm run bench:share-consume    (builds, then node dist/bench/share-consume.js [options])
 *   options: --records 200000 --record-bytes 1024 --partitions 3 --rounds 3
 *            --max-poll-records 500 --fetch-max-bytes 1048576 --fetch-max-wait-ms 500
 *            --kafkats-concurrency 1000 --tools kshare,java,kafkats --profile <dir>
 *
 * Broker: KAFKA_BOOTSTRAP if set, else the harness's shared broker (started if none runs,
 * stopped again if this run started it). One topic (3 partitions on the one node: each
 * ShareFetch carries all three, and the broker's per-partition in-flight limit,
 * group.share.partition.max.record.locks, does not cap a single consumer) is filled once by
 * kshare's Producer (defaults: acks=all, idempotent, 16 KiB batches, no compression, the
 * records spread evenly over the partitions). Every run then consumes the whole topic in a fresh
 * share group set to share.auto.offset.reset=earliest (Admin.alterGroupConfigs), each tool in a
 * process of its own, alternating kshare, java, kafkats, kshare, ... for `--rounds` rounds,
 * after an untimed warm-up consume in another group (a fresh broker's first share group waits
 * ~3 s for the share coordinator's state topic; that must not fall on whichever tool is first).
 *
 * Tools (same knobs where they exist: max records per poll = ShareFetch MaxRecords and
 * BatchSize, default 500 — each tool's own default; ShareFetch MaxBytes (default 1 MiB, the
 * perf tool's --fetch-size default), MaxWaitMs 500, MinBytes 1; batch_optimized acquire mode):
 * - kshare: `ShareConsumer`, implicit acknowledgement (each poll accepts the previous batch;
 *   the acks ride on the next ShareFetch — the fastest way a user can accept), clock stopped
 *   when the final `commitSync()` resolved (bench/share-consume-client.ts).
 * - java: org.apache.kafka.tools.ShareConsumerPerformance (implicit acks, final commitSync;
 *   it disables CRC checks), JVM flags of bin/kafka-share-consumer-perf-test.sh. JVM start is
 *   excluded: its clock starts (start.time) after the consumer is built, just before subscribe
 *   and the first poll. Its own fetch.time.ms/nMsg.sec stop at the last record *received*, before
 *   the final commitSync; this benchmark stops the clock when it prints its result line, which it
 *   does right after that commitSync returned (line arrival − start.time, both epoch ms).
 *   Its first-record time comes from the first --show-detailed-stats progress line.
 * - kafkats: `shareConsumer().runEach()`, each record accepted through the handler
 *   (`message.ack()`), clock stopped when the broker confirmed the last one. Concurrency 1000
 *   (its default is 10): each handler waits until its ack is flushed (5 ms timer + a
 *   ShareAcknowledge), so with 10 it handles ~10 records per round trip (2.6× slower here).
 * The clock includes joining the group: the broker hands out the first assignment ~1 s after
 * the join whatever the client does (heartbeat interval 1 s on the harness broker).
 * A run counts only if the tool saw exactly `--records` records (each exactly once for the Node
 * clients) and the group then shows lag 0 on every partition (Admin.describeShareGroupOffsets,
 * KIP-1226); a run that misses records is failed.
 * records/s = records / (clock stop − clock start); medians over the rounds.
 * CPU s per 1M records: user + system CPU of the whole client process (bash `times` around it;
 * start-up included: for Java that is JVM start and JIT, for Node module loading), per million
 * records; `cpuVsJava` is kshare's over Java's (lower is better, target ≤ 0.7).
 * `--profile <dir>` writes a V8 CPU profile of each Node client run to <dir>/<tool>/ (node --cpu-prof).
 * `--fetch-stats` traces kshare's share requests and prints, per run and leader, requests,
 * records per request, round trip and client turnaround (p50/p90) and how busy the session was.
 * The last line is one JSON object: ratios are kshare / peer (medians).
 */
import { loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Admin, Producer, ShareConsumer, type Message } from '../index.js'
import { ensureSharedBroker, kafkaToolClass, kafkaToolCommand, releaseSharedBroker } from '../test/harness/index.js'
import { runProcess } from './run-process.js'
import type { RunConfig, RunResult } from './share-consume-client.js'

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    'record-bytes': { type: 'string', default: '1024' },
    partitions: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    'max-poll-records': { type: 'string', default: '500' },
    'fetch-max-bytes': { type: 'string', default: '1048576' },
    'fetch-max-wait-ms': { type: 'string', default: '500' },
    'kafkats-concurrency': { type: 'string', default: '1000' },
    tools: { type: 'string', default: 'kshare,java,kafkats' },
    profile: { type: 'string' },
    'fetch-stats': { type: 'boolean', default: false }
  }
})
const RECORDS = Number(values.records)
const RECORD_BYTES = Number(values['record-bytes'])
const PARTITIONS = Number(values.partitions)
const ROUNDS = Number(values.rounds)
const TOOLS = values.tools.split(',') as Tool[]
const SETTINGS = {
  maxPollRecords: Number(values['max-poll-records']),
  fetchMaxBytes: Number(values['fetch-max-bytes']),
  fetchMaxWaitMs: Number(values['fetch-max-wait-ms']),
  fetchMinBytes: 1,
  acquireMode: 'batch_optimized',
  kafkatsConcurrency: Number(values['kafkats-concurrency'])
}
for (const [name, n] of Object.entries({ RECORDS, RECORD_BYTES, PARTITIONS, ROUNDS, ...SETTINGS })) {
  if (typeof n === 'number' && !(Number.isInteger(n) && n > 0)) throw new Error(`${name} must be a positive integer, got ${n}`)
}
for (const tool of TOOLS) if (!['kshare', 'java', 'kafkats'].includes(tool)) throw new Error(`unknown tool ${tool}: use kshare, java, kafkats`)
const IDLE_TIMEOUT_MS = 15_000
const JAVA_REPORT_MS = 200
const RUN_TIMEOUT_MS = 300_000
/** bin/kafka-share-consumer-perf-test.sh: KAFKA_HEAP_OPTS, then kafka-run-class.sh's KAFKA_JVM_PERFORMANCE_OPTS. */
const JAVA_OPTS = ['-Xmx512M', '-server', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent', '-XX:MaxInlineLevel=15']

type Tool = 'kshare' | 'java' | 'kafkats'
/** One run as reported: the clock figures and the checks. */
interface Run extends RunResult {
  round: number
  recordsPerSec: number | null
  load1: number
  /** Java only: its own nMsg.sec (to the last record received, final commit excluded). */
  javaReportedPerSec?: number
  /** Java only: WARN/ERROR lines of its log. */
  warnings?: string[]
  /** Client process CPU seconds per million records (null when failed or unmeasured). */
  cpuSecondsPerMillion?: number | null
}

const here = dirname(fileURLToPath(import.meta.url))
const round1 = (x: number): number => Math.round(x * 10) / 10
const median = (xs: number[]): number | null => xs.length === 0 ? null : [...xs].sort((a, b) => a - b)[xs.length >> 1]!

async function runNode (tool: 'kshare' | 'kafkats', cfg: RunConfig): Promise<RunResult> {
  const flags = values.profile !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${join(values.profile, tool)}`] : []
  const { code, lines, stderr, cpuSeconds } = await runProcess(process.execPath, [...flags, join(here, 'share-consume-client.js'), JSON.stringify(cfg)], RUN_TIMEOUT_MS)
  const last = lines.map(l => l.text).filter(t => t.startsWith('{')).pop()
  if (last === undefined) throw new Error(`${tool} client exited with ${code} without a result: ${stderr.trim().split('\n').slice(-3).join(' | ')}`)
  return { ...JSON.parse(last) as RunResult, cpuSeconds }
}

async function runJava (cfg: RunConfig): Promise<RunResult & { reportedPerSec: number, warnings: string[] }> {
  const cmd = await kafkaToolCommand(kafkaToolClass('kafka-share-consumer-perf-test'), [
    '--bootstrap-server', cfg.bootstrap, '--topic', cfg.topic, '--group', cfg.groupId, '--num-records', String(cfg.records),
    '--fetch-size', String(cfg.fetchMaxBytes), '--timeout', String(IDLE_TIMEOUT_MS),
    '--date-format', 'yyyy-MM-dd\'T\'HH:mm:ss.SSSXXX',
    // A progress line is printed at the first record of the first poll that comes
    // JAVA_REPORT_MS after the start: the join takes longer, so it times the first record.
    '--show-detailed-stats', '--reporting-interval', String(JAVA_REPORT_MS),
    '--command-property', 'client.id=bench-java',
    '--command-property', 'share.acknowledgement.mode=implicit',
    '--command-property', `max.poll.records=${cfg.maxPollRecords}`,
    '--command-property', `fetch.max.wait.ms=${cfg.fetchMaxWaitMs}`,
    '--command-property', 'fetch.min.bytes=1'
  ])
  const args = [...JAVA_OPTS, ...cmd.args.filter(a => !a.startsWith('-Xmx') && a !== '-XX:+UseSerialGC')]
  const { code, lines, stderr, cpuSeconds } = await runProcess(cmd.command, args, RUN_TIMEOUT_MS)
  // start.time, end.time, data.consumed.in.MB, MB.sec, nMsg.sec, data.consumed.in.nMsg, fetch.time.ms
  const row = lines.find(l => /^\d{4}-\d\d-\d\dT.*, .*, [\d.]+, [\d.]+, [\d.]+, \d+, \d+$/.test(l.text))
  // Its log (warnings only) goes to stderr: an ignored or refused setting would show there.
  const warnings = [...new Set(stderr.split('\n').filter(l => / (WARN|ERROR) /.test(l)).map(l => l.replace(/^\[[^\]]*\] /, '').slice(0, 200)))].slice(0, 5)
  const base = { tool: 'java', delivered: 0, unique: -1, accepted: -1, bytes: 0, firstRecordMs: -1, lastRecordMs: -1, ms: -1, reportedPerSec: 0, warnings, cpuSeconds }
  if (code !== 0 || row === undefined) {
    const why = [...lines.map(l => l.text), ...stderr.trim().split('\n')].filter(l => l !== '').slice(-3).join(' | ')
    return { ...base, error: `ShareConsumerPerformance exited with ${code}: ${why}` }
  }
  const f = row.text.split(', ')
  const start = Date.parse(f[0]!)
  const delivered = Number(f[5])
  const warning = lines.find(l => l.text.startsWith('WARNING'))
  // start, now, MB, MB/s, records/s, records so far, ms since start "for share consumer 1"
  const progress = lines.find(l => l.text.endsWith('for share consumer 1'))?.text.split(', ')
  return {
    ...base,
    firstRecordMs: progress !== undefined && progress[5] === '1' ? Number(progress[6]?.split(' ')[0]) : -1,
    delivered,
    bytes: Math.round(Number(f[2]) * 1024 * 1024),
    lastRecordMs: Number(f[6]),
    ms: row.at - start,
    reportedPerSec: Number(f[4]),
    error: warning !== undefined ? warning.text : delivered !== cfg.records ? `consumed ${delivered} records` : null
  }
}

/** The group's start offsets must equal the end offsets, lag 0: every record accepted. Returns what is wrong, or null. */
async function checkGroup (admin: Admin, groupId: string, perPartition: number[]): Promise<string | null> {
  const offsets = await admin.describeShareGroupOffsets(groupId)
  const wrong: string[] = []
  for (let p = 0; p < perPartition.length; p++) {
    const o = offsets.find(x => x.partition === p)
    // Lag (KIP-1226) is the proof; the persisted start offset can stay behind the last
    // acknowledged records (the broker keeps them as acknowledged state batches above it).
    if (o === undefined || (o.lag === null ? o.startOffset !== BigInt(perPartition[p]!) : o.lag !== 0n)) {
      wrong.push(`p${p} start ${o?.startOffset ?? 'none'} lag ${o?.lag ?? 'none'} (end offset ${perPartition[p]})`)
    }
  }
  return wrong.length === 0 ? null : `group not fully accepted: ${wrong.join(', ')}`
}

async function produce (bootstrap: string, topic: string): Promise<number> {
  const producer = new Producer({ bootstrapServers: bootstrap, clientId: 'bench-producer' })
  const value = Buffer.alloc(RECORD_BYTES, 'kshare share-consume benchmark ')
  const started = performance.now()
  const inFlight: Array<Promise<unknown>> = []
  const CHUNK = 5000
  for (let i = 0; i < RECORDS; i += CHUNK) {
    const messages: Message[] = []
    for (let j = i; j < Math.min(RECORDS, i + CHUNK); j++) messages.push({ value, partition: j % PARTITIONS })
    inFlight.push(producer.send({ topic, messages }))
    if (inFlight.length >= 4) await inFlight.shift()
  }
  await Promise.all(inFlight)
  await producer.close()
  return performance.now() - started
}

/**
 * Consumes some records in a throwaway group, untimed: the first share group on a fresh broker
 * waits ~3 s for the share coordinator's state topic, which would fall on the first tool.
 */
async function warmUp (bootstrap: string, topic: string, groupId: string, admin: Admin): Promise<number> {
  const started = performance.now()
  await admin.alterGroupConfigs(groupId, { 'share.auto.offset.reset': 'earliest' })
  const consumer = new ShareConsumer({ bootstrapServers: bootstrap, groupId, clientId: 'bench-warm-up' })
  try {
    consumer.subscribe([topic])
    for (let n = 0; n < Math.min(RECORDS, 10_000);) {
      const batch = await consumer.poll(IDLE_TIMEOUT_MS)
      if (batch.length === 0) throw new Error(`warm-up: no records within ${IDLE_TIMEOUT_MS} ms`)
      n += batch.length
    }
    await consumer.commitSync()
  } finally {
    await consumer.close()
  }
  return performance.now() - started
}

async function main (): Promise<void> {
  const external = (process.env.KAFKA_BOOTSTRAP ?? '').trim() !== ''
  const { handle } = await ensureSharedBroker({ who: 'demo', userPid: process.pid, userLabel: 'bench:share-consume' })
  const bootstrap = handle.bootstrap
  const admin = new Admin({ bootstrapServers: bootstrap, clientId: 'bench-admin' })
  const stamp = `${Date.now().toString(36)}-${process.pid}`
  const topic = `bench-share-consume-${stamp}`
  const groups: string[] = []
  const runs: Record<Tool, Run[]> = { kshare: [], java: [], kafkats: [] }
  const loadStart = loadavg().map(round1)
  let produceMs = 0
  let warmUpMs = 0
  const perPartition = Array.from({ length: PARTITIONS }, (_, p) => Math.floor(RECORDS / PARTITIONS) + (p < RECORDS % PARTITIONS ? 1 : 0))
  try {
    await admin.createTopics([{ name: topic, partitions: PARTITIONS, replicationFactor: 1 }])
    produceMs = await produce(bootstrap, topic)
    process.stderr.write(`produced ${RECORDS} × ${RECORD_BYTES} B to ${topic} (${PARTITIONS} partitions) in ${Math.round(produceMs)} ms\n`)
    const warmGroup = `bench-share-consume-warm-up-${stamp}`
    groups.push(warmGroup)
    warmUpMs = await warmUp(bootstrap, topic, warmGroup, admin)
    process.stderr.write(`warm-up (untimed, another group): ${Math.round(warmUpMs)} ms\n`)
    for (let round = 1; round <= ROUNDS; round++) {
      for (const tool of TOOLS) {
        const groupId = `bench-share-consume-${tool}-${round}-${stamp}`
        groups.push(groupId)
        await admin.alterGroupConfigs(groupId, { 'share.auto.offset.reset': 'earliest' })
        const cfg: RunConfig = { tool, bootstrap, topic, groupId, records: RECORDS, perPartition, idleTimeoutMs: IDLE_TIMEOUT_MS, ...SETTINGS, fetchStats: values['fetch-stats'] }
        const load1 = round1(loadavg()[0]!)
        let result: RunResult & { reportedPerSec?: number, warnings?: string[] }
        try {
          result = tool === 'java' ? await runJava(cfg) : await runNode(tool, cfg)
        } catch (err) {
          result = { tool, delivered: 0, unique: 0, accepted: 0, bytes: 0, firstRecordMs: -1, lastRecordMs: -1, ms: -1, error: err instanceof Error ? err.message : String(err) }
        }
        let error = result.error
        if (error === null && tool !== 'java' && (result.unique !== RECORDS || result.delivered !== RECORDS)) error = `delivered ${result.delivered} (${result.unique} distinct)`
        if (error === null && tool !== 'java' && result.accepted < RECORDS) error = `only ${result.accepted} acceptances confirmed`
        if (error === null) error = await checkGroup(admin, groupId, perPartition)
        const { reportedPerSec, warnings, ...rest } = result
        const run: Run = { ...rest, error, round, load1, recordsPerSec: error === null ? Math.round(RECORDS / (result.ms / 1000)) : null }
        run.cpuSecondsPerMillion = error === null && result.cpuSeconds != null ? Math.round(result.cpuSeconds / RECORDS * 1e6 * 100) / 100 : null
        if (reportedPerSec !== undefined) run.javaReportedPerSec = Math.round(reportedPerSec)
        if (warnings !== undefined && warnings.length > 0) run.warnings = warnings
        runs[tool].push(run)
        process.stderr.write(`round ${round} ${tool.padEnd(7)} ${run.recordsPerSec === null ? `FAILED: ${error}` : `${run.recordsPerSec.toLocaleString('en')} records/s (${Math.round(result.ms)} ms), CPU ${result.cpuSeconds != null ? result.cpuSeconds.toFixed(2) : '?'} s`}  load ${load1}\n`)
        for (const f of result.fetchStats ?? []) {
          process.stderr.write(`  leader ${f.nodeId}: ${f.requests} requests, ${f.recordsPerRequest} records each; round trip p50 ${f.rttP50} / p90 ${f.rttP90} ms; ` +
            `client turnaround p50 ${f.gapP50} / p90 ${f.gapP90} ms; a request out ${f.busyPercent} % of the time\n`)
        }
      }
    }
  } finally {
    const deleted = await admin.deleteGroups(groups).catch((err: unknown) => { process.stderr.write(`deleteGroups: ${String(err)}\n`); return [] })
    await admin.deleteTopics([topic]).catch(() => {})
    await admin.close()
    if (!external) await releaseSharedBroker(process.pid, () => {})
    if (deleted.length !== groups.length) process.stderr.write(`note: could not delete every benchmark group (${deleted.length}/${groups.length})\n`)
  }
  report(runs, { topic, perPartition, produceMs, warmUpMs, loadStart })
}

function report (runs: Record<Tool, Run[]>, info: { topic: string, perPartition: number[], produceMs: number, warmUpMs: number, loadStart: number[] }): void {
  const medians: Partial<Record<Tool, number | null>> = {}
  const failed: Partial<Record<Tool, number>> = {}
  for (const tool of TOOLS) {
    const ok = runs[tool].filter(r => r.recordsPerSec !== null).map(r => r.recordsPerSec!)
    medians[tool] = median(ok)
    failed[tool] = runs[tool].length - ok.length
  }
  const loadEnd = loadavg().map(round1)
  console.log(`share-consume benchmark: Node ${process.version}, ${RECORDS.toLocaleString('en')} records × ${RECORD_BYTES} B, ${PARTITIONS} partitions, ${ROUNDS} rounds (tools alternate), records/s = consume + accept, clock from join to last ack confirmed`)
  console.log(`settings: maxPollRecords ${SETTINGS.maxPollRecords}, fetch MaxBytes ${SETTINGS.fetchMaxBytes}, MaxWaitMs ${SETTINGS.fetchMaxWaitMs}, MinBytes 1, batch_optimized; kafkats concurrency ${SETTINGS.kafkatsConcurrency}; load average ${info.loadStart.join(' ')} → ${loadEnd.join(' ')}`)
  for (const tool of TOOLS) {
    const cells = runs[tool].map(r => r.recordsPerSec === null ? 'FAILED' : r.recordsPerSec.toLocaleString('en')).join('  ')
    const m = medians[tool]
    const extra = tool === 'java' ? `   (its own nMsg.sec, to the last record before the final commit: ${runs.java.map(r => r.javaReportedPerSec?.toLocaleString('en') ?? '-').join('  ')})` : ''
    console.log(`  ${tool.padEnd(8)} ${cells}   median ${m === null || m === undefined ? 'n/a' : m.toLocaleString('en')} records/s${failed[tool]! > 0 ? `  (${failed[tool]} failed)` : ''}${extra}`)
  }
  // Where the time goes (medians of successful runs): joining (until the first record), the
  // records themselves, and the tail from the last record to the last ack confirmed.
  const phases = Object.fromEntries(TOOLS.map(tool => {
    const ok = runs[tool].filter(r => r.recordsPerSec !== null && r.firstRecordMs >= 0)
    return [tool, {
      firstRecordMs: median(ok.map(r => Math.round(r.firstRecordMs))),
      recordsPerSecAfterFirst: median(ok.map(r => Math.round(RECORDS / ((r.ms - r.firstRecordMs) / 1000)))),
      tailMs: median(ok.map(r => Math.round(r.ms - r.lastRecordMs)))
    }]
  }))
  console.log('phases (medians): first record after / records/s from first record to last ack / last record to last ack confirmed')
  for (const tool of TOOLS) {
    const p = phases[tool]!
    console.log(`  ${tool.padEnd(8)} ${p.firstRecordMs ?? '-'} ms / ${p.recordsPerSecAfterFirst?.toLocaleString('en') ?? '-'} records/s / ${p.tailMs ?? '-'} ms`)
  }
  const cpu = Object.fromEntries(TOOLS.map(tool => [tool, median(runs[tool].flatMap(r => r.cpuSecondsPerMillion == null ? [] : [r.cpuSecondsPerMillion]))]))
  console.log('client CPU (user + system of the client process, start-up included) per 1M records, medians')
  for (const tool of TOOLS) console.log(`  ${tool.padEnd(8)} ${cpu[tool] ?? '-'} s   (runs: ${runs[tool].map(r => r.cpuSecondsPerMillion ?? '-').join('  ')})`)
  const cpuVsJava = cpu.kshare == null || cpu.java == null ? null : Math.round(cpu.kshare / cpu.java * 100) / 100
  for (const tool of TOOLS) for (const r of runs[tool]) if (r.error !== null) console.log(`  failed: round ${r.round} ${tool}: ${r.error}`)
  const ratio = (peer: Tool): number | null => {
    const ours = medians.kshare
    const theirs = medians[peer]
    return ours == null || theirs == null ? null : Math.round(ours / theirs * 100) / 100
  }
  if (Object.values(failed).some(n => n! > 0)) process.exitCode = 1
  const details = {
    records: RECORDS,
    recordBytes: RECORD_BYTES,
    partitions: PARTITIONS,
    perPartition: info.perPartition,
    producedInMs: Math.round(info.produceMs),
    warmUpMs: Math.round(info.warmUpMs),
    settings: { ...SETTINGS, javaOpts: JAVA_OPTS.join(' '), ackMode: { kshare: 'implicit (piggybacked on ShareFetch), final commitSync', java: 'implicit, final commitSync', kafkats: 'runEach handler ack()' } },
    loadavg: { start: info.loadStart, end: loadEnd },
    medians,
    cpuSecondsPerMillion: cpu,
    cpuVsJava,
    phases,
    failed,
    rounds: Object.fromEntries(TOOLS.map(tool => [tool, runs[tool].map(r => ({
      round: r.round,
      recordsPerSec: r.recordsPerSec,
      ms: Math.round(r.ms),
      firstRecordMs: Math.round(r.firstRecordMs),
      lastRecordMs: Math.round(r.lastRecordMs),
      delivered: r.delivered,
      cpuSecondsPerMillion: r.cpuSecondsPerMillion ?? null,
      load1: r.load1,
      ...(r.javaReportedPerSec !== undefined ? { javaReportedPerSec: r.javaReportedPerSec } : {}),
      ...(r.warnings !== undefined ? { warnings: r.warnings } : {}),
      ...(r.error !== null ? { error: r.error } : {})
    }))]))
  }
  console.log(JSON.stringify({ bench: 'share-consume', ratios: { java: ratio('java'), kafkats: ratio('kafkats') }, cpuVsJava, details }))
}

await main()
