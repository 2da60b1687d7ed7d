import { execFile } from 'node:child_process'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { Connection } from '../../../client/connection.js'
import { ConnectionError, RequestTimeoutError } from '../../../client/errors.js'
import { TRACE_CHANNELS, type WireTrace } from '../../../client/tracing.js'
import diagnostics_channel from 'node:diagnostics_channel'
import { Metadata, SaslAuthenticate, encodeResponse } from '../../../protocol/index.js'
import { kafkaLike, peer } from './fixtures/fake-peer.js'

/**
 * Fault-injecting peers: a local net.Server that plays a bad or slow broker. They test how
 * the connection handles a peer; they do not stand in for a Kafka broker (integration tests do).
 */

const SCENARIO = fileURLToPath(new URL('./fixtures/connect-scenario.js', import.meta.url))

interface Outcome { ok: boolean, kafkaError?: boolean, name?: string, reason?: string, option?: string, retriable?: boolean, message?: string, elapsedMs?: number }

/** Runs the scenario in a child; resolves with its JSON line, the exit code and how long after that line it exited. */
function runChild (bootstrap: string, connectTimeoutMs = 1000): Promise<{ outcome: Outcome, code: number | null, exitLagMs: number, stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [SCENARIO, bootstrap, String(connectTimeoutMs), '1000'], { timeout: 15_000 }, (err, stdout, stderr) => {
      const exitLagMs = Date.now() - printedAt
      const line = stdout.trim().split('\n')[0] ?? ''
      try {
        resolve({ outcome: JSON.parse(line) as Outcome, code: err === null ? 0 : (typeof err.code === 'number' ? err.code : null), exitLagMs, stderr })
      } catch {
        reject(new Error(`child printed ${JSON.stringify(stdout)} ${stderr}`))
      }
    })
    let printedAt = Date.now()
    child.stdout?.on('data', () => { printedAt = Date.now() })
  })
}

const metadataBody = { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }
const emptyMetadata = { throttleTimeMs: 0, brokers: [], clusterId: null, controllerId: -1, topics: [], clusterAuthorizedOperations: -2147483648, errorCode: 0 }

t.test('bad peers: typed errors in time, nothing unhandled, nothing left that keeps the process alive', async t => {
  const closedPort = await peer(() => {})
  const refusedAddress = closedPort.address
  await closedPort.close()
  const cases: Array<{ what: string, behaviour?: (s: net.Socket) => void, address?: string, expect: Partial<Outcome>, within: number }> = [
    { what: 'nothing listens (unreachable bootstrap)', address: refusedAddress, expect: { name: 'ConnectionError', reason: 'refused', retriable: true }, within: 1000 },
    { what: 'malformed host:port', address: 'localhost', expect: { name: 'ConfigurationError', option: 'bootstrapServers', retriable: false }, within: 500 },
    { what: 'accepts and stays silent', behaviour: () => {}, expect: { name: 'ConnectionError', reason: 'timeout' }, within: 1600 },
    { what: 'answers with garbage (an HTTP error page)', behaviour: s => s.once('data', () => s.write('HTTP/1.1 400 Bad Request\r\n\r\n')), expect: { name: 'ConnectionError', reason: 'protocol' }, within: 600 },
    { what: 'announces a 2 GB frame', behaviour: s => s.once('data', () => s.write(Buffer.from([0x80, 0, 0, 0]))), expect: { name: 'ConnectionError', reason: 'protocol' }, within: 600 },
    { what: 'closes in the middle of a frame', behaviour: s => s.once('data', () => s.end(Buffer.from([0, 0, 0, 100, 0, 0, 0, 1, 9, 9]))), expect: { name: 'ConnectionError', reason: 'reset' }, within: 600 },
    { what: 'answers with another correlation id', behaviour: s => s.once('data', () => s.write(Buffer.from([0, 0, 0, 6, 0x7f, 0, 0, 0, 0, 0]))), expect: { name: 'ConnectionError', reason: 'protocol' }, within: 600 }
  ]
  for (const c of cases) {
    const p = c.behaviour === undefined ? undefined : await peer(c.behaviour)
    const { outcome, code, exitLagMs, stderr } = await runChild(c.address ?? p?.address ?? '')
    await p?.close()
    t.match(outcome, { ok: false, kafkaError: true, ...c.expect }, `${c.what}: ${outcome.message ?? ''}`)
    t.ok((outcome.elapsedMs ?? Infinity) < c.within, `${c.what}: failed within ${c.within} ms (took ${outcome.elapsedMs} ms)`)
    t.equal(code, 0, `${c.what}: exit code 0, no unhandled rejection ${stderr}`)
    t.ok(exitLagMs < 500, `${c.what}: the process exited on its own ${exitLagMs} ms after failing`)
  }
  t.match((await runChild(refusedAddress)).outcome.message, /refused.*is the broker running/, 'the message says what to check')
})

t.test('a timed-out request leaves the connection usable; its late response is discarded', async t => {
  const held: Array<() => void> = []
  const p = await peer(kafkaLike((s, _apiKey, version, correlationId) => {
    const answer = (): void => { s.write(encodeResponse(Metadata, version, correlationId, emptyMetadata)) }
    if (held.length === 0 && correlationId === 2) held.push(answer) // the first request after ApiVersions: hold it
    else answer()
  }))
  t.teardown(() => p.close())
  const wire: WireTrace[] = []
  const onWire = (m: unknown): void => { wire.push(m as WireTrace) }
  diagnostics_channel.subscribe(TRACE_CHANNELS.wire, onWire)
  t.teardown(() => diagnostics_channel.unsubscribe(TRACE_CHANNELS.wire, onWire))
  const conn = await Connection.connect({ host: '127.0.0.1', port: p.port })
  const started = Date.now()
  const err = await conn.send(Metadata, metadataBody, { timeoutMs: 200 }).catch(e => e)
  t.type(err, RequestTimeoutError)
  t.equal(err.correlationId, 2)
  t.equal(err.api, 'Metadata')
  t.ok(Date.now() - started < 400, 'rejected at the timeout')
  held[0]?.()
  const res = await conn.send(Metadata, metadataBody)
  t.same(res.brokers, [], 'the next request on the same connection succeeds')
  t.ok(wire.some(w => w.direction === 'response' && w.correlationId === 2 && w.late === true), 'the late response was seen and discarded')
  t.notOk(conn.closed)
  await conn.close()
})

t.test('in-flight requests are bounded; the rest queue in order; a queued request can time out', async t => {
  let maxSeen = 0
  let outstanding: Array<() => void> = []
  const p = await peer(kafkaLike((s, _k, version, correlationId) => {
    outstanding.push(() => s.write(encodeResponse(Metadata, version, correlationId, { ...emptyMetadata, controllerId: correlationId })))
    maxSeen = Math.max(maxSeen, outstanding.length)
  }))
  t.teardown(() => p.close())
  const conn = await Connection.connect({ host: '127.0.0.1', port: p.port, maxInFlightRequests: 3 })
  const results = Array.from({ length: 10 }, () => conn.send(Metadata, metadataBody))
  const late = conn.send(Metadata, metadataBody, { timeoutMs: 100 })
  await new Promise(resolve => setTimeout(resolve, 50))
  t.equal(conn.inFlightCount, 3)
  t.equal(conn.queuedCount, 8)
  const lateErr = await late.catch(e => e)
  t.type(lateErr, RequestTimeoutError)
  t.equal(lateErr.correlationId, -1, 'never sent')
  while (outstanding.length > 0 || conn.inFlightCount > 0) {
    const batch = outstanding
    outstanding = []
    for (const answer of batch) answer()
    await new Promise(resolve => setTimeout(resolve, 10))
  }
  const ids = (await Promise.all(results)).map(r => r.controllerId)
  t.same(ids, Array.from({ length: 10 }, (_, i) => i + 2), 'answered in order')
  t.equal(maxSeen, 3, 'the peer never saw more than 3 unanswered requests')
  await conn.close()
})

t.test('socket writes respect backpressure: a peer that stops reading stops our writes', async t => {
  let frames = 0
  let resume = (): void => {}
  const p = await peer(kafkaLike((s, _k, version, correlationId) => {
    frames++
    s.write(encodeResponse(SaslAuthenticate, version, correlationId, { errorCode: 0, errorMessage: null, authBytes: Buffer.alloc(0) }))
  }, s => {
    // Stop reading once connected, until the test has looked: the kernel buffers fill up.
    // (Resuming on a timer raced with the test's own wait on a busy machine.)
    s.pause()
    resume = () => s.resume()
  }))
  t.teardown(() => p.close())
  const conn = await Connection.connect({ host: '127.0.0.1', port: p.port, maxInFlightRequests: 100 })
  const big = Buffer.alloc(4 * 1024 * 1024, 1)
  const pending = Array.from({ length: 20 }, () => conn.send(SaslAuthenticate, { authBytes: big }, { timeoutMs: 60_000 }))
  await new Promise(resolve => setTimeout(resolve, 200))
  t.ok(conn.queuedCount >= 15, `requests wait in our queue while the peer does not read (${conn.queuedCount} queued, ${conn.inFlightCount} written)`)
  t.equal(frames, 0, 'the peer read nothing yet')
  resume()
  await Promise.all(pending)
  t.equal(frames, 20, 'every request reached the peer once it drained')
  await conn.close()
})

t.test('close() fails pending requests with a typed error and tells onClose listeners once', async t => {
  const p = await peer(kafkaLike(() => {}))
  t.teardown(() => p.close())
  const conn = await Connection.connect({ host: '127.0.0.1', port: p.port })
  const reasons: string[] = []
  conn.onClose(err => reasons.push((err as ConnectionError).reason))
  const pending = conn.send(Metadata, metadataBody).catch(e => e)
  await conn.close()
  const err = await pending
  t.type(err, ConnectionError)
  t.equal(err.reason, 'closed')
  t.equal(err.api, 'Metadata')
  await new Promise(resolve => setImmediate(resolve))
  t.same(reasons, ['closed'])
  t.rejects(conn.send(Metadata, metadataBody), ConnectionError, 'a closed connection refuses new requests')
})

t.test('the peer going away fails in-flight requests at once with reason reset', async t => {
  const p = await peer(kafkaLike(s => setTimeout(() => s.destroy(), 50)))
  t.teardown(() => p.close())
  const conn = await Connection.connect({ host: '127.0.0.1', port: p.port })
  const lost: unknown[] = []
  conn.onClose(e => lost.push(e))
  const started = Date.now()
  const err = await conn.send(Metadata, metadataBody, { timeoutMs: 10_000 }).catch(e => e)
  t.type(err, ConnectionError)
  t.equal(err.reason, 'reset')
  t.ok(Date.now() - started < 1000, 'promptly, not at the timeout')
  await new Promise(resolve => setImmediate(resolve))
  t.equal(lost.length, 1)
})
