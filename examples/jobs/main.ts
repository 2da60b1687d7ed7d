/**
 * A job queue on a share group, run end to end: creates a topic and its dead letter topic,
 * produces jobs (some fail transiently, some permanently), processes them with a kshare App
 * and prints a live summary until every job is accepted or dead-lettered.
 *
 *   node dist/examples/jobs/main.js [--jobs 300] [--concurrency 8] [--processes N] [--http PORT]
 *
 * Uses KAFKA_BOOTSTRAP when set, else the test harness's broker (started if none runs, and
 * stopped again at the end if this run started it). With `--processes N` the App runs as a
 * swarm of N worker processes; the set-up (broker, topics, jobs) runs once, in the primary,
 * through `App.setup`. With `--http PORT`: /healthz, /readyz and /metrics on 127.0.0.1:PORT.
 */
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { Admin } from '../../client/admin.js'
import { Producer } from '../../client/producer.js'
import { App, consoleLogger } from '../../framework/index.js'
import { BrokerHarnessError, ensureSharedBroker, releaseSharedBroker } from '../../test/harness/index.js'
import { JobsConsumer } from './jobs-consumer.js'
import { makeJobs } from './jobs.js'
import { Summary } from './summary.js'

const { values } = parseArgs({
  options: { jobs: { type: 'string', default: '300' }, concurrency: { type: 'string', default: '8' }, processes: { type: 'string' }, http: { type: 'string' } }
})
const jobCount = Number(values.jobs)
const concurrency = Number(values.concurrency)
const processes = values.processes === undefined ? undefined : values.processes === 'auto' ? 'auto' : Number(values.processes)

/** What the one-time set-up made; every worker of a swarm gets it. */
interface Setup { bootstrap: string, topic: string, dlq: string, group: string, jobs: number, ownBroker: boolean }

// Runs once (in the primary of a swarm): a broker, the topics, the jobs.
async function setUp (): Promise<Setup> {
  const { handle } = await ensureSharedBroker({ who: 'demo', userPid: process.pid, userLabel: 'jobs example' })
  const bootstrap = handle.bootstrap
  const suffix = randomBytes(3).toString('hex')
  const topic = `jobs-${suffix}`
  const dlq = `${topic}.dlq`
  const admin = new Admin({ bootstrapServers: bootstrap })
  try {
    await admin.createTopics([{ name: topic, partitions: 3, replicationFactor: 1 }, { name: dlq, partitions: 1, replicationFactor: 1 }])
  } finally {
    await admin.close()
  }
  const producer = new Producer({ bootstrapServers: bootstrap })
  const jobs = makeJobs(jobCount)
  await producer.send({ topic, messages: jobs.map((job) => ({ key: String(job.id), value: JSON.stringify(job) })) })
  await producer.close()
  console.log(`produced ${jobs.length} jobs to ${topic} (dead letters go to ${dlq})`)
  return { bootstrap, topic, dlq, group: `workers-${suffix}`, jobs: jobs.length, ownBroker: handle.mode !== 'external' }
}

async function tearDown (setup: Setup): Promise<void> {
  const admin = new Admin({ bootstrapServers: setup.bootstrap })
  await admin.deleteTopics([setup.topic, setup.dlq]).catch(() => {})
  await admin.close()
  if (setup.ownBroker) await releaseSharedBroker(process.pid, () => {})
}

async function runJobs (setup: Setup): Promise<void> {
  const http = values.http === undefined ? undefined : { port: Number(values.http) }
  const app = new App({ kafka: { bootstrapServers: setup.bootstrap }, concurrency, logger: consoleLogger('warn'), statisticsIntervalMs: http === undefined ? 0 : 5000, http })
  app.routes.draw((r) => r.shareGroup(setup.group, (g) => {
    g.kafka({ 'share.auto.offset.reset': 'earliest', 'share.record.lock.duration.ms': 15_000 })
    g.topic(setup.topic, (t) => {
      t.consumer(JobsConsumer)
      t.kafka({ 'max.poll.records': 5 })
      t.deadLetterQueue({ topic: setup.dlq, maxAttempts: 4 })
    })
  }))
  if (App.isWorker) {
    await app.run({ processes })
    return
  }
  if (http !== undefined) console.log(`http endpoint: curl http://127.0.0.1:${http.port}/metrics (also /healthz, /readyz)`)
  if (processes === undefined) {
    const summary = new Summary(app, setup.jobs)
    const running = app.run()
    await watch(summary)
    await app.stop()
    await running
  } else {
    // The work happens in the workers; the primary follows the group's lag until nothing is left.
    const running = app.run({ processes })
    await watchLag(setup)
    await app.stop()
    await running
  }
  console.log('stopped: acknowledgements flushed, share sessions closed, group left')
}

// Prints the share group's lag once a second until every job is acknowledged (accepted or dead-lettered).
async function watchLag (setup: Setup): Promise<void> {
  const admin = new Admin({ bootstrapServers: setup.bootstrap })
  try {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 1000))
      const lag = await admin.describeShareGroupOffsets(setup.group).catch(() => [])
      const known = lag.filter((p) => p.lag !== null)
      const left = known.reduce((sum, p) => sum + Number(p.lag), 0)
      console.log(known.length < 3 ? 'workers joining...' : `jobs left: ${left} of ${setup.jobs}`)
      if (known.length === 3 && left === 0) return
    }
  } finally {
    await admin.close()
  }
}

// Redraws the summary in place on a terminal (a line per second otherwise) until all jobs finished.
async function watch (summary: Summary): Promise<void> {
  const tty = process.stdout.isTTY
  let drawn = 0
  let last = 0
  for (;;) {
    const lines = summary.render()
    if (tty) {
      if (drawn > 0) process.stdout.write(`\u001b[${drawn}A\u001b[0J`)
      process.stdout.write(lines.join('\n') + '\n')
      drawn = lines.length
    } else if (summary.done || Date.now() - last >= 1000) {
      console.log(lines.join('\n'))
      last = Date.now()
    }
    if (summary.done) return
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

async function main (): Promise<void> {
  const setup = await App.setup(setUp)
  try {
    await runJobs(setup)
  } finally {
    if (!App.isWorker) await tearDown(setup)
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof BrokerHarnessError ? `jobs example: ${err.message}` : err)
  process.exit(1)
})
