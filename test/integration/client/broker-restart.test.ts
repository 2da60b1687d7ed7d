/**
 * Against a private 3-node cluster (the shared broker is never stopped):
 * - leader routing: partitions are led by different nodes; each produce goes to its leader,
 *   a produce to a follower gets NOT_LEADER_OR_FOLLOWER and a refresh finds the leader;
 * - killing a node (SIGKILL) while a long-polling ShareFetch is in flight on it fails that
 *   request at once with a typed ConnectionError and tells the connection's onClose
 *   listener (the share session is gone); the pool reconnects to the node once it is
 *   restarted, with backoff in between (connection attempts counted).
 */
import diagnostics_channel from 'node:diagnostics_channel'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { Cluster } from '../../../client/cluster.js'
import { ConnectionError, type KafkaError } from '../../../client/errors.js'
import { TRACE_CHANNELS, type ConnectionTrace } from '../../../client/tracing.js'
import { Metadata, Produce, ShareFetch } from '../../../protocol/index.js'
import { ErrorCode } from '../../../protocol/error-codes.js'
import { encodeRecordBatch } from '../../../protocol/records/encode-batch.js'
import { restartNode, startPrivateBroker, stopBroker, stopNode, type BrokerHandle } from '../../harness/index.js'
import { createTopic, joinShareGroup, produce, uniqueName } from './broker-ops.js'

let broker: BrokerHandle
let cluster: Cluster
const topic = uniqueName('net-route')

t.before(async () => {
  broker = await startPrivateBroker({ brokers: 3 })
  cluster = new Cluster({ bootstrapServers: broker.bootstrap, reconnectBackoffMs: 50, reconnectBackoffMaxMs: 1000, requestTimeoutMs: 10_000 })
  const conn = await cluster.anyConnection()
  // Replication factor 3 so that every node is a follower of the partitions it does not lead.
  const { CreateTopics } = await import('../../../protocol/index.js')
  const res = await conn.send(CreateTopics, { topics: [{ name: topic, numPartitions: 6, replicationFactor: 3, assignments: [], configs: [] }], timeoutMs: 30_000 })
  if (res.topics[0]?.errorCode !== 0) throw new Error(`CreateTopics: ${res.topics[0]?.errorCode}`)
  await createTopic(cluster, uniqueName('net-warmup'), 1)
})
t.teardown(async () => {
  await cluster?.close()
  if (broker !== undefined) await stopBroker(broker, { graceMs: 0 })
})

t.test('leader routing across nodes; a follower answers NOT_LEADER_OR_FOLLOWER', async t => {
  let info = await cluster.topic({ topic })
  for (let i = 0; i < 50 && info.partitions.some(p => p.leaderId < 0); i++) {
    await sleep(100)
    await cluster.refreshMetadata([{ topic }])
    info = await cluster.topic({ topic })
  }
  const leaders = new Set(info.partitions.map(p => p.leaderId))
  t.ok(leaders.size >= 2, `partitions are led by ${leaders.size} different nodes`)
  for (const p of info.partitions) t.equal(await produce(cluster, topic, p.partition, [`to-${p.partition}`]), 0n, `partition ${p.partition} written through its leader ${p.leaderId}`)

  const p0 = info.partitions[0]
  const follower = broker.nodes.find(n => n.nodeId !== p0?.leaderId)?.nodeId ?? -1
  const conn = await cluster.connection(follower, 'produce')
  const res = await conn.send(Produce, { acks: -1, timeoutMs: 5000, topicData: [{ name: topic, topicId: info.topicId, partitionData: [{ index: 0, records: encodeRecordBatch([{ value: 'x' }]) }] }] })
  const code = res.responses[0]?.partitionResponses[0]?.errorCode ?? 0
  t.equal(code, ErrorCode.NOT_LEADER_OR_FOLLOWER, `node ${follower} is not the leader of partition 0`)
  t.ok(cluster.invalidateOnError(code, { topic: { topic } }))
  t.ok(cluster.metadata.needsRefresh({ topic }), 'marked stale')
  t.equal((await cluster.leaderFor({ topic }, 0)).leaderId, p0?.leaderId, 'the refreshed leader')
})

t.test('killing a node mid-request fails it promptly; the pool reconnects once the node is back', async t => {
  const events: ConnectionTrace[] = []
  const onConn = (m: unknown): void => { events.push(m as ConnectionTrace) }
  diagnostics_channel.subscribe(TRACE_CHANNELS.connection, onConn)
  t.teardown(() => diagnostics_channel.unsubscribe(TRACE_CHANNELS.connection, onConn))

  const info = await cluster.topic({ topic })
  const victim = info.partitions[0]?.leaderId ?? -1
  const group = uniqueName('net-restart-group')
  const member = await joinShareGroup(cluster, group, [topic]) // offset reset "latest": nothing to fetch, so ShareFetch long-polls
  const conn = await cluster.connection(victim, 'fetch')
  const lost: KafkaError[] = []
  conn.onClose(e => lost.push(e))
  const partitions = info.partitions.filter(p => p.leaderId === victim).map(p => ({ partitionIndex: p.partition, acknowledgementBatches: [] }))
  const poll = conn.send(ShareFetch, {
    groupId: group, memberId: member.memberId, shareSessionEpoch: 0, maxWaitMs: 30_000, minBytes: 1, maxBytes: 1 << 20, maxRecords: 10, batchSize: 10,
    topics: [{ topicId: info.topicId, partitions }], forgottenTopicsData: []
  }, { timeoutMs: 45_000 }).catch(e => e as Error)
  await sleep(500)
  t.equal(conn.inFlightCount, 1, 'the long poll is in flight on the broker')

  const killedAt = Date.now()
  await stopNode(broker, victim, { graceMs: 0 })
  const err = await poll
  const failedAfter = Date.now() - killedAt
  t.type(err, ConnectionError)
  t.match(err, { reason: 'reset', api: 'ShareFetch', brokerId: victim, retriable: true })
  t.ok(failedAfter < 2000, `in-flight ShareFetch failed ${failedAfter} ms after the kill (its timeout was 45 s)`)
  await sleep(0)
  t.equal(lost.length, 1, 'onClose told the consumer: its share session is gone')
  t.equal(cluster.pool.peek(victim, 'fetch'), undefined, 'the dead connection is forgotten')

  // The other nodes keep answering.
  const other = broker.nodes.find(n => n.nodeId !== victim)?.nodeId ?? -1
  const meta = await (await cluster.connection(other)).send(Metadata, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })
  t.ok(meta.brokers.length >= 2)

  // An application retrying every 10 ms while the node is down, and after it is restarted.
  const downSince = Date.now()
  let restarted = false
  const restart = sleep(3000).then(async () => {
    await restartNode(broker, victim)
    restarted = true
  })
  let again
  const failures: string[] = []
  while (Date.now() - downSince < 120_000) {
    try {
      again = await cluster.connection(victim, 'fetch')
      break
    } catch (e) {
      failures.push((e as Error).name)
      await sleep(10)
    }
  }
  await restart
  const outageMs = Date.now() - downSince
  t.ok(restarted, 'the node was restarted by the test')
  t.ok(again !== undefined && !again.closed, `reconnected after ${outageMs} ms`)
  t.not(again?.id, conn.id, 'a new connection (the consumer must open a new share session)')
  const res = await again?.send(Metadata, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })
  t.ok((res?.brokers.length ?? 0) > 0, 'and it answers')
  const attempts = events.filter(e => e.event === 'connecting' && e.broker.nodeId === victim && e.purpose === 'fetch').length
  t.ok(attempts <= Math.ceil(outageMs / 800) + 5, `${attempts} connection attempts to node ${victim} in ${outageMs} ms (${failures.length} failed calls): backoff, not a storm`)
  t.ok(failures.every(n => n === 'ConnectionError' || n === 'KafkaError'), 'failures while down are typed')
  await member.leave().catch(() => {})
})
