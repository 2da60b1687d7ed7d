import { existsSync, readFileSync } from 'node:fs'
import t from 'tap'
import {
  BrokerHarnessError, finalizedFeatureLevel, parseBootstrap, probeApiVersions, restartNode, startPrivateBroker, stopBroker,
  sharedBrokerCount, stopNode, tcpProbe, testBootstrap, testBroker
} from '../harness/index.js'

// Proves the harness against real Kafka JVMs: the shared broker npm test started answers, and
// private brokers (the API tests use when they stop/restart brokers) start, stop, fail loudly
// and form a 3-node cluster.

t.test('the broker the harness started advertises the share-group APIs and share.version >= 1', async (t) => {
  const bootstrap = testBootstrap()
  const [first] = parseBootstrap(bootstrap)
  if (first === undefined) throw new Error(`empty bootstrap ${bootstrap}`)
  const body = await probeApiVersions(first)
  t.equal(body.errorCode, 0, 'ApiVersions error code 0')
  const max = (key: number): number => body.apiKeys.find((k) => k.apiKey === key)?.maxVersion ?? -1
  const min = (key: number): number => body.apiKeys.find((k) => k.apiKey === key)?.minVersion ?? 99
  // kshare speaks ShareGroupHeartbeat v1 and ShareFetch/ShareAcknowledge v2 (Kafka 4.2+).
  t.ok(min(76) <= 1 && max(76) >= 1, `ShareGroupHeartbeat (76) v1 advertised (${min(76)}-${max(76)})`)
  t.ok(min(78) <= 2 && max(78) >= 2, `ShareFetch (78) v2 advertised (${min(78)}-${max(78)})`)
  t.ok(min(79) <= 2 && max(79) >= 2, `ShareAcknowledge (79) v2 advertised (${min(79)}-${max(79)})`)
  t.ok(finalizedFeatureLevel(body, 'share.version') >= 1, `finalized share.version = ${finalizedFeatureLevel(body, 'share.version')}`)
  t.ok(await tcpProbe(first, 2000), `${bootstrap} accepts plain connections too`)
})

t.test('the shared broker has the nodes asked for (KSHARE_TEST_BROKERS, default 3), each answering', async (t) => {
  const handle = testBroker()
  // A KAFKA_BOOTSTRAP cluster is the user's: its size is not ours to check, only that it answers.
  if (handle.mode !== 'external') t.equal(handle.nodes.length, sharedBrokerCount(), `${handle.nodes.length} nodes`)
  for (const node of handle.nodes) {
    t.equal((await probeApiVersions(node)).errorCode, 0, `node ${node.nodeId} at ${node.host}:${node.port} answers ApiVersions`)
  }
})

t.test('a private broker: own ports, extra properties, stop closes the port and removes the work dir', async (t) => {
  const handle = await startPrivateBroker({ serverProperties: { 'log.retention.ms': 123456 } })
  t.teardown(async () => await stopBroker(handle, { graceMs: 0 }))
  const node = handle.nodes[0]
  if (node === undefined || node.dir === undefined) throw new Error('no node dir')
  t.not(node.port, 39092, 'not the shared broker port')
  t.ok(await tcpProbe(node, 2000), 'answers')
  t.match(readFileSync(`${node.dir}/server.properties`, 'utf8'), /^log\.retention\.ms=123456$/m, 'extra property written')
  t.ok(existsSync(node.logFile ?? ''), 'logs to a file in its work dir')
  t.match(readFileSync(node.logFile ?? '', 'utf8'), /Kafka Server started/, 'the log is the broker\'s')
  t.ok(handle.timings !== undefined && handle.timings.startMs > 0, 'timings recorded')
  t.ok((handle.features?.['share.version'] ?? 0) >= 1, 'finalized features recorded from ApiVersions')
  await stopBroker(handle)
  t.notOk(await tcpProbe(node, 1000), 'port closed after stop')
  t.notOk(existsSync(handle.workDir ?? ''), 'work dir removed')
})

t.test('a broker that dies during start-up is reported with the tail of its log', async (t) => {
  // Passes the storage formatter's config check, then kills the controller at start-up.
  const err = await startPrivateBroker({ serverProperties: { 'authorizer.class.name': 'org.kshare.NoSuchAuthorizer' } }).then(
    () => undefined, (e: unknown) => e)
  t.ok(err instanceof BrokerHarnessError, 'a BrokerHarnessError')
  const e = err as BrokerHarnessError
  t.equal(e.code, 'BROKER_EXITED')
  t.match(e.message, /^Kafka \d+\.\d+\.\d+ node 1 exited during start-up \(code 1\)\n--- tail of the broker log ---\n/)
  t.match(e.logTail ?? '', /ClassNotFoundException: org\.kshare\.NoSuchAuthorizer/, 'the log tail shows why')
})

t.test('an invalid setting is caught by the storage formatter, in one line', async (t) => {
  // Kafka's rule: the heartbeat interval must not exceed its maximum (15 s by default).
  const err = await startPrivateBroker({ serverProperties: { 'group.share.heartbeat.interval.ms': 20000 } }).then(
    () => undefined, (e: unknown) => e)
  t.ok(err instanceof BrokerHarnessError, 'a BrokerHarnessError')
  const e = err as BrokerHarnessError
  t.equal(e.code, 'FORMAT_FAILED')
  t.match(e.message, /group\.share\.heartbeat\.interval\.ms must be less than or equal to group\.share\.max\.heartbeat\.interval\.ms/)
  t.notMatch(e.message, /\n/, 'one line')
})

t.test('a 3-node cluster: every node ready; a stopped node comes back on restart', async (t) => {
  const handle = await startPrivateBroker({ brokers: 3 })
  t.teardown(async () => await stopBroker(handle, { graceMs: 0 }))
  t.equal(handle.nodes.length, 3)
  t.equal(new Set(handle.nodes.map((n) => n.port)).size, 3, 'distinct ports')
  for (const node of handle.nodes) t.ok(await tcpProbe(node, 2000), `node ${node.nodeId} answers`)
  const second = handle.nodes[1]
  if (second === undefined) throw new Error('no node 2')
  await stopNode(handle, 2, { graceMs: 0 })
  t.notOk(await tcpProbe(second, 1000), 'node 2 is down')
  t.ok(await tcpProbe(handle.nodes[0] ?? second, 2000), 'node 1 still answers')
  await restartNode(handle, 2)
  t.ok(await tcpProbe(second, 2000), 'node 2 is back')
})
