import { createServer, type Socket } from 'node:net'
import t from 'tap'
import { runCli } from '../../helpers/run-cli.js'

// Issue 11 defects that need no broker: --version, and a listener that accepts TCP but
// never answers (not Kafka, or wedged) reported as such rather than as "no connection".

t.test('kshare --version prints the package version', async t => {
  for (const flag of ['--version', '-V']) {
    const r = await runCli([flag])
    t.equal(r.code, 0)
    t.match(r.out, /^kshare \d+\.\d+\.\d+\S* \(Kafka protocol of Apache Kafka 4\.4, Node \d+/)
  }
  t.match((await runCli(['--help'])).out, /'kshare --version'/)
})

t.test('a listener that accepts but never answers: "accepted the connection but did not complete the handshake"', async t => {
  const sockets: Socket[] = []
  const server = createServer(s => { sockets.push(s) })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const s of sockets) s.destroy()
    server.close()
  })
  const { port } = server.address() as { port: number }
  const started = Date.now()
  const r = await runCli(['metadata', '--bootstrap', `127.0.0.1:${port}`, '--timeout', '800'])
  t.equal(r.code, 1)
  t.match(r.err, new RegExp(`127\\.0\\.0\\.1:${port} accepted the connection but did not complete the handshake \\(ApiVersions\\) within 800 ms \\(connectTimeoutMs\\): is it a Kafka listener, and does it expect TLS\\?`))
  t.notMatch(r.err, /no connection to/)
  t.ok(sockets.length > 0, 'the connection was accepted')
  t.ok(Date.now() - started < 10_000)
})
