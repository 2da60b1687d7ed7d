/**
 * Small raw-protocol steps the network-layer integration tests need against a real broker:
 * create a topic, produce a few records, set a share group's offset reset, join a share
 * group with raw heartbeats. Built directly on Cluster/Connection (the producer, admin and
 * share consumer come later and are tested on their own).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { Cluster } from '../../../client/cluster.js'
import { responseError } from '../../../client/errors.js'
import { CreateTopics, IncrementalAlterConfigs, Produce, ShareGroupHeartbeat, randomUuid } from '../../../protocol/index.js'
import { encodeRecordBatch } from '../../../protocol/records/encode-batch.js'

/** A topic name unique to this run. */
export function uniqueName (prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
}

/** Creates a topic (replication factor 1) and waits until every partition has a leader. */
export async function createTopic (cluster: Cluster, name: string, partitions: number): Promise<void> {
  const conn = await cluster.anyConnection()
  const res = await conn.send(CreateTopics, { topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 30_000 })
  const t = res.topics[0]
  const err = t === undefined ? null : responseError(t.errorCode, { api: 'CreateTopics', brokerMessage: t.errorMessage })
  if (err !== null) throw err
  for (let i = 0; i < 100; i++) {
    try {
      for (let p = 0; p < partitions; p++) await cluster.leaderFor({ topic: name }, p)
      return
    } catch {
      await sleep(100)
    }
  }
  throw new Error(`topic ${name} has no leaders after 10 s`)
}

/**
 * Produces `values` to one partition through its leader (acks=all); returns the base offset.
 * Retries retriable errors for up to 10 s, as any producer does: right after CreateTopics the
 * metadata may name a leader that has not taken the partition over yet (NOT_LEADER_OR_FOLLOWER).
 */
export async function produce (cluster: Cluster, topic: string, partition: number, values: string[]): Promise<bigint> {
  const records = encodeRecordBatch(values.map(value => ({ value })))
  for (const deadline = Date.now() + 10_000; ;) {
    const conn = await cluster.leaderConnection({ topic }, partition, 'produce')
    const version = conn.versionFor(Produce)
    const info = await cluster.topic({ topic })
    const res = await conn.send(Produce, {
      acks: -1,
      timeoutMs: 10_000,
      topicData: [{ name: topic, topicId: info.topicId, partitionData: [{ index: partition, records }] }]
    }, { version })
    const p = res.responses[0]?.partitionResponses[0]
    const err = p === undefined ? null : responseError(p.errorCode, { api: 'Produce', brokerId: conn.nodeId })
    if (err === null) return p?.baseOffset ?? -1n
    if (!err.retriable || Date.now() > deadline) throw err
    cluster.invalidateOnError(err.code, { topic: { topic } })
    await sleep(100)
  }
}

/** Sets group configs (IncrementalAlterConfigs, resource type 32 = GROUP), e.g. `share.auto.offset.reset=earliest`. */
export async function setGroupConfig (cluster: Cluster, groupId: string, configs: Record<string, string>): Promise<void> {
  const conn = await cluster.anyConnection()
  const res = await conn.send(IncrementalAlterConfigs, {
    resources: [{ resourceType: 32, resourceName: groupId, configs: Object.entries(configs).map(([name, value]) => ({ name, configOperation: 0, value })) }],
    validateOnly: false
  })
  const r = res.responses[0]
  const err = r === undefined ? null : responseError(r.errorCode, { api: 'IncrementalAlterConfigs', brokerMessage: r.errorMessage })
  if (err !== null) throw err
}

/** A share-group member joined with raw heartbeats. */
export interface RawMember {
  groupId: string
  memberId: string
  memberEpoch: number
  /** Assigned partitions by topic id. */
  assignment: Array<{ topicId: string, partitions: number[] }>
  /** Sends the leave heartbeat (epoch -1). */
  leave: () => Promise<void>
}

/** Joins a share group (heartbeat epoch 0, then heartbeats until partitions are assigned). */
export async function joinShareGroup (cluster: Cluster, groupId: string, topics: string[]): Promise<RawMember> {
  const memberId = randomUuid()
  let memberEpoch = 0
  for (let i = 0; i < 100; i++) {
    const conn = await cluster.coordinatorConnection(groupId)
    const res = await conn.send(ShareGroupHeartbeat, { groupId, memberId, memberEpoch, subscribedTopicNames: memberEpoch === 0 ? topics : null })
    const err = responseError(res.errorCode, { api: 'ShareGroupHeartbeat', brokerId: conn.nodeId, brokerMessage: res.errorMessage })
    if (err?.retriable === true) { // NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS on a fresh cluster, ...
      cluster.invalidateOnError(res.errorCode, { groupId })
      await sleep(100)
      continue
    }
    if (err !== null) throw err
    memberEpoch = res.memberEpoch
    const assignment = res.assignment?.topicPartitions ?? []
    if (assignment.some(a => a.partitions.length > 0)) {
      return {
        groupId,
        memberId,
        memberEpoch,
        assignment,
        leave: async () => {
          const c = await cluster.coordinatorConnection(groupId)
          await c.send(ShareGroupHeartbeat, { groupId, memberId, memberEpoch: -1 })
        }
      }
    }
    await sleep(Math.min(res.heartbeatIntervalMs, 200))
  }
  throw new Error(`no assignment for ${memberId} in group ${groupId}`)
}
