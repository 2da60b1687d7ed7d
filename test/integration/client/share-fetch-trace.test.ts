/**
 * Against the shared broker, with a share-group member joined by raw heartbeats:
 * - a subscriber on the diagnostics channels sees the decoded ShareFetch request and
 *   response fields (group, member, session epoch, acquired records, lock timeout);
 * - a long-polling ShareFetch whose timeout is shorter than its maxWaitMs fails with a typed
 *   RequestTimeoutError, the connection stays open and usable, and the late response is
 *   discarded (seen on the wire channel as `late`).
 */
import diagnostics_channel from 'node:diagnostics_channel'
import t from 'tap'
import { Cluster } from '../../../client/cluster.js'
import { RequestTimeoutError } from '../../../client/errors.js'
import { TRACE_CHANNELS, type RequestTrace, type WireTrace } from '../../../client/tracing.js'
import { Metadata, ShareFetch, describeMessage, renderTree } from '../../../protocol/index.js'
import { testBootstrap } from '../../harness/index.js'
import { createTopic, joinShareGroup, produce, setGroupConfig, uniqueName } from './broker-ops.js'

t.test('decoded ShareFetch on the diagnostics channel; a long poll timing out leaves the connection usable', async t => {
  const cluster = new Cluster({ bootstrapServers: testBootstrap() })
  t.teardown(() => cluster.close())
  const topic = uniqueName('net-share')
  const group = uniqueName('net-share-group')
  await createTopic(cluster, topic, 1)
  await setGroupConfig(cluster, group, { 'share.auto.offset.reset': 'earliest' })
  await produce(cluster, topic, 0, ['one', 'two', 'three'])
  const member = await joinShareGroup(cluster, group, [topic])
  t.teardown(() => member.leave())
  const { topicId } = await cluster.topic({ topic })

  const wire: WireTrace[] = []
  const ends: RequestTrace[] = []
  const onWire = (m: unknown): void => { if ((m as WireTrace).api === 'ShareFetch' || (m as WireTrace).api === 'Metadata') wire.push(m as WireTrace) }
  const onEnd = (m: unknown): void => { ends.push(m as RequestTrace) }
  diagnostics_channel.subscribe(TRACE_CHANNELS.wire, onWire)
  diagnostics_channel.subscribe(TRACE_CHANNELS.end, onEnd)
  t.teardown(() => {
    diagnostics_channel.unsubscribe(TRACE_CHANNELS.wire, onWire)
    diagnostics_channel.unsubscribe(TRACE_CHANNELS.end, onEnd)
  })

  const conn = await cluster.leaderConnection({ topicId }, 0, 'fetch')
  const fetch = (epoch: number, maxWaitMs: number, acks: boolean) => ({
    groupId: group, memberId: member.memberId, shareSessionEpoch: epoch, maxWaitMs, minBytes: 1, maxBytes: 1 << 20, maxRecords: 100, batchSize: 100,
    topics: [{ topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: acks ? [{ firstOffset: 0n, lastOffset: 2n, acknowledgeTypes: [1] }] : [] }] }],
    forgottenTopicsData: []
  })
  const first = await conn.send(ShareFetch, fetch(0, 5000, false), { timeoutMs: 15_000 })
  t.equal(first.errorCode, 0)
  t.same(first.responses[0]?.partitions[0]?.acquiredRecords, [{ firstOffset: 0n, lastOffset: 2n, deliveryCount: 1 }])

  const req = wire.find(w => w.direction === 'request' && w.api === 'ShareFetch')
  const res = wire.find(w => w.direction === 'response' && w.api === 'ShareFetch')
  t.match(req, { api: 'ShareFetch', version: conn.versionFor(ShareFetch), purpose: 'fetch', connectionId: conn.id, broker: { nodeId: conn.nodeId } })
  t.match(req?.body, { groupId: group, memberId: member.memberId, shareSessionEpoch: 0, maxRecords: 100, shareAcquireMode: 0, isRenewAck: false }, 'decoded request, defaults filled in')
  t.match(res?.body, { errorCode: 0, responses: [{ topicId, partitions: [{ partitionIndex: 0, acquiredRecords: [{ firstOffset: 0n, lastOffset: 2n, deliveryCount: 1 }] }] }] })
  t.ok(((res?.body as { acquisitionLockTimeoutMs?: number }).acquisitionLockTimeoutMs ?? 0) > 0, 'acquisition lock timeout decoded')
  const printed = renderTree(describeMessage(ShareFetch, res?.version ?? 1, 'response', res?.body as object))
  t.match(printed, /acquiredRecords \(1\):\n\s+\[0\]:\n\s+firstOffset: 0\n\s+lastOffset: 2\n\s+deliveryCount: 1/, 'the CLI can print it')
  const end = ends.find(e => e.api === 'ShareFetch')
  t.match(end, { api: 'ShareFetch', broker: { nodeId: conn.nodeId, host: conn.host, port: conn.port }, correlationId: req?.correlationId })
  t.ok((end?.durationMs ?? -1) >= 0, 'duration measured')
  t.equal(end?.response, first, 'end carries the decoded response')

  // Accept the three records, then long-poll an empty partition for 3 s with a 500 ms timeout.
  const started = Date.now()
  const err = await conn.send(ShareFetch, fetch(1, 3000, true), { timeoutMs: 500 }).catch(e => e)
  const timedOutAfter = Date.now() - started
  t.type(err, RequestTimeoutError)
  t.match(err, { api: 'ShareFetch', brokerId: conn.nodeId, timeoutMs: 500, retriable: true })
  t.ok(timedOutAfter >= 450 && timedOutAfter < 1500, `timed out at ~500 ms (${timedOutAfter} ms)`)
  t.notOk(conn.closed, 'the connection stays open')

  // The broker answers one request per connection at a time: this waits for the long poll.
  const meta = await conn.send(Metadata, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })
  t.ok(meta.brokers.length > 0, 'the same connection still answers')
  t.ok(Date.now() - started >= 2500, 'after the long poll ended on the broker')
  t.ok(wire.some(w => w.direction === 'response' && w.api === 'ShareFetch' && w.late === true), 'the late ShareFetch response was discarded')
  const late = wire.find(w => w.late === true)
  t.match(late?.body, { errorCode: 0 }, 'the session was valid: epoch 1 accepted')
  t.equal(cluster.pool.peek(conn.nodeId, 'fetch'), conn, 'no reconnect happened')
})
