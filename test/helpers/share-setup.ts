import { randomBytes } from 'node:crypto'
import diagnostics_channel from 'node:diagnostics_channel'
import { Admin } from '../../client/admin.js'
import { Producer } from '../../client/producer.js'
import { ShareConsumer, type ShareConsumerOptions } from '../../client/share-consumer.js'
import type { RequestTrace } from '../../client/tracing.js'

/** Setup for share-consumer integration tests: topics, group configs, records, polling, traces. */

/** A name no other test run uses. */
export function uniqueName (prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`
}

/** Runs `use` with an Admin of `bootstrap`, closed afterwards. */
export async function withAdmin<T> (bootstrap: string, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin({ bootstrapServers: bootstrap })
  try {
    return await use(admin)
  } finally {
    await admin.close()
  }
}

/** Creates a topic (one replica) and waits until every partition has a leader. */
export async function createTopic (bootstrap: string, name: string, partitions: number): Promise<void> {
  await withAdmin(bootstrap, async admin => { await admin.createTopics([{ name, partitions, replicationFactor: 1 }]) })
}

/** Sets group configs, e.g. `{ 'share.auto.offset.reset': 'earliest', 'share.record.lock.duration.ms': '3000' }`. */
export async function setGroupConfigs (bootstrap: string, groupId: string, configs: Record<string, string>): Promise<void> {
  await withAdmin(bootstrap, async admin => { await admin.alterGroupConfigs(groupId, configs) })
}

/** Produces `count` records `value-<i>` (key `key-<i>`), round-robin over `partitions` partitions. */
export async function produceRecords (bootstrap: string, topic: string, count: number, partitions: number): Promise<void> {
  const producer = new Producer({ bootstrapServers: bootstrap })
  try {
    const chunk = 1000
    for (let start = 0; start < count; start += chunk) {
      const messages = []
      for (let i = start; i < Math.min(count, start + chunk); i++) messages.push({ key: `key-${i}`, value: `value-${i}`, partition: i % partitions })
      await producer.send({ topic, messages })
    }
  } finally {
    await producer.close()
  }
}

/** A topic with records and a group set to read from the start, ready for a share consumer. */
export interface ShareFixture {
  /** Broker address. */
  bootstrap: string
  /** Topic name. */
  topic: string
  /** Group id. */
  groupId: string
}

/** Creates a topic of `partitions`, sets the group to `earliest` (plus `configs`), produces `count` records. */
export async function shareFixture (bootstrap: string, name: string, partitions: number, count: number, configs: Record<string, string> = {}): Promise<ShareFixture> {
  const topic = uniqueName(name)
  const groupId = uniqueName(`${name}-g`)
  await createTopic(bootstrap, topic, partitions)
  await setGroupConfigs(bootstrap, groupId, { 'share.auto.offset.reset': 'earliest', ...configs })
  if (count > 0) await produceRecords(bootstrap, topic, count, partitions)
  return { bootstrap, topic, groupId }
}

/** Polls until `done(records so far)` or `timeoutMs`; returns every record polled. */
export async function pollUntil<R> (consumer: { poll: (ms: number) => Promise<R[]> }, done: (all: R[]) => boolean, timeoutMs: number, onBatch?: (batch: R[]) => void): Promise<R[]> {
  const all: R[] = []
  const deadline = Date.now() + timeoutMs
  while (!done(all) && Date.now() < deadline) {
    const batch = await consumer.poll(Math.min(500, Math.max(1, deadline - Date.now())))
    onBatch?.(batch)
    for (const r of batch) all.push(r)
  }
  return all
}

/** Per partition of `topic`: the group's lag (DescribeShareGroupOffsets), `null` when unknown. */
export async function shareGroupLag (bootstrap: string, groupId: string, topic: string): Promise<Array<{ partition: number, lag: bigint | null }>> {
  const offsets = await withAdmin(bootstrap, async admin => await admin.describeShareGroupOffsets(groupId, { topics: [{ topic }] }))
  return offsets.map(o => ({ partition: o.partition, lag: o.lag })).sort((a, b) => a.partition - b.partition)
}

/** Records every request published on `channel` (a `TRACE_CHANNELS` name) until the test ends. */
export function captureRequests (t: { teardown: (fn: () => void) => void }, channel: string): RequestTrace[] {
  const traces: RequestTrace[] = []
  const listener = (message: unknown): void => { traces.push(message as RequestTrace) }
  diagnostics_channel.subscribe(channel, listener)
  t.teardown(() => diagnostics_channel.unsubscribe(channel, listener))
  return traces
}

/** A consumer of the fixture's group, subscribed to its topic, closed when the test ends. */
export function subscribedConsumer (t: { teardown: (fn: () => Promise<void>) => void }, f: ShareFixture, options: Partial<ShareConsumerOptions> = {}): ShareConsumer {
  const consumer = new ShareConsumer({ bootstrapServers: f.bootstrap, groupId: f.groupId, ...options })
  t.teardown(() => consumer.close())
  consumer.subscribe([f.topic])
  return consumer
}
