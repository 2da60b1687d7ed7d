import diagnostics_channel from 'node:diagnostics_channel'
import { rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Admin } from '../../client/admin.js'
import { Cluster } from '../../client/cluster.js'
import { Producer } from '../../client/producer.js'
import { TRACE_CHANNELS, type ConnectionTrace, type RequestTrace } from '../../client/tracing.js'
import { runKafkaTool, type BrokerHandle } from '../harness/index.js'
import { uniqueName } from './share-setup.js'

/** Setup and observation for share-consumer failover tests on a private multi-node cluster. */

/** A replicated topic with records, and a group set to read it from the start. */
export interface FailoverFixture {
  topic: string
  topicId: string
  groupId: string
  /** Every record written, as `partition:offset`. */
  produced: Set<string>
}

/**
 * Creates a topic of `partitions` with replication factor 3 and min ISR 2 (every record
 * written with acks=all survives the loss of its leader), sets the group to `earliest`,
 * writes `perPartition` records to each partition and counts them from the producer's offsets.
 */
export async function failoverFixture (bootstrap: string, name: string, partitions: number, perPartition: number, groupConfigs: Record<string, string> = {}): Promise<FailoverFixture> {
  const topic = uniqueName(name)
  const groupId = uniqueName(`${name}-g`)
  const admin = new Admin({ bootstrapServers: bootstrap })
  const producer = new Producer({ bootstrapServers: bootstrap })
  try {
    const [created] = await admin.createTopics([{ name: topic, partitions, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }])
    await admin.alterGroupConfigs(groupId, { 'share.auto.offset.reset': 'earliest', ...groupConfigs })
    const messages = []
    for (let i = 0; i < partitions * perPartition; i++) messages.push({ key: `k${i}`, value: `v${i}`, partition: i % partitions })
    const written = await producer.send({ topic, messages })
    const produced = new Set<string>()
    for (const w of written) {
      for (let i = 0n; i < BigInt(perPartition); i++) produced.add(`${w.partition}:${w.baseOffset + i}`)
    }
    return { topic, topicId: created!.topicId, groupId, produced }
  } finally {
    await producer.close()
    await admin.close()
  }
}

/** The leader of each partition of `topic`, as the cluster says now. */
export async function leaders (bootstrap: string, topic: string): Promise<number[]> {
  const cluster = new Cluster({ bootstrapServers: bootstrap })
  try {
    await cluster.refreshMetadata([{ topic }])
    return (await cluster.topic({ topic })).partitions.map(p => p.leaderId)
  } finally {
    await cluster.close()
  }
}

/**
 * Moves the leadership of `topic`-`partition` to broker `to` while the old leader keeps
 * running (it stays a follower), with Kafka's own tools: a reassignment that puts `to` first
 * in the replica list, then a preferred-leader election. Resolves once the metadata shows it.
 */
export async function moveLeader (broker: BrokerHandle, topic: string, partition: number, to: number): Promise<void> {
  const replicas = [to, ...broker.nodes.map(n => n.nodeId).filter(n => n !== to)]
  const file = join(tmpdir(), `${uniqueName('reassign')}.json`)
  writeFileSync(file, JSON.stringify({ version: 1, partitions: [{ topic, partition, replicas }] }))
  const reassign = await runKafkaTool('org.apache.kafka.tools.reassign.ReassignPartitionsCommand',
    ['--bootstrap-server', broker.bootstrap, '--reassignment-json-file', file, '--execute'], { timeoutMs: 60_000 }).finally(() => rmSync(file, { force: true }))
  if (reassign.code !== 0) throw new Error(`reassignment failed (${String(reassign.code)}): ${reassign.stdout}${reassign.stderr}`)
  // Only the order changes, so the reassignment completes at once; the election may still race it: retry.
  for (let attempt = 0; attempt < 10; attempt++) {
    const elect = await runKafkaTool('org.apache.kafka.tools.LeaderElectionCommand',
      ['--bootstrap-server', broker.bootstrap, '--election-type', 'PREFERRED', '--topic', topic, '--partition', String(partition)], { timeoutMs: 60_000 })
    if ((await leaders(broker.bootstrap, topic))[partition] === to) return
    if (attempt === 9) throw new Error(`leader of ${topic}-${partition} did not move to ${to}: ${elect.stdout}${elect.stderr}`)
    await sleep(500)
  }
}

/** Requests and connection events seen on the trace channels, with waiting for one to appear. */
export class TraceLog {
  /** Requests, as they end (response or error). */
  readonly requests: RequestTrace[] = []
  /** Connection events. */
  readonly connections: ConnectionTrace[] = []
  private readonly waiters = new Set<() => void>()
  private readonly onRequest = (m: unknown): void => { this.requests.push(m as RequestTrace); this.wake() }
  private readonly onConnection = (m: unknown): void => { this.connections.push(m as ConnectionTrace); this.wake() }

  /** Listens until `t` ends. */
  constructor (t: { teardown: (fn: () => void) => void }) {
    diagnostics_channel.subscribe(TRACE_CHANNELS.end, this.onRequest)
    diagnostics_channel.subscribe(TRACE_CHANNELS.error, this.onRequest)
    diagnostics_channel.subscribe(TRACE_CHANNELS.connection, this.onConnection)
    t.teardown(() => {
      diagnostics_channel.unsubscribe(TRACE_CHANNELS.end, this.onRequest)
      diagnostics_channel.unsubscribe(TRACE_CHANNELS.error, this.onRequest)
      diagnostics_channel.unsubscribe(TRACE_CHANNELS.connection, this.onConnection)
    })
  }

  /** Resolves with the first value `find` returns that is not undefined, checking after every event; rejects after `timeoutMs`. */
  async waitFor<T> (what: string, find: () => T | undefined, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = find()
      if (found !== undefined) return found
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
      await new Promise<void>(resolve => {
        const timer = setTimeout(done, Math.min(left, 200))
        function done (): void { clearTimeout(timer); resolve() }
        this.waiters.add(done)
      }).finally(() => this.waiters.clear())
    }
  }

  private wake (): void {
    for (const w of this.waiters) w()
  }
}

/** A ShareFetch or ShareAcknowledge body, as far as these tests read it. */
export interface ShareRequestBody {
  memberId: string
  shareSessionEpoch: number
  topics: Array<{ topicId: string, partitions: Array<{ partitionIndex: number, acknowledgementBatches: unknown[] }> }>
  forgottenTopicsData?: Array<{ topicId: string, partitions: number[] }>
}

/** A ShareFetch response partition, as far as these tests read it. */
export interface FetchedPartition {
  partitionIndex: number
  errorCode: number
  currentLeader: { leaderId: number, leaderEpoch: number }
  acquiredRecords: Array<{ firstOffset: bigint, lastOffset: bigint, deliveryCount: number }>
}

/** True when `trace` is a ShareFetch of `memberId` that fetches (not only acknowledges) `topicId`-`partition`. */
export function fetchesPartition (trace: RequestTrace, memberId: string, topicId: string, partition: number): boolean {
  if (trace.api !== 'ShareFetch') return false
  const body = trace.request as ShareRequestBody
  if (body.memberId !== memberId) return false
  const listed = body.topics.some(t => t.topicId === topicId && t.partitions.some(p => p.partitionIndex === partition))
  const forgotten = (body.forgottenTopicsData ?? []).some(t => t.topicId === topicId && t.partitions.includes(partition))
  return listed && !forgotten
}

/** The partitions of a ShareFetch response for `topicId` (none for a failed request). */
export function fetchedPartitions (trace: RequestTrace, topicId: string): FetchedPartition[] {
  const res = trace.response as { responses: Array<{ topicId: string, partitions: FetchedPartition[] }> } | undefined
  return res?.responses.filter(r => r.topicId === topicId).flatMap(r => r.partitions) ?? []
}
