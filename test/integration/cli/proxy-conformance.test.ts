import t from 'tap'
import { parseBootstrapServers } from '../../../client/address.js'
import { FindCoordinator, Metadata, randomUuid, ZERO_UUID, ShareAcknowledge, ShareFetch, ShareGroupHeartbeat } from '../../../protocol/index.js'
import { KafkaProxy } from '../../../cli/proxy/proxy.js'
import { Monitor } from '../../../cli/proxy/monitor.js'
import { testBootstrap } from '../../harness/index.js'
import { createTopic, produceRecords, setGroupConfigs, uniqueName } from '../../helpers/share-setup.js'
import { RawClient } from '../../helpers/raw-client.js'
import { runCli } from '../../helpers/run-cli.js'

/** A proxy in front of the test cluster whose monitor's output the test reads. */
async function monitoredProxy (t: { teardown: (fn: () => Promise<void>) => void }): Promise<{ port: number, lines: string[], monitor: Monitor, proxy: KafkaProxy }> {
  const proxy = new KafkaProxy({ listen: { host: '127.0.0.1', port: 0 }, upstream: parseBootstrapServers(testBootstrap())[0]! })
  const lines: string[] = []
  const monitor = new Monitor(text => lines.push(...text.split('\n').filter(l => l !== '')), { filter: {}, verbose: false, json: false })
  proxy.on('connection', c => c.event === 'open'
    ? monitor.opened({ connection: c.connection, at: c.at, peer: `${c.peer.host}:${c.peer.port}`, upstream: c.upstream })
    : monitor.closed({ connection: c.connection, at: c.at, peer: `${c.peer.host}:${c.peer.port}`, upstream: c.upstream, closedBy: c.closedBy }))
  proxy.on('frame', f => monitor.frame(f))
  const local = await proxy.start()
  t.teardown(() => proxy.close())
  return { port: local.port, lines, monitor, proxy }
}

/**
 * A member made of raw frames through the proxy at `port`: joined `group` (subscribed to
 * `topic`, one partition) at its coordinator, with a connection to the partition's leader.
 */
async function rawMember (t: { teardown: (fn: () => void) => void }, port: number, topic: string, group: string): Promise<{ fetcher: RawClient, memberId: string, memberEpoch: number, topicId: string }> {
  const boot = await RawClient.connect('127.0.0.1', port)
  t.teardown(() => boot.close())
  const metadata = await boot.call(Metadata, 12, { topics: [{ topicId: ZERO_UUID, name: topic }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })
  const meta = metadata.topics[0]!
  const leader = metadata.brokers.find(b => b.nodeId === meta.partitions[0]!.leaderId)!
  // A new cluster answers COORDINATOR_NOT_AVAILABLE until its group topics exist: ask again, as clients do.
  let coordinator = (await boot.call(FindCoordinator, 6, { keyType: 0, coordinatorKeys: [group] })).coordinators[0]!
  for (let i = 0; i < 60 && coordinator.errorCode !== 0; i++) {
    await new Promise(resolve => setTimeout(resolve, 250))
    coordinator = (await boot.call(FindCoordinator, 6, { keyType: 0, coordinatorKeys: [group] })).coordinators[0]!
  }
  if (coordinator.errorCode !== 0) throw new Error(`no coordinator for ${group}: error ${coordinator.errorCode}`)
  const coord = await RawClient.connect(coordinator.host, coordinator.port)
  t.teardown(() => coord.close())
  const fetcher = await RawClient.connect(leader.host, leader.port)
  t.teardown(() => fetcher.close())
  const memberId = randomUuid()
  let memberEpoch = 0
  for (let i = 0; i < 30; i++) {
    const hb = await coord.call(ShareGroupHeartbeat, 1, { groupId: group, memberId, memberEpoch, subscribedTopicNames: memberEpoch === 0 ? [topic] : null })
    if (hb.errorCode === 0) memberEpoch = hb.memberEpoch
    if (hb.assignment !== null && hb.assignment.topicPartitions.length > 0) break
    await new Promise(resolve => setTimeout(resolve, 500))
  }
  return { fetcher, memberId, memberEpoch, topicId: meta.topicId }
}

const batch = (first: number, last: number, type: number): { firstOffset: bigint, lastOffset: bigint, acknowledgeTypes: number[] } =>
  ({ firstOffset: BigInt(first), lastOffset: BigInt(last), acknowledgeTypes: [type] })

// A raw-frame client that breaks each share-session rule once, through the real proxy
// against the real cluster: the checker must name every violation.
t.test('the conformance checker catches a misbehaving member', async t => {
  const bootstrap = testBootstrap()
  const topic = uniqueName('conf-bad')
  const group = uniqueName('conf-bad-g')
  await createTopic(bootstrap, topic, 1)
  await setGroupConfigs(bootstrap, group, { 'share.auto.offset.reset': 'earliest' })
  await produceRecords(bootstrap, topic, 20, 1)
  const { port, lines, monitor } = await monitoredProxy(t)

  const { fetcher, memberId, memberEpoch, topicId } = await rawMember(t, port, topic, group)
  t.ok(memberEpoch > 0, 'joined the group')

  let epoch = 0
  const fetch = async (shareSessionEpoch: number, acks: ReturnType<typeof batch>[] = []): Promise<number> => {
    const r = await fetcher.call(ShareFetch, 2, {
      groupId: group, memberId, shareSessionEpoch, maxWaitMs: 200, minBytes: 1, maxBytes: 1 << 20, maxRecords: 10, batchSize: 10,
      topics: [{ topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: acks }] }], forgottenTopicsData: []
    })
    if (r.errorCode === 0) epoch = shareSessionEpoch === -1 ? 0 : shareSessionEpoch + 1
    return r.errorCode
  }
  const acknowledge = async (acks: ReturnType<typeof batch>[], isRenewAck = false): Promise<number> => {
    const r = await fetcher.call(ShareAcknowledge, 2, {
      groupId: group, memberId, shareSessionEpoch: epoch, isRenewAck, topics: [{ topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: acks }] }]
    })
    if (r.errorCode === 0) epoch++
    return r.errorCode
  }

  await fetch(0, [batch(0, 0, 1)]) // acks on epoch 0 (for records never acquired)
  for (let i = 0; i < 10 && !lines.some(l => / ← ShareFetch .*acquired\[/.test(l)); i++) await fetch(epoch) // opens the session, acquires
  t.ok(lines.some(l => /acquired\[0-19×1\]/.test(l)), 'offsets 0-19 acquired (whole batches)')
  await fetch(epoch, [batch(5, 6, 1), batch(0, 1, 1)]) // unsorted
  await fetch(epoch, [batch(2, 4, 1), batch(3, 5, 1)]) // overlapping
  await acknowledge([batch(7, 7, 4)]) // renew without IsRenewAck
  await acknowledge([batch(25, 26, 1)]) // offsets this member was never handed
  await fetch(epoch + 1) // skips an epoch
  await fetch(epoch) // the right one again
  const repeated = epoch - 1
  if (await fetch(repeated) === 0) t.fail('the broker took a repeated epoch')
  await fetch(-1)

  const violations = lines.filter(l => l.includes('✗ VIOLATION'))
  const rules = new Set(violations.map(l => /VIOLATION (\S+)/.exec(l)![1]))
  t.same([...rules].sort(), ['ack-batches-overlap', 'ack-batches-unsorted', 'ack-not-acquired', 'ack-on-epoch-0', 'epoch-repeated', 'epoch-skipped', 'renew-without-flag'],
    `every violation reported:\n${violations.join('\n')}`)
  t.ok(violations.every(l => l.includes('raw-misbehaving') && l.includes(`member=${memberId}`)), 'each names the client and the member')
  t.match(violations.find(l => l.includes('ack-not-acquired') && l.includes('ShareAcknowledge'))!, /acknowledges 25-26, not acquired by this member/)
  t.ok(lines.some(l => / ! event held-at-close .*released implicitly/.test(l)), 'closing with records held is an event')
  t.equal(monitor.findings.violations, violations.length)
  const summary = monitor.summary(Date.now())
  t.match(summary, /ShareFetch\s+\d+\s+[\d.]+/, 'summary has ShareFetch latencies')
  t.match(summary, new RegExp(`${memberId} \\(raw-misbehaving\\)\\s+20 `), 'summary counts the 20 acquired records')
  t.comment(summary)
})

// kshare's documented close: records not acknowledged are released by closing the share
// session (epoch -1). Legitimate, so an event with its numbers, not a violation.
t.test('kshare share-consume --ack none: held-at-close is an event, not a violation', async t => {
  const bootstrap = testBootstrap()
  const topic = uniqueName('conf-held')
  const group = uniqueName('conf-held-g')
  await createTopic(bootstrap, topic, 1)
  await setGroupConfigs(bootstrap, group, { 'share.auto.offset.reset': 'earliest' })
  await produceRecords(bootstrap, topic, 5, 1)
  const { port, lines, monitor } = await monitoredProxy(t)
  const r = await runCli(['share-consume', '--bootstrap', `127.0.0.1:${port}`, '--group', group, '--topic', topic, '--max', '5', '--ack', 'none'])
  t.equal(r.code, 0, r.err)
  t.same(monitor.findings, { violations: 0, events: 1 })
  t.ok(lines.some(l => new RegExp(`#\\d+ kshare-cli ! event held-at-close member=\\S+: session closed \\(epoch -1\\) with 5 records still held, released implicitly: ${topic}-0 0-4$`).test(l)),
    lines.filter(l => /event/.test(l)).join('\n'))
  t.match(monitor.summary(Date.now()), /\(kshare-cli\)\s+5\s+0\s+5\s+0\s+0\s+0\s+0$/m, 'acquired 5, released 5 (at close), none held')
})

// An acknowledgement after the acquisition lock ran out is legal (the broker may already have
// handed the record on): an event saying how late, by the proxy's clock.
t.test('an ack after the lock ran out is an event with how late it was', async t => {
  const bootstrap = testBootstrap()
  const topic = uniqueName('conf-late')
  const group = uniqueName('conf-late-g')
  await createTopic(bootstrap, topic, 1)
  await setGroupConfigs(bootstrap, group, { 'share.auto.offset.reset': 'earliest', 'share.record.lock.duration.ms': '1000' })
  await produceRecords(bootstrap, topic, 2, 1)
  const { port, lines, monitor } = await monitoredProxy(t)
  const { fetcher, memberId, topicId } = await rawMember(t, port, topic, group)
  let epoch = 0
  let lock = 0
  for (let i = 0; i < 10 && lock === 0; i++) {
    const r = await fetcher.call(ShareFetch, 2, {
      groupId: group, memberId, shareSessionEpoch: epoch, maxWaitMs: 200, minBytes: 1, maxBytes: 1 << 20, maxRecords: 10, batchSize: 10,
      topics: [{ topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: [] }] }], forgottenTopicsData: []
    })
    if (r.errorCode === 0) epoch++
    if (r.responses.some(p => p.partitions.some(q => q.acquiredRecords.length > 0))) lock = r.acquisitionLockTimeoutMs
  }
  t.equal(lock, 1000, 'acquired with the group\'s 1 s lock')
  await new Promise(resolve => setTimeout(resolve, 1500))
  await fetcher.call(ShareAcknowledge, 2, {
    groupId: group, memberId, shareSessionEpoch: epoch, isRenewAck: false,
    topics: [{ topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: [batch(0, 1, 1)] }] }]
  })
  t.equal(monitor.findings.violations, 0)
  const late = lines.find(l => / ! event late-ack /.test(l))
  t.ok(late !== undefined, lines.join('\n'))
  const ms = Number(/acknowledges 0-1 (\d+) ms after the acquisition lock ran out/.exec(late ?? '')?.[1])
  t.ok(ms >= 400 && ms < 5000, `late by ${ms} ms (slept 1500 ms on a 1000 ms lock)`)
  t.match(monitor.summary(Date.now()), new RegExp(`${memberId} \\(raw-misbehaving\\)\\s+2\\s+\\d+\\s+\\d+\\s+0\\s+0\\s+2 `), 'both records counted as expired')
})
