import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { runKafkaTool, startPrivateBroker, stopBroker } from '../harness/index.js'

// The optional secured listeners (for the network layer's TLS/SASL tests), checked with
// Kafka's own client (BrokerApiVersionsCommand from kafka-tools, through the harness's tool
// runner): SCRAM-SHA-512 credentials made at format time, and TLS with the generated CA.

t.test('secure broker: SASL_PLAINTEXT, SSL and SASL_SSL accept the harness credentials and CA', async (t) => {
  const handle = await startPrivateBroker({ secure: true })
  const dir = mkdtempSync(join(tmpdir(), 'kshare-secure-test-'))
  t.teardown(async () => {
    await stopBroker(handle, { graceMs: 0 })
    rmSync(dir, { recursive: true, force: true })
  })
  const node = handle.nodes[0]
  if (node?.secure === undefined || handle.scram === undefined || handle.tls === undefined) throw new Error('no secure listeners in the handle')
  t.match(handle.tls.caCertPem, /^-----BEGIN CERTIFICATE-----/)
  const jaas = (password: string): string =>
    `sasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${handle.scram?.username ?? ''}" password="${password}";\n`
  const trust = `ssl.truststore.type=PEM\nssl.truststore.location=${handle.tls.caCertFile}\n`
  const cases: Array<[string, number, string, boolean]> = [
    ['SASL_PLAINTEXT', node.secure.saslPlaintextPort, 'security.protocol=SASL_PLAINTEXT\n' + jaas(handle.scram.password), true],
    ['SSL', node.secure.sslPort, 'security.protocol=SSL\n' + trust, true],
    ['SASL_SSL', node.secure.saslSslPort, 'security.protocol=SASL_SSL\n' + jaas(handle.scram.password) + trust, true],
    ['SASL_PLAINTEXT, wrong password', node.secure.saslPlaintextPort, 'security.protocol=SASL_PLAINTEXT\n' + jaas('wrong'), false]
  ]
  for (const [i, [name, port, config, ok]] of cases.entries()) {
    const file = join(dir, `client-${i}.properties`)
    // Generous client timeouts: on a loaded 2-core machine a TLS handshake in a cold JVM can
    // take longer than the tool's 5 s default. One case at a time for the same reason.
    writeFileSync(file, config + 'request.timeout.ms=60000\ndefault.api.timeout.ms=120000\n')
    const res = await runKafkaTool('org.apache.kafka.tools.BrokerApiVersionsCommand',
      ['--bootstrap-server', `127.0.0.1:${port}`, '--command-config', file], { timeoutMs: 180_000 })
    const why = res.stderr.split('\n').filter((l) => l.trim() !== '' && !/^\s+at /.test(l)).slice(-3).join(' | ')
    if (ok) {
      t.equal(res.code, 0, `${name}: the Kafka client connects${res.code === 0 ? '' : ` (${why})`}`)
      t.match(res.stdout, new RegExp(`127\\.0\\.0\\.1:${port} \\(id: 1`), `${name}: lists the broker's APIs`)
    } else {
      t.not(res.code, 0, `${name}: refused`)
      t.match(res.stderr, /invalid credentials with SASL mechanism SCRAM-SHA-512/, `${name}: authentication failed`)
    }
  }
})
