/**
 * A job queue on a share group, run end to end: creates a topic and its dead letter topic,
 * produces jobs (some fail transiently, some permanently), processes them with a kshare App
 * and prints a live summary until every job is accepted or dead-lettered.
 *
 *   node dist/examples/jobs/main.js [--jobs 300] [--concurrency 8]
 *
 * Uses KAFKA_BOOTSTRAP when set, else the test harness's broker (started if none runs, and
 * stopped again at the end if this run started it).
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

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '300' }, concurrency: { type: 'string', default: '8' } } })
const jobCount = Number(values.jobs)
const concurrency = Number(values.concurrency)

async function runJobs (bootstrap: string): Promise<void> {
  const suffix = randomBytes(3).toString('hex')
  const topic = `jobs-${suffix}`
  const dlq = `${topic}.dlq`
  const admin = new Admin({ bootstrapServers: bootstrap })
  try {
    await admin.createTopics([{ name: topic, partitions: 3, replicationFactor: 1 }, { name: dlq, partitions: 1, replicationFactor: 1 }])
    const producer = new Producer({ bootstrapServers: bootstrap })
    const jobs = makeJobs(jobCount)
    await producer.send({ topic, messages: jobs.map((job) => ({ key: String(job.id), value: JSON.stringify(job) })) })
    await producer.close()
    console.log(`produced ${jobs.length} jobs to ${topic} (dead letters go to ${dlq})`)

    const app = new App({ kafka: { bootstrapServers: bootstrap }, concurrency, logger: consoleLogger('warn'), statisticsIntervalMs: 0 })
    app.routes.draw((r) => r.shareGroup(`workers-${suffix}`, (g) => {
      g.kafka({ 'share.auto.offset.reset': 'earliest', 'share.record.lock.duration.ms': 15_000 })
      g.topic(topic, (t) => {
        t.consumer(JobsConsumer)
        t.kafka({ 'max.poll.records': 5 })
        t.deadLetterQueue({ topic: dlq, maxAttempts: 4 })
      })
    }))
    const summary = new Summary(app, jobs.length)
    const running = app.run()
    await watch(summary)
    await app.stop()
    await running
    console.log('stopped: acknowledgements flushed, share sessions closed, group left')
  } finally {
    await admin.deleteTopics([topic, dlq]).catch(() => {})
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
  const { handle } = await ensureSharedBroker({ who: 'demo', userPid: process.pid, userLabel: 'jobs example' })
  try {
    await runJobs(handle.bootstrap)
  } finally {
    if (handle.mode !== 'external') await releaseSharedBroker(process.pid, () => {})
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof BrokerHarnessError ? `jobs example: ${err.message}` : err)
  process.exit(1)
})
