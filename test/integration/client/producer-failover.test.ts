/**
 * Leader failover on a private 3-node cluster (the shared broker is never stopped): while an
 * idempotent producer writes, the leader of a partition is stopped. Requests to it fail
 * (connection lost, NOT_LEADER_OR_FOLLOWER), the producer refreshes metadata, follows the new
 * leader, and every record is written exactly once (log end offsets = records sent).
 */
import diagnostics_channel from 'node:diagnostics_channel'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { Cluster } from '../../../client/cluster.js'
import { TRACE_CHANNELS, type RequestTrace } from '../../../client/tracing.js'
import { Admin, Producer, type SendResult } from '../../../index.js'
import { startPrivateBroker, stopBroker, stopNode, type BrokerHandle } from '../../harness/index.js'
import { uniqueName } from './broker-ops.js'
import { endOffsets, total } from './produced-records.js'

let broker: BrokerHandle
t.before(async () => { broker = await startPrivateBroker({ brokers: 3 }) })
t.teardown(async () => { if (broker !== undefined) await stopBroker(broker, { graceMs: 0 }) })

t.test('the producer follows a new leader after the old one stops; nothing lost, nothing duplicated', async t => {
  const topic = uniqueName('prod-failover')
  const admin = new Admin({ bootstrapServers: broker.bootstrap })
  await admin.createTopics([{ name: topic, partitions: 3, replicationFactor: 3 }])
  await admin.close()
  const cluster = new Cluster({ bootstrapServers: broker.bootstrap })
  const oldLeader = (await cluster.leaderFor({ topic }, 0)).leaderId
  await cluster.close()

  // Which broker each Produce for partition 0 went to, and which failed.
  const targets: Array<{ node: number, failed: boolean }> = []
  const onEnd = (msg: unknown, failed: boolean): void => {
    const trace = msg as RequestTrace
    if (trace.api !== 'Produce') return
    const body = trace.request as { topicData: Array<{ name: string, partitionData: Array<{ index: number }> }> }
    if (body.topicData.some(td => td.name === topic && td.partitionData.some(p => p.index === 0))) targets.push({ node: trace.broker.nodeId, failed })
  }
  const ok = (m: unknown): void => onEnd(m, false)
  const bad = (m: unknown): void => onEnd(m, true)
  diagnostics_channel.subscribe(TRACE_CHANNELS.end, ok)
  diagnostics_channel.subscribe(TRACE_CHANNELS.error, bad)
  t.teardown(() => {
    diagnostics_channel.unsubscribe(TRACE_CHANNELS.end, ok)
    diagnostics_channel.unsubscribe(TRACE_CHANNELS.error, bad)
  })

  const producer = new Producer({ bootstrapServers: broker.bootstrap, lingerMs: 5, requestTimeoutMs: 10_000, retryBackoffMs: 50 })
  const sends: Array<Promise<SendResult[]>> = []
  let sent = 0
  const round = (): void => {
    sends.push(producer.send({ topic, messages: Array.from({ length: 30 }, (_, i) => ({ value: `r${sent + i}`, partition: i % 3 })) }))
    sent += 30
  }
  for (let i = 0; i < 20; i++) { round(); await sleep(20) }
  await Promise.all(sends) // written through the old leader before it goes
  const stopping = stopNode(broker, oldLeader, { graceMs: 0 }) // SIGKILL: no clean hand-over
  for (let i = 0; i < 60; i++) { round(); await sleep(50) }
  await stopping
  const results = await Promise.all(sends)
  t.equal(results.length, 80, 'every send succeeded')
  await producer.close()

  const before = targets.filter(x => x.node === oldLeader && !x.failed).length
  const after = targets.filter(x => x.node !== oldLeader && !x.failed).length
  t.ok(before > 0, `partition 0 was written through the old leader ${oldLeader} (${before} requests)`)
  t.ok(targets.some(x => x.node === oldLeader && x.failed), 'requests to the stopped leader failed')
  t.ok(after > 0, `then through a new leader (${after} requests to ${[...new Set(targets.filter(x => x.node !== oldLeader).map(x => x.node))].join(',')})`)
  const offsets = await endOffsets(broker.bootstrap, topic, 3)
  t.equal(total(offsets), BigInt(sent), `the log holds exactly the ${sent} records sent`)
})
