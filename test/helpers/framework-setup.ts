/**
 * Setup for the framework's integration tests (real broker): topics with JSON job records,
 * Apps that record what happened, and a reader for dead letter topics.
 */
import { Producer } from '../../client/producer.js'
import { ShareConsumer } from '../../client/share-consumer.js'
import type { ShareRecord } from '../../client/share/share-record.js'
import { App, silentLogger, type AppOptions, type FrameworkEventName, type FrameworkEvents, type RoutesBuilder } from '../../framework/index.js'
import { createTopic, setGroupConfigs, uniqueName } from './share-setup.js'

/** A topic (and its DLQ topic) with job records, and a fresh group name. */
export interface JobsFixture {
  bootstrap: string
  topic: string
  dlqTopic: string
  groupId: string
}

/** Creates `topic` and `topic.dlq` and produces `jobs` as JSON values (key = index), round-robin over the partitions. */
export async function jobsFixture (bootstrap: string, name: string, jobs: readonly unknown[], partitions = 1): Promise<JobsFixture> {
  const topic = uniqueName(name)
  await createTopic(bootstrap, topic, partitions)
  await createTopic(bootstrap, `${topic}.dlq`, 1)
  await produceJobs(bootstrap, topic, jobs, partitions)
  return { bootstrap, topic, dlqTopic: `${topic}.dlq`, groupId: uniqueName(`${name}-g`) }
}

/** Produces `jobs` as JSON values. */
export async function produceJobs (bootstrap: string, topic: string, jobs: readonly unknown[], partitions = 1): Promise<void> {
  const producer = new Producer({ bootstrapServers: bootstrap })
  try {
    await producer.send({ topic, messages: jobs.map((job, i) => ({ key: String(i), value: JSON.stringify(job), partition: i % partitions })) })
  } finally {
    await producer.close()
  }
}

/** An App started by {@link startApp}, with every event it emitted. */
export interface RunningApp {
  app: App
  running: Promise<void>
  events: Array<{ name: FrameworkEventName, at: number, payload: unknown }>
  /** Payloads of one event kind. */
  of: <E extends FrameworkEventName>(name: E) => Array<FrameworkEvents[E]>
}

const EVENTS: FrameworkEventName[] = [
  'app.started', 'app.stopped', 'group.configured', 'listener.polled', 'consumer.consumed', 'consumer.accepted', 'consumer.released',
  'consumer.paused', 'consumer.rejected', 'dlq.dispatched', 'lock.renewed', 'lock.expired', 'error.occurred'
]

/** Starts an App on the test broker with the given routes; resolves once it has started. */
export async function startApp (bootstrap: string, draw: (r: RoutesBuilder) => void, options: Partial<AppOptions> = {}): Promise<RunningApp> {
  const app = new App({ kafka: { bootstrapServers: bootstrap }, logger: silentLogger, handleSignals: false, pollTimeoutMs: 500, statisticsIntervalMs: 0, ...options })
  app.routes.draw(draw)
  const events: RunningApp['events'] = []
  for (const name of EVENTS) app.monitor.on(name, (payload) => events.push({ name, at: Date.now(), payload }))
  const started = new Promise<void>((resolve) => app.monitor.on('app.started', () => resolve()))
  const running = app.run()
  await Promise.race([started, running])
  const of = <E extends FrameworkEventName>(name: E): Array<FrameworkEvents[E]> =>
    events.filter((e) => e.name === name).map((e) => e.payload as FrameworkEvents[E])
  return { app, running, events, of }
}

/** Waits until `what()` holds; throws after `timeoutMs`, saying what was awaited. */
export async function waitFor (label: string, what: () => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!what()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Reads `count` records of a topic from the start (its own share group), accepting them. */
export async function readTopic (bootstrap: string, topic: string, count: number, timeoutMs = 60_000): Promise<ShareRecord[]> {
  const groupId = uniqueName('reader')
  await setGroupConfigs(bootstrap, groupId, { 'share.auto.offset.reset': 'earliest' })
  const consumer = new ShareConsumer({ bootstrapServers: bootstrap, groupId, acknowledgementMode: 'explicit' })
  try {
    consumer.subscribe([topic])
    const all: ShareRecord[] = []
    const end = Date.now() + timeoutMs
    while (all.length < count && Date.now() < end) {
      for (const r of await consumer.poll(500)) {
        consumer.acknowledge(r, 'accept')
        all.push(r)
      }
    }
    return all
  } finally {
    await consumer.close()
  }
}

/** A record's headers as text, by name. */
export function headersOf (record: ShareRecord): Record<string, string | undefined> {
  return Object.fromEntries(record.headers.map((h) => [h.key, h.value?.toString()]))
}
