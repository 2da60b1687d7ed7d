/**
 * Leader failover while a share consumer holds records (explicit mode, unacknowledged), on a
 * private 3-node cluster (the shared broker is never stopped). Topics have replication factor
 * 3 and min ISR 2; 100 records per partition, counted from the producer's offsets.
 *
 * What Kafka 4.4 does (observed here): the old leader drops the share partition with the
 * leadership; the new leader loads the partition's state from the share coordinator, which
 * does not record acquisitions, so the held records are available again at once and come back
 * with the same delivery count (1, not 2). An acknowledgement that reaches the old leader
 * still alive gets UNKNOWN_TOPIC_OR_PARTITION; once the consumer knows of the move it refuses
 * such acknowledgements itself with NOT_LEADER_OR_FOLLOWER (LeaderMovedError), as Java's
 * client does. A dead leader ends its session: acknowledgements before the consumer learns of
 * the new leader fail with ShareSessionLostError (Java: NETWORK_EXCEPTION). A live old leader's
 * session is closed once none of its records are held any more.
 */
import t, { type Test } from 'tap'
import { ErrorCode } from '../../../protocol/error-codes.js'
import { LeaderMovedError, ShareConsumer, ShareSessionLostError, type AcknowledgementResult, type RequestTrace, type ShareRecord } from '../../../index.js'
import { startPrivateBroker, stopBroker, stopNode, type BrokerHandle } from '../../harness/index.js'
import { failoverFixture, fetchedPartitions, fetchesPartition, leaders, moveLeader, TraceLog, type FailoverFixture, type ShareRequestBody } from '../../helpers/share-failover.js'
import { pollUntil } from '../../helpers/share-setup.js'

const PER_PARTITION = 100
// The longest lock the broker allows: held records must outlast a slow leader move on a loaded machine.
const LONG_LOCK = { 'share.record.lock.duration.ms': '60000' }

let broker: BrokerHandle
t.before(async () => { broker = await startPrivateBroker({ brokers: 3 }) })
t.teardown(async () => { if (broker !== undefined) await stopBroker(broker, { graceMs: 0 }) })

/** A consumer of the fixture's group that records every acknowledgement outcome. */
function consumerOf (t: Test, f: FailoverFixture): { consumer: ShareConsumer, outcomes: AcknowledgementResult[] } {
  const consumer = new ShareConsumer({ bootstrapServers: broker.bootstrap, groupId: f.groupId, acknowledgementMode: 'explicit' })
  const outcomes: AcknowledgementResult[] = []
  consumer.onAcknowledgementCommit(results => outcomes.push(...results))
  t.teardown(() => consumer.close())
  consumer.subscribe([f.topic])
  return { consumer, outcomes }
}

/** A consumer holding every record of a fresh fixture, the trace log, and the leader of partition 0. */
async function holding (t: Test, name: string): Promise<{ f: FailoverFixture, traces: TraceLog, consumer: ShareConsumer, outcomes: AcknowledgementResult[], held: ShareRecord[], leader: number }> {
  const f = await failoverFixture(broker.bootstrap, name, 3, PER_PARTITION, LONG_LOCK)
  const traces = new TraceLog(t)
  const { consumer, outcomes } = consumerOf(t, f)
  const held = await holdAll(t, consumer, f)
  const [leader] = await leaders(broker.bootstrap, f.topic)
  return { f, traces, consumer, outcomes, held, leader: leader! }
}

/** Checks that every record of partition 0 came back and that every produced record was accepted in the end. */
function checkAllBack (t: Test, f: FailoverFixture, back: readonly ShareRecord[], outcomes: readonly AcknowledgementResult[]): void {
  const backKeys = new Set(back.map(key))
  t.ok([...f.produced].filter(k => k.startsWith('0:')).every(k => backKeys.has(k)), 'every record of partition 0 came back')
  t.ok(back.every(r => r.deliveryCount >= 1), `delivery counts as the new leader reports them: ${[...new Set(back.map(r => r.deliveryCount))].join(', ')}`)
  t.same([...accepted(outcomes)].sort(), [...f.produced].sort(), `all ${f.produced.size} produced records accepted`)
}

/** Polls until every produced record is held (none acknowledged). */
async function holdAll (t: Test, consumer: ShareConsumer, f: FailoverFixture): Promise<ShareRecord[]> {
  const held = await pollUntil(consumer, all => all.length >= f.produced.size, 60_000)
  t.equal(new Set(held.map(key)).size, f.produced.size, `holding all ${f.produced.size} records`)
  return held
}

/** Accepts whatever comes until every produced record was accepted; returns the records that came back. */
async function acceptTheRest (consumer: ShareConsumer, outcomes: AcknowledgementResult[], f: FailoverFixture, timeoutMs: number): Promise<ShareRecord[]> {
  return await pollUntil(consumer, () => accepted(outcomes).size >= f.produced.size, timeoutMs, batch => {
    for (const r of batch) consumer.acknowledge(r, 'accept')
    if (batch.length > 0) consumer.commitAsync()
  })
}

function ms (n: number): string {
  return `${Math.round(n)} ms`
}

function key (r: { partition: number, offset: bigint }): string {
  return `${r.partition}:${r.offset}`
}

/** Every `partition:offset` whose acknowledgement the broker applied. */
function accepted (outcomes: readonly AcknowledgementResult[]): Set<string> {
  return new Set(outcomes.filter(o => o.error === null).flatMap(o => o.offsets.map(offset => key({ partition: o.partition, offset }))))
}

t.test('the leader moves to another live broker: acks are refused with NOT_LEADER_OR_FOLLOWER, the new leader redelivers, all accepted', async t => {
  const { f, traces, consumer, outcomes, held, leader: oldLeader } = await holding(t, 'moved')
  const newLeader = broker.nodes.map(n => n.nodeId).find(n => n !== oldLeader)!
  const movedAt = performance.now() // the clock of RequestTrace.startTime
  await moveLeader(broker, f.topic, 0, newLeader)
  const moveMs = performance.now() - movedAt

  // The old leader answers the consumer's next fetch with NOT_LEADER_OR_FOLLOWER and points to
  // the new leader (CurrentLeader + NodeEndpoints); the consumer follows without waiting.
  const hint = await traces.waitFor('NOT_LEADER_OR_FOLLOWER from the old leader', () => traces.requests
    .filter(r => r.api === 'ShareFetch' && r.broker.nodeId === oldLeader)
    .flatMap(r => fetchedPartitions(r, f.topicId)).find(p => p.partitionIndex === 0 && p.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER), 30_000)
  t.equal(hint.currentLeader.leaderId, newLeader, `the old leader ${oldLeader} names the new leader ${newLeader}`)
  const followed = await traces.waitFor('a fetch of partition 0 from the new leader', () => traces.requests
    .find(r => r.broker.nodeId === newLeader && fetchesPartition(r, consumer.memberId, f.topicId, 0)), 30_000)
  const followedMs = followed.startTime - movedAt

  const closesOldSession = (r: RequestTrace): boolean => r.broker.nodeId === oldLeader && r.api === 'ShareAcknowledge' &&
    (r.request as ShareRequestBody).memberId === consumer.memberId && (r.request as ShareRequestBody).shareSessionEpoch === -1
  t.notOk(traces.requests.some(closesOldSession), 'the old leader\'s session stays open while its records are held')
  const ackedAt = performance.now()
  for (const r of held) consumer.acknowledge(r, 'accept')
  const results = (await consumer.commitSync()).sort((a, b) => a.partition - b.partition)
  t.type(results[0]?.error, LeaderMovedError, 'partition 0: refused, the leader moved')
  t.match(results[0], { partition: 0, error: { code: ErrorCode.NOT_LEADER_OR_FOLLOWER, errorName: 'NOT_LEADER_OR_FOLLOWER', brokerId: oldLeader } })
  t.equal(results[0]?.offsets.length, PER_PARTITION, 'for every record of partition 0')
  t.same(results.slice(1).map(r => [r.partition, r.offsets.length, r.error]), [[1, PER_PARTITION, null], [2, PER_PARTITION, null]], 'partitions 1 and 2 accepted')

  // The old leader leads nothing for this consumer now and none of its records are held: its session ends.
  t.notOk((await leaders(broker.bootstrap, f.topic)).includes(oldLeader), `broker ${oldLeader} leads no partition of the topic`)
  const closed = await traces.waitFor('the session with the old leader to close', () => traces.requests.find(closesOldSession), 10_000)
  t.ok(closed.startTime > ackedAt, 'closed (ShareAcknowledge epoch -1) once the records were settled')

  const back = await acceptTheRest(consumer, outcomes, f, 60_000)
  const doneMs = performance.now() - movedAt
  t.ok(back.every(r => r.partition === 0), 'only records of partition 0 came back')
  checkAllBack(t, f, back, outcomes)
  t.comment(`leader move ${ms(moveMs)} (Kafka tools); consumer fetching from the new leader ${ms(followedMs)} after the move began; all accepted after ${ms(doneMs)}`)
})

t.test('the leader is killed: acks fail as session lost, then as NOT_LEADER_OR_FOLLOWER; fetching resumes from the new leader, all accepted', async t => {
  const { f, traces, consumer, outcomes, held, leader: victim } = await holding(t, 'killed')
  const killedAt = performance.now()
  await stopNode(broker, victim, { graceMs: 0 }) // SIGKILL: no controlled shutdown, no hand-over
  await traces.waitFor('the fetch connection to the killed leader to close', () => traces.connections
    .find(c => c.event === 'closed' && c.broker.nodeId === victim && c.purpose === 'fetch'), 10_000)

  // The session with the dead leader is gone; the controller has not fenced it yet (that takes
  // broker.session.timeout.ms, 9 s), so the consumer knows no other leader: session lost.
  const [first, ...rest] = held.filter(r => r.partition === 0)
  consumer.acknowledge(first!, 'accept')
  for (const r of held) if (r.partition !== 0) consumer.acknowledge(r, 'accept')
  const early = (await consumer.commitSync(60_000)).sort((a, b) => a.partition - b.partition)
  t.type(early[0]?.error, ShareSessionLostError, 'partition 0 right after the kill: session lost')
  t.same(early[0]?.offsets, [first!.offset])
  t.comment(`partitions 1 and 2: ${early.slice(1).map(r => `${r.partition}: ${r.error?.message ?? 'accepted'}`).join('; ')} (${ms(performance.now() - killedAt)} after the kill)`)

  // Failed requests to the dead leader make the consumer look the partition up again until the
  // metadata names a new leader.
  const resumed = await traces.waitFor('a fetch of partition 0 from a new leader', () => traces.requests
    .find(r => r.broker.nodeId !== victim && fetchesPartition(r, consumer.memberId, f.topicId, 0)), 60_000)
  const resumedMs = resumed.startTime - killedAt
  for (const r of rest) consumer.acknowledge(r, 'accept')
  const late = (await consumer.commitSync()).filter(r => r.partition === 0)
  t.type(late[0]?.error, LeaderMovedError, 'partition 0 once the new leader is known: NOT_LEADER_OR_FOLLOWER')
  t.match(late[0], { error: { code: ErrorCode.NOT_LEADER_OR_FOLLOWER, brokerId: victim } })
  t.equal(late[0]?.offsets.length, PER_PARTITION - 1)

  const back = await acceptTheRest(consumer, outcomes, f, 90_000)
  const doneMs = performance.now() - killedAt
  const fromNewLeader = traces.requests.filter(r => r.api === 'ShareFetch' && r.broker.nodeId !== victim && r.startTime >= resumed.startTime)
    .flatMap(r => fetchedPartitions(r, f.topicId)).filter(p => p.partitionIndex === 0 && p.acquiredRecords.length > 0)
  t.ok(fromNewLeader.length > 0, `partition 0 delivered by the new leader ${resumed.broker.nodeId}`)
  checkAllBack(t, f, back, outcomes)
  t.comment(`fetching from the new leader ${ms(resumedMs)} after the kill; all accepted after ${ms(doneMs)}`)
})
