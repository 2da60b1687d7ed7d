import t from 'tap'
import { parseBootstrapServers } from '../../../client/address.js'
import { Cluster } from '../../../client/cluster.js'
import { KafkaProxy, type ProxiedFrame } from '../../../cli/proxy/proxy.js'
import { kafkaToolClass, runKafkaTool, testBootstrap } from '../../harness/index.js'
import { createTopic, produceRecords, setGroupConfigs } from '../../helpers/share-setup.js'

// Proves the proxy against Kafka's own console share consumer: the Java client bootstraps
// through the proxy, follows the rewritten addresses, and every share-group exchange it has
// with the broker is decoded with the right field values.
t.test('Kafka\'s console share consumer through kshare proxy', async t => {
  const bootstrap = testBootstrap()
  const suffix = `${process.pid}-${Date.now()}`
  const topic = `proxy-${suffix}`
  const group = `proxy-g-${suffix}`
  await createTopic(bootstrap, topic, 1)
  await setGroupConfigs(bootstrap, group, { 'share.auto.offset.reset': 'earliest' })
  await produceRecords(bootstrap, topic, 3, 1)

  // The proxy fronts one broker; the addresses it rewrites lead the client to the others.
  const proxy = new KafkaProxy({ listen: { host: '127.0.0.1', port: 0 }, upstream: parseBootstrapServers(bootstrap)[0]! })
  const frames: ProxiedFrame[] = []
  proxy.on('frame', f => frames.push(f))
  const local = await proxy.start()
  t.teardown(() => proxy.close())

  const consumer = await runKafkaTool(kafkaToolClass('kafka-console-share-consumer'), [
    '--bootstrap-server', `${local.host}:${local.port}`, '--topic', topic, '--group', group, '--max-messages', '3'
  ], { timeoutMs: 90_000 })
  t.equal(consumer.code, 0, consumer.stderr.slice(-500))
  t.same(consumer.stdout.trim().split('\n'), ['value-0', 'value-1', 'value-2'], 'the Java consumer got every record through the proxy')

  const decoded = frames.filter(f => f.frame !== undefined)
  t.equal(frames.filter(f => f.decodeError !== undefined).length, 0, 'every frame decoded')
  t.ok(frames.some(f => f.rewritten), 'broker addresses were rewritten')
  const upstreams = new Set(frames.map(f => f.upstream))
  const cluster = new Cluster({ bootstrapServers: bootstrap })
  t.teardown(() => cluster.close())
  const address = (nodeId: number): string => {
    const node = cluster.metadata.brokers.get(nodeId)
    return node === undefined ? `node ${nodeId}?` : `${node.host}:${node.port}`
  }
  const leader = address((await cluster.topic({ topic })).partitions[0]!.leaderId)
  const coordinator = address((await cluster.coordinator(group)).nodeId)
  t.ok([...upstreams].every(u => [...cluster.metadata.brokers.keys()].map(address).includes(u)), `all traffic went to brokers of the cluster: ${[...upstreams].join(', ')}`)
  t.ok(upstreams.has(leader), `the fetches reached the partition leader ${leader} through a proxy listener`)
  t.ok(upstreams.has(coordinator), `the heartbeats reached the share coordinator ${coordinator} through a proxy listener`)

  const bodies = (api: string, direction: 'request' | 'response'): Array<Record<string, unknown>> =>
    decoded.filter(f => f.frame!.apiName === api && f.direction === direction).map(f => f.frame!.body as Record<string, unknown>)

  const joins = bodies('ShareGroupHeartbeat', 'request')
  t.ok(joins.length >= 2, 'heartbeats seen')
  t.equal(joins[0]!.memberEpoch, 0, 'first heartbeat joins with epoch 0')
  t.same(joins[0]!.subscribedTopicNames, [topic])
  t.ok(bodies('ShareGroupHeartbeat', 'response').some(b => (b.memberEpoch as number) > 0 && b.errorCode === 0), 'the broker gave an epoch')
  t.equal(joins.at(-1)!.memberEpoch, -1, 'close leaves with epoch -1')

  const fetches = bodies('ShareFetch', 'request')
  t.equal(fetches[0]!.shareSessionEpoch, 0, 'the first ShareFetch opens a session with epoch 0')
  const acquired = bodies('ShareFetch', 'response')
    .flatMap(b => (b.responses as Array<{ partitions: Array<{ acquiredRecords: Array<{ firstOffset: bigint, lastOffset: bigint, deliveryCount: number }> }> }>))
    .flatMap(r => r.partitions.flatMap(p => p.acquiredRecords))
  t.same(acquired, [{ firstOffset: 0n, lastOffset: 2n, deliveryCount: 1 }], 'offsets 0-2 acquired once, delivery count 1')

  const acks = [...bodies('ShareAcknowledge', 'request'), ...fetches.slice(1)]
    .flatMap(b => (b.topics as Array<{ partitions: Array<{ acknowledgementBatches: Array<{ firstOffset: bigint, lastOffset: bigint, acknowledgeTypes: number[] }> }> }>))
    .flatMap(t => t.partitions.flatMap(p => p.acknowledgementBatches))
  t.same(acks, [{ firstOffset: 0n, lastOffset: 2n, acknowledgeTypes: [1] }], 'the three records were accepted as one range')
  const ackResponses = bodies('ShareAcknowledge', 'response')
  t.ok(ackResponses.length >= 1 && ackResponses.every(b => b.errorCode === 0), 'ShareAcknowledge answered without error')
})
