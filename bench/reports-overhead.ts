/**
 * What status reports cost an App: records/s with `reports` off and on, in the same run, and
 * the size of the reports published.
 *
 *   npm run bench:reports    (builds, then node dist/bench/reports-overhead.js [options])
 *   options: --records 50000 --partitions 3 --rounds 5 --concurrency 16 --interval-ms 1000
 *
 * Broker: KAFKA_BOOTSTRAP if set, else the harness's shared broker. One topic is filled once
 * (100-byte values); each round consumes all of it in a fresh share group with an App whose
 * consumer accepts every record (per_message jobs: the per-record monitor events the report
 * collector subscribes to are the whole cost), off and on in turns (off first in odd rounds,
 * on first in even ones). Reports on:
 * every `--interval-ms` (default 1000, five times as often as the default) to a fresh topic.
 * records/s = records / (last accept − app.run()); medians over the rounds.
 */
import { parseArgs } from 'node:util'
import { Admin } from '../client/admin.js'
import { PartitionReader } from '../client/partition-reader.js'
import { Producer } from '../client/producer.js'
import { App, BaseConsumer, silentLogger, type Message } from '../framework/index.js'
import { ensureSharedBroker, releaseSharedBroker } from '../test/harness/index.js'

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '50000' },
    partitions: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '16' },
    'interval-ms': { type: 'string', default: '1000' }
  }
})
const records = Number(values.records)
const partitions = Number(values.partitions)
const rounds = Number(values.rounds)
const concurrency = Number(values.concurrency)
const intervalMs = Number(values['interval-ms'])

class Accept extends BaseConsumer<Buffer> {
  consume (messages: readonly Message<Buffer>[]): void {
    for (const m of messages) this.accept(m)
  }
}

const groups: string[] = []

async function round (bootstrap: string, topic: string, reportsTopic: string | undefined, n: number): Promise<number> {
  const app = new App({
    kafka: { bootstrapServers: bootstrap }, logger: silentLogger, handleSignals: false, concurrency, statisticsIntervalMs: 0,
    ...(reportsTopic !== undefined ? { reports: { topic: reportsTopic, intervalMs } } : {})
  })
  const groupId = `bench-reports-${Date.now()}-${n}`
  groups.push(groupId)
  app.routes.draw((r) => r.shareGroup(groupId, (g) => {
    g.kafka({ 'share.auto.offset.reset': 'earliest' })
    g.topic(topic, (t) => t.consumer(Accept).deserializer((b) => b ?? Buffer.alloc(0)).kafka({ 'max.poll.records': 500 }))
  }))
  const started = Date.now()
  const running = app.run()
  let done = 0
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (app.monitor.counters.accepted >= records) { done = Date.now(); clearInterval(timer); resolve() }
    }, 5)
    running.catch((err: unknown) => { clearInterval(timer); reject(err) })
  })
  await app.stop()
  await running
  return records / ((done - started) / 1000)
}

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

async function main (): Promise<void> {
  const { handle } = await ensureSharedBroker({ who: 'demo', userPid: process.pid, userLabel: 'reports overhead bench' })
  const bootstrap = handle.bootstrap
  const topic = `bench-reports-${Date.now()}`
  const reportsTopic = `${topic}.reports`
  const admin = new Admin({ bootstrapServers: bootstrap })
  const reader = new PartitionReader({ bootstrapServers: bootstrap })
  try {
    await admin.createTopics([{ name: topic, partitions }])
    const producer = new Producer({ bootstrapServers: bootstrap })
    const value = Buffer.alloc(100, 'x')
    for (let i = 0; i < records; i += 5000) {
      await producer.send({ topic, messages: Array.from({ length: Math.min(5000, records - i) }, (_, j) => ({ value, partition: (i + j) % partitions })) })
    }
    await producer.close()
    await round(bootstrap, topic, undefined, -1) // warm-up: the broker's share state topic, JIT
    const off: number[] = []
    const on: number[] = []
    for (let r = 0; r < rounds; r++) {
      // Alternating which goes first: the broker warms up over the rounds too.
      if (r % 2 === 0) {
        off.push(await round(bootstrap, topic, undefined, 2 * r))
        on.push(await round(bootstrap, topic, reportsTopic, 2 * r + 1))
      } else {
        on.push(await round(bootstrap, topic, reportsTopic, 2 * r + 1))
        off.push(await round(bootstrap, topic, undefined, 2 * r))
      }
      console.log(`round ${r + 1}: off ${Math.round(off[r])} records/s, on ${Math.round(on[r])} records/s`)
    }
    const { end } = await reader.offsets(reportsTopic, 0)
    const sizes: number[] = []
    for (let o = 0n; o < end;) {
      const read = await reader.read(reportsTopic, 0, o, { maxRecords: 500 })
      for (const rec of read.records) sizes.push(rec.value?.length ?? 0)
      if (read.records.length === 0) break
      o = read.nextOffset
    }
    const result = {
      records, rounds, concurrency, intervalMs,
      offMedian: Math.round(median(off)), onMedian: Math.round(median(on)),
      ratio: Math.round(median(on) / median(off) * 1000) / 1000,
      reports: sizes.length, reportBytesMedian: median(sizes), reportBytesMax: Math.max(...sizes)
    }
    console.log(`reports off: ${result.offMedian} records/s, on: ${result.onMedian} records/s (on/off ${result.ratio}); ${sizes.length} reports, median ${result.reportBytesMedian} B, max ${result.reportBytesMax} B`)
    console.log(JSON.stringify(result))
    await admin.deleteTopics([topic, reportsTopic]).catch(() => {})
    await admin.deleteGroups(groups).catch(() => {})
  } finally {
    await reader.close()
    await admin.close()
    if (handle.mode !== 'external') await releaseSharedBroker(process.pid, () => {})
  }
}

await main()
