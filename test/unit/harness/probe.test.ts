import { createServer, type Socket } from 'node:net'
import t from 'tap'
import { parseBootstrap, parseHostPort, requestOnce } from '../../harness/probe.js'

// The probe's own socket handling (framing, timeouts, cleanup) against plain TCP servers that
// misbehave on purpose; talking to Kafka itself is covered by the integration tests.

t.test('parses host:port and bootstrap lists', async (t) => {
  t.same(parseHostPort('127.0.0.1:39092'), { host: '127.0.0.1', port: 39092 })
  t.same(parseHostPort('[::1]:9092'), { host: '::1', port: 9092 })
  t.same(parseBootstrap('a:1, b:2,'), [{ host: 'a', port: 1 }, { host: 'b', port: 2 }])
  t.throws(() => parseHostPort('nohost'), /not a host:port/)
})

/** A server on a free port; `onSocket` decides how it misbehaves. */
async function server (onSocket: (s: Socket) => void): Promise<{ port: number, closed: Promise<void>, stop: () => Promise<void> }> {
  let resolveClosed: () => void = () => {}
  const closed = new Promise<void>((resolve) => { resolveClosed = resolve })
  const srv = createServer((s) => { s.on('close', () => resolveClosed()); onSocket(s) })
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  const address = srv.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return { port: address.port, closed, stop: async () => await new Promise<void>((resolve) => srv.close(() => resolve())) }
}

t.test('a silent peer: read timeout, and the socket is closed', async (t) => {
  // resume(): read (and drop) what arrives, so the server notices the hang-up.
  const s = await server((sock) => sock.resume())
  t.teardown(s.stop)
  const started = Date.now()
  await t.rejects(requestOnce({ host: '127.0.0.1', port: s.port }, Buffer.from([0, 0, 0, 0]), { readTimeoutMs: 300 }),
    /no complete response within 300 ms/)
  t.ok(Date.now() - started < 3000, 'gave up on time')
  await s.closed
  t.pass('server saw the connection closed')
})

t.test('a frame split over several packets is reassembled; extra bytes are ignored', async (t) => {
  const s = await server((sock) => {
    sock.once('data', () => {
      sock.write(Buffer.from([0, 0, 0, 5, 1]))
      setTimeout(() => sock.write(Buffer.from([2, 3, 4, 5, 9, 9])), 50)
    })
  })
  t.teardown(s.stop)
  const payload = await requestOnce({ host: '127.0.0.1', port: s.port }, Buffer.from([0, 0, 0, 0]))
  t.same([...payload], [1, 2, 3, 4, 5])
})

t.test('a peer that hangs up mid-frame is an error naming the target', async (t) => {
  const s = await server((sock) => sock.once('data', () => sock.end(Buffer.from([0, 0, 0, 9, 1]))))
  t.teardown(s.stop)
  await t.rejects(requestOnce({ host: '127.0.0.1', port: s.port }, Buffer.from([0, 0, 0, 0])),
    new RegExp(`127\\.0\\.0\\.1:${s.port}: connection closed before a complete response`))
})

t.test('nothing listening: rejected promptly', async (t) => {
  const s = await server(() => {})
  const port = s.port
  await s.stop()
  await t.rejects(requestOnce({ host: '127.0.0.1', port }, Buffer.from([0, 0, 0, 0])), /ECONNREFUSED/)
})
