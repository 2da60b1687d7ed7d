/**
 * Against a private broker with SASL_PLAINTEXT (SCRAM-SHA-512), SSL and SASL_SSL listeners
 * (harness `secure: true`: SCRAM user created at format time, self-signed CA generated for
 * the run). Proves SCRAM-SHA-512, TLS with a custom CA, both together, and that a wrong
 * password is one typed AuthenticationError without a reconnect storm. PLAIN and OAUTHBEARER
 * (unsecured JWT, token callback) are enabled on the SASL_PLAINTEXT listener too. The broker limits SASL
 * sessions to 4 s (`connections.max.reauth.ms`), so connections must re-authenticate (KIP-368).
 */
import diagnostics_channel from 'node:diagnostics_channel'
import t from 'tap'
import { Cluster } from '../../../client/cluster.js'
import { Admin, Producer, ShareConsumer, type ClusterOptions } from '../../../index.js'
import { AuthenticationError, ConnectionError } from '../../../client/errors.js'
import { TRACE_CHANNELS, type ConnectionTrace, type RequestTrace } from '../../../client/tracing.js'
import { Metadata } from '../../../protocol/index.js'
import { kafkaToolClass, runKafkaTool, startPrivateBroker, stopBroker, type BrokerHandle } from '../../harness/index.js'
import { createTopic, produce, uniqueName } from './broker-ops.js'

const REAUTH_MS = 4000
let broker: BrokerHandle
t.before(async () => {
  broker = await startPrivateBroker({
    secure: true,
    serverProperties: {
      'connections.max.reauth.ms': REAUTH_MS,
      // PLAIN and OAUTHBEARER too on the SASL_PLAINTEXT listener. Without a server callback
      // handler the broker validates OAUTHBEARER tokens as unsecured JWTs (alg "none").
      'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'SCRAM-SHA-512,SCRAM-SHA-256,PLAIN,OAUTHBEARER',
      'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";',
      'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;'
    }
  })
  // The harness creates the SCRAM-SHA-512 user at format time; add SHA-256 credentials with Kafka's kafka-configs.
  const res = await runKafkaTool(kafkaToolClass('kafka-configs'), ['--bootstrap-server', `127.0.0.1:${broker.nodes[0]?.port ?? 0}`, '--alter',
    '--add-config', 'SCRAM-SHA-256=[iterations=4096,password=sha256-secret]', '--entity-type', 'users', '--entity-name', 'kshare256'], { timeoutMs: 60_000 })
  if (res.code !== 0) throw new Error(`kafka-configs failed: ${res.stderr}`)
})
t.teardown(async () => { if (broker !== undefined) await stopBroker(broker, { graceMs: 0 }) })

const metadataBody = { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }
const ports = () => {
  const s = broker.nodes[0]?.secure
  if (s === undefined) throw new Error('the harness started no secure listeners')
  return s
}
const scram = () => ({ mechanism: 'SCRAM-SHA-512' as const, username: broker.scram?.username ?? '', password: broker.scram?.password ?? '' })

t.test('SCRAM-SHA-512 over SASL_PLAINTEXT: metadata, topic creation, produce', async t => {
  const cluster = new Cluster({ bootstrapServers: `127.0.0.1:${ports().saslPlaintextPort}`, sasl: scram() })
  t.teardown(() => cluster.close())
  const topic = uniqueName('net-scram')
  await createTopic(cluster, topic, 1)
  t.equal(await produce(cluster, topic, 0, ['secret']), 0n)
  const conn = await cluster.leaderConnection({ topic }, 0)
  t.equal(conn.port, ports().saslPlaintextPort, 'the broker advertises the SASL listener to a SASL client')
  t.ok(conn.ready)
})

t.test('TLS with the test CA; without it the handshake fails with a non-retriable TLS error', async t => {
  const ok = new Cluster({ bootstrapServers: `127.0.0.1:${ports().sslPort}`, tls: { ca: broker.tls?.caCertPem } })
  t.teardown(() => ok.close())
  await ok.refreshMetadata()
  const conn = await ok.anyConnection()
  const res = await conn.send(Metadata, metadataBody)
  t.equal(res.brokers[0]?.port, ports().sslPort)

  const named = new Cluster({ bootstrapServers: `127.0.0.1:${ports().sslPort}`, tls: { ca: broker.tls?.caCertPem, servername: broker.tls?.serverName } })
  t.teardown(() => named.close())
  await named.refreshMetadata()
  t.pass('servername passed through (certificate for localhost)')

  const untrusted = new Cluster({ bootstrapServers: `127.0.0.1:${ports().sslPort}`, tls: true })
  t.teardown(() => untrusted.close())
  const err = await untrusted.refreshMetadata().catch(e => e)
  t.type(err, ConnectionError)
  t.equal(err.reason, 'tls')
  t.equal(err.retriable, false)
  t.match(err.message, /certificate/)
})

t.test('SCRAM-SHA-512 over SASL_SSL', async t => {
  const cluster = new Cluster({ bootstrapServers: `127.0.0.1:${ports().saslSslPort}`, tls: { ca: broker.tls?.caCertPem }, sasl: scram() })
  t.teardown(() => cluster.close())
  await cluster.refreshMetadata()
  t.ok(cluster.metadata.brokers.size > 0)
})

t.test('the share consumer, producer and admin take the same tls and sasl options (SASL_SSL)', async t => {
  const connection: ClusterOptions = { bootstrapServers: `127.0.0.1:${ports().saslSslPort}`, tls: { ca: broker.tls?.caCertPem }, sasl: scram() }
  const topic = uniqueName('net-share')
  const groupId = uniqueName('net-share-g')
  const admin = new Admin(connection)
  const producer = new Producer(connection)
  const consumer = new ShareConsumer({ ...connection, groupId })
  t.teardown(async () => { await consumer.close(); await producer.close(); await admin.close() })
  await admin.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }])
  await admin.alterGroupConfigs(groupId, { 'share.auto.offset.reset': 'earliest' })
  await producer.send({ topic, messages: ['a', 'b', 'c'].map(value => ({ value })) })
  consumer.subscribe([topic])
  const values: string[] = []
  const deadline = Date.now() + 30_000
  while (values.length < 3 && Date.now() < deadline) for (const r of await consumer.poll(1000)) values.push(r.value!.toString())
  t.same(values.sort(), ['a', 'b', 'c'], 'all three records, over TLS with SCRAM')
})

t.test('wrong password: a typed AuthenticationError, and no retry storm', async t => {
  const events: ConnectionTrace[] = []
  const onConn = (m: unknown): void => { if ((m as ConnectionTrace).broker.port === ports().saslPlaintextPort) events.push(m as ConnectionTrace) }
  diagnostics_channel.subscribe(TRACE_CHANNELS.connection, onConn)
  t.teardown(() => diagnostics_channel.unsubscribe(TRACE_CHANNELS.connection, onConn))
  const cluster = new Cluster({ bootstrapServers: `127.0.0.1:${ports().saslPlaintextPort}`, sasl: { ...scram(), password: 'wrong' }, reconnectBackoffMaxMs: 1000 })
  t.teardown(() => cluster.close())
  const started = Date.now()
  const errors: unknown[] = []
  // An application retrying in a tight loop for 1.5 s.
  while (Date.now() - started < 1500) {
    errors.push(await cluster.refreshMetadata().catch(e => e))
    await new Promise(resolve => setTimeout(resolve, 5))
  }
  const first = errors[0] as AuthenticationError
  t.type(first, AuthenticationError)
  t.match(first, { mechanism: 'SCRAM-SHA-512', api: 'SaslAuthenticate', retriable: false })
  t.match(first.message, /SCRAM-SHA-512 authentication to 127\.0\.0\.1:\d+ failed: .*check the user name and password/)
  t.ok(errors.every(e => e instanceof AuthenticationError), `every attempt reports it (${errors.length} calls)`)
  const attempts = events.filter(e => e.event === 'connecting').length
  t.ok(attempts >= 1 && attempts <= 3, `${attempts} connection attempts for ${errors.length} calls over 1.5 s`)
})

t.test('a mechanism the listener does not enable (SASL_SSL: SCRAM-SHA-512 only), and a SASL listener reached without SASL', async t => {
  const sha256 = new Cluster({ bootstrapServers: `127.0.0.1:${ports().saslSslPort}`, tls: { ca: broker.tls?.caCertPem }, sasl: { ...scram(), mechanism: 'SCRAM-SHA-256' } })
  t.teardown(() => sha256.close())
  const err = await sha256.refreshMetadata().catch(e => e)
  t.type(err, AuthenticationError)
  t.match(err.message, /does not enable SASL mechanism SCRAM-SHA-256 on this listener \(it offers SCRAM-SHA-512\)/)

  const none = new Cluster({ bootstrapServers: `127.0.0.1:${ports().saslPlaintextPort}` })
  t.teardown(() => none.close())
  const err2 = await none.refreshMetadata().catch(e => e)
  t.type(err2, ConnectionError)
  t.match(err2.message, /configure tls \/ sasl/)
})

t.test('a connection re-authenticates before the SASL session lifetime granted by the broker runs out', async t => {
  const starts: RequestTrace[] = []
  const onStart = (m: unknown): void => { starts.push(m as RequestTrace) }
  diagnostics_channel.subscribe(TRACE_CHANNELS.start, onStart)
  t.teardown(() => diagnostics_channel.unsubscribe(TRACE_CHANNELS.start, onStart))
  const cluster = new Cluster({ bootstrapServers: `127.0.0.1:${ports().saslPlaintextPort}`, sasl: scram() })
  t.teardown(() => cluster.close())
  const conn = await cluster.anyConnection()
  t.ok(conn.saslSessionLifetimeMs > 0 && conn.saslSessionLifetimeMs <= REAUTH_MS, `the broker granted ${conn.saslSessionLifetimeMs} ms`)
  const until = Date.now() + 2.5 * REAUTH_MS
  let answered = 0
  while (Date.now() < until) {
    await conn.send(Metadata, metadataBody)
    answered++
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  t.notOk(conn.closed, 'still open after 2.5 session lifetimes')
  t.equal(await cluster.anyConnection(), conn, 'the same connection throughout')
  const reauthentications = starts.filter(s => s.connectionId === conn.id && s.api === 'SaslHandshake').length - 1 // the first one opened it
  t.ok(reauthentications >= 2, `${reauthentications} re-authentications while ${answered} requests were answered`)
})

t.test('SCRAM-SHA-256, PLAIN, and OAUTHBEARER with a token callback', async t => {
  const sha256 = new Cluster({ bootstrapServers: `127.0.0.1:${ports().saslPlaintextPort}`, sasl: { mechanism: 'SCRAM-SHA-256', username: 'kshare256', password: 'sha256-secret' } })
  t.teardown(() => sha256.close())
  await sha256.refreshMetadata()
  t.ok(sha256.metadata.brokers.size > 0, 'SCRAM-SHA-256 accepted')

  const plain = new Cluster({ bootstrapServers: `127.0.0.1:${ports().saslPlaintextPort}`, sasl: { mechanism: 'PLAIN', username: 'alice', password: 'alice-secret' } })
  t.teardown(() => plain.close())
  await plain.refreshMetadata()
  t.ok(plain.metadata.brokers.size > 0, 'PLAIN accepted')
  const wrong = new Cluster({ bootstrapServers: `127.0.0.1:${ports().saslPlaintextPort}`, sasl: { mechanism: 'PLAIN', username: 'alice', password: 'nope' } })
  t.teardown(() => wrong.close())
  t.match(await wrong.refreshMetadata().catch(e => e), { name: 'AuthenticationError', mechanism: 'PLAIN' })

  const jwt = (claims: object): string => {
    const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url')
    return `${part({ alg: 'none' })}.${part(claims)}.`
  }
  const now = Math.floor(Date.now() / 1000)
  const asked: unknown[] = []
  const oauth = new Cluster({
    bootstrapServers: `127.0.0.1:${ports().saslPlaintextPort}`,
    sasl: { mechanism: 'OAUTHBEARER', token: async (target) => { asked.push(target); return jwt({ sub: 'kshare', iat: now, exp: now + 3600 }) } }
  })
  t.teardown(() => oauth.close())
  await oauth.refreshMetadata()
  t.ok(oauth.metadata.brokers.size > 0, 'token accepted')
  t.match(asked[0], { host: '127.0.0.1', port: ports().saslPlaintextPort, nodeId: -1 }, 'the callback is told which broker')
  const expired = new Cluster({
    bootstrapServers: `127.0.0.1:${ports().saslPlaintextPort}`,
    sasl: { mechanism: 'OAUTHBEARER', token: () => jwt({ sub: 'kshare', iat: now - 7200, exp: now - 3600 }) }
  })
  t.teardown(() => expired.close())
  const err = await expired.refreshMetadata().catch(e => e)
  t.type(err, AuthenticationError)
  t.match(err.message, /OAUTHBEARER .*(invalid_token|expired|failed)/i, err.message)
})
