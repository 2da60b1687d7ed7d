/**
 * Against the shared broker: metadata of a created topic (names, ids, leaders spread over
 * the nodes, epochs, brokers), routing to a partition's leader and to a group's coordinator, and the typed
 * error for a topic that does not exist.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { Cluster } from '../../../client/cluster.js'
import { BrokerResponseError } from '../../../client/errors.js'
import { ErrorCode } from '../../../protocol/error-codes.js'
import { testBootstrap, testBroker } from '../../harness/index.js'
import { createTopic, produce, uniqueName } from './broker-ops.js'

t.test('metadata of a created topic, by name and by id; produce routed to each leader', async t => {
  const cluster = new Cluster({ bootstrapServers: testBootstrap() })
  t.teardown(() => cluster.close())
  const topic = uniqueName('net-meta')
  await createTopic(cluster, topic, 3)
  const byName = await cluster.topic({ topic })
  t.equal(byName.name, topic)
  t.equal(byName.partitions.length, 3)
  t.match(byName.topicId, /^[A-Za-z0-9_-]{22}$/)
  t.equal(await cluster.topic({ topicId: byName.topicId }), byName, 'the same entry by id')
  for (const p of byName.partitions) {
    t.ok(cluster.metadata.brokers.has(p.leaderId), `partition ${p.partition}: leader ${p.leaderId} is a known broker`)
    t.ok(p.leaderEpoch >= 0, 'leader epoch known')
    t.ok(p.replicas.includes(p.leaderId))
  }
  // On the shared 3-node cluster the leaders of a 3-partition topic are three nodes (Kafka
  // places partitions round-robin), so every test with several partitions has several leaders.
  const nodes = cluster.metadata.brokers.size
  t.equal(nodes, testBroker().nodes.length, `metadata lists every node of the test cluster (${nodes})`)
  t.equal(new Set(byName.partitions.map(p => p.leaderId)).size, Math.min(3, nodes), 'the leaders are different nodes')

  // A fresh cluster client that only knows the topic id resolves it with a Metadata-by-id request.
  const other = new Cluster({ bootstrapServers: testBootstrap() })
  t.teardown(() => other.close())
  t.equal((await other.topic({ topicId: byName.topicId })).name, topic)

  for (let p = 0; p < 3; p++) {
    const base = await produce(cluster, topic, p, [`v${p}-a`, `v${p}-b`])
    t.equal(base, 0n, `partition ${p}: first batch written at offset 0 by its leader`)
    const conn = await cluster.leaderConnection({ topic }, p, 'produce')
    t.equal(conn.nodeId, byName.partitions[p]?.leaderId)
    t.equal(conn.purpose, 'produce')
  }
  const d = await cluster.connection(byName.partitions[0]?.leaderId ?? -1)
  const f = await cluster.connection(byName.partitions[0]?.leaderId ?? -1, 'fetch')
  t.not(d, f, 'one connection per (broker, purpose)')
  t.equal(await cluster.connection(d.nodeId), d, 'reused')
})

t.test('an unknown topic is a retriable UNKNOWN_TOPIC_OR_PARTITION', async t => {
  const cluster = new Cluster({ bootstrapServers: testBootstrap() })
  t.teardown(() => cluster.close())
  const err = await cluster.leaderFor({ topic: uniqueName('does-not-exist') }, 0).catch(e => e)
  t.type(err, BrokerResponseError)
  t.equal(err.code, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  t.equal(err.errorName, 'UNKNOWN_TOPIC_OR_PARTITION')
  t.equal(err.retriable, true)
})

t.test('group coordinator: found with key type 0, cached, looked up again after NOT_COORDINATOR', async t => {
  const cluster = new Cluster({ bootstrapServers: testBootstrap() })
  t.teardown(() => cluster.close())
  const group = uniqueName('net-group')
  const node = await cluster.coordinator(group)
  t.ok(cluster.metadata.brokers.has(node.nodeId))
  t.equal(await cluster.coordinator(group), node, 'cached')
  const conn = await cluster.coordinatorConnection(group)
  t.equal(conn.purpose, 'coordinator')
  t.equal(conn.nodeId, node.nodeId)
  t.ok(cluster.invalidateOnError(ErrorCode.NOT_COORDINATOR, { groupId: group }))
  const again = await cluster.coordinator(group)
  t.not(again, node, 'a new lookup after NOT_COORDINATOR')
  t.equal(again.nodeId, node.nodeId)
})

t.test('a closed cluster leaves nothing behind: the process exits on its own', async t => {
  const scenario = fileURLToPath(new URL('../../unit/client/fixtures/connect-scenario.js', import.meta.url))
  let printedAt = 0
  const { stdout, code } = await new Promise<{ stdout: string, code: number | null }>(resolve => {
    const child = execFile(process.execPath, [scenario, testBootstrap(), '5000', '5000'], { timeout: 20_000 }, (err, stdout) => {
      resolve({ stdout, code: err === null ? 0 : (typeof err.code === 'number' ? err.code : null) })
    })
    child.stdout?.on('data', () => { printedAt = Date.now() })
  })
  const exitLagMs = Date.now() - printedAt
  t.match(JSON.parse(stdout.trim()), { ok: true, brokers: Number }, 'metadata fetched from the real broker')
  t.equal(code, 0)
  t.ok(exitLagMs < 500, `exited ${exitLagMs} ms after close()`)
})
