/**
 * The App of `bench/swarm.ts`: a CPU-bound job (sha256 rounds, ~2 ms per record) in swarm mode.
 * Each worker appends the sequence number of every record it consumed to its own log file
 * (`<BENCH_LOG_DIR>/<pid>.log`, one line per job: `<epoch ms> <seq> <seq> ...`); the primary
 * prints its swarm events as JSON lines on stdout.
 *
 *   node dist/bench/swarm-app.js --processes N    (env: see bench/swarm.ts)
 */
import { createHash } from 'node:crypto'
import { appendFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { App, BaseConsumer, consoleLogger, rawDeserializer, type Message } from '../framework/index.js'

const { values } = parseArgs({ options: { processes: { type: 'string', default: '1' } } })
const env = (name: string): string => {
  const v = process.env[name]
  if (v === undefined) throw new Error(`${name} is not set`)
  return v
}
const iterations = Number(env('BENCH_HASH_ITERATIONS'))
const logFile = join(env('BENCH_LOG_DIR'), `${process.pid}.log`)

/** About 2 ms of CPU: `iterations` chained sha256 rounds. */
export function burn (seed: Buffer, rounds: number): Buffer {
  let h = seed
  for (let i = 0; i < rounds; i++) h = createHash('sha256').update(h).digest()
  return h
}

class Hashing extends BaseConsumer<Buffer> {
  async consume (messages: readonly Message<Buffer>[]): Promise<void> {
    const seqs: string[] = []
    for (const m of messages) {
      burn(m.rawPayload ?? Buffer.alloc(0), iterations)
      seqs.push(String(m.rawPayload))
      this.accept(m)
    }
    appendFileSync(logFile, `${Date.now()} ${seqs.join(' ')}\n`)
  }
}

const app = new App({ kafka: { bootstrapServers: env('BENCH_BOOTSTRAP') }, concurrency: 2, logger: consoleLogger('warn'), statisticsIntervalMs: 0, tracing: false })
app.routes.draw((r) => r.shareGroup(env('BENCH_GROUP'), (g) => {
  g.topic(env('BENCH_TOPIC'), (t) => t.consumer(Hashing).deserializer(rawDeserializer).kafka({ 'max.poll.records': 50 }))
}))
for (const event of ['swarm.worker_started', 'swarm.worker_exited', 'swarm.crash_loop'] as const) {
  app.monitor.on(event, (e) => console.log(JSON.stringify({ event, ...e })))
}
await app.run({ processes: Number(values.processes) })
