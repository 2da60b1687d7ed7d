/**
 * Every Admin call against a real broker. The share group is a real one: Kafka's Java
 * ConsoleShareConsumer joins it, consumes and accepts our records, then leaves on SIGTERM,
 * so describe/list/offset calls see a group made by the reference client.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { Cluster } from '../../../client/cluster.js'
import { Admin, AdminError, BrokerResponseError, Producer, type CreatedTopic } from '../../../index.js'
import { kafkaToolCommand, testBootstrap } from '../../harness/index.js'
import { uniqueName } from './broker-ops.js'

const bootstrap = testBootstrap()
const admin = new Admin({ bootstrapServers: bootstrap, apiTimeoutMs: 30_000 })
t.teardown(() => admin.close())

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection (p: Promise<unknown>): Promise<unknown> {
  return await p.then(v => { throw new Error(`expected a rejection, got ${JSON.stringify(v, (_, x) => typeof x === 'bigint' ? String(x) : x)}`) }, (e: unknown) => e)
}

/** Polls `check` every 200 ms until it returns a value, or fails after `ms`. */
async function eventually<T> (what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await check()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(200)
  }
}

t.test('createTopics resolves with leaders known; ifNotExists; per-topic typed errors', async t => {
  const name = uniqueName('adm-create')
  const [created] = await admin.createTopics([{ name, partitions: 3, replicationFactor: 1, configs: { 'retention.ms': '3600000' } }])
  t.match(created, { name, partitions: 3, replicationFactor: 1, created: true, error: null })
  t.equal(created!.topicId.length, 22, 'topic id')
  // A fresh client finds a leader for every partition at once.
  const cluster = new Cluster({ bootstrapServers: bootstrap })
  try {
    for (let p = 0; p < 3; p++) t.ok((await cluster.leaderFor({ topic: name }, p)).leaderId >= 0, `partition ${p} has a leader`)
  } finally {
    await cluster.close()
  }
  const again = await admin.createTopics([{ name, partitions: 3, replicationFactor: 1 }], { ifNotExists: true })
  t.match(again, [{ name, topicId: created!.topicId, partitions: 3, created: false, error: null }], 'ifNotExists: the existing topic, not an error')

  const bad = uniqueName('adm-bad')
  const err = await rejection(admin.createTopics([{ name, partitions: 3 }, { name: bad, partitions: 0 }, { name: uniqueName('adm-ok'), partitions: 1 }]))
  t.ok(err instanceof AdminError, 'AdminError')
  const results = (err as AdminError<CreatedTopic>).results
  t.equal(results.length, 3)
  t.match(results[0]!.error, { errorName: 'TOPIC_ALREADY_EXISTS' })
  t.ok(results[0]!.error instanceof BrokerResponseError)
  t.match(results[1]!.error, { errorName: 'INVALID_PARTITIONS' })
  t.equal(results[2]!.error, null, 'the valid topic in the same call was created')
  t.equal((err as AdminError).failures.length, 2)

  const validated = await admin.createTopics([{ name: uniqueName('adm-validate'), partitions: 2, replicationFactor: 1 }], { validateOnly: true })
  t.match(validated, [{ created: true, error: null }], 'validateOnly checks without creating')
})

t.test('deleteTopics; deleting an unknown topic is a typed per-topic error', async t => {
  const name = uniqueName('adm-delete')
  await admin.createTopics([{ name, partitions: 1, replicationFactor: 1 }])
  const [deleted] = await admin.deleteTopics([name])
  t.match(deleted, { name, error: null })
  const err = await rejection(admin.deleteTopics([name]))
  t.ok(err instanceof AdminError)
  t.match((err as AdminError).results[0]!.error, { errorName: 'UNKNOWN_TOPIC_OR_PARTITION' })
  // The name is free again.
  const [recreated] = await eventually('the topic name to be free', 20_000, async () =>
    await admin.createTopics([{ name, partitions: 1, replicationFactor: 1 }]).catch(() => undefined))
  t.not(recreated!.topicId, deleted!.topicId, 'recreated with a new id')
})

t.test('createPartitions raises the count and waits for leaders; shrinking is refused', async t => {
  const name = uniqueName('adm-parts')
  await admin.createTopics([{ name, partitions: 2, replicationFactor: 1 }])
  t.same(await admin.createPartitions([{ topic: name, count: 5 }]), [{ topic: name, count: 5, error: null }])
  const cluster = new Cluster({ bootstrapServers: bootstrap })
  try {
    const info = await cluster.topic({ topic: name })
    t.equal(info.partitions.length, 5)
    t.ok(info.partitions.every(p => p.leaderId >= 0), 'every new partition has a leader')
  } finally {
    await cluster.close()
  }
  const err = await rejection(admin.createPartitions([{ topic: name, count: 3 }]))
  t.ok(err instanceof AdminError)
  t.match((err as AdminError).results[0]!.error, { errorName: 'INVALID_PARTITIONS' })
})

t.test('describeCluster', async t => {
  const d = await admin.describeCluster()
  t.ok(d.clusterId.length > 0, `cluster id ${d.clusterId}`)
  t.ok(d.brokers.length >= 1)
  const [host, port] = bootstrap.split(',')[0]!.split(':')
  t.ok(d.brokers.some(b => b.host === host && b.port === Number(port)), 'the bootstrap broker is listed')
  t.ok(d.brokers.some(b => b.nodeId === d.controllerId) || d.controllerId >= 0, 'a controller id')
})

t.test('group configs: set, describe, delete back to the default; bad keys are typed errors', async t => {
  const groupId = uniqueName('adm-cfg')
  await admin.alterGroupConfigs(groupId, { 'share.auto.offset.reset': 'earliest', 'share.record.lock.duration.ms': '20000' })
  // alterGroupConfigs resolves once the broker serves the new values: no wait needed here.
  const set = await admin.describeGroupConfigs(groupId)
  t.match(set['share.auto.offset.reset'], { value: 'earliest', source: 'GROUP_CONFIG' })
  t.match(set['share.record.lock.duration.ms'], { value: '20000', source: 'GROUP_CONFIG' })
  t.ok(Object.keys(set).length > 2, 'all keys when none are named')
  await admin.alterGroupConfigs(groupId, { 'share.record.lock.duration.ms': null })
  const after = await admin.describeGroupConfigs(groupId, { keys: ['share.auto.offset.reset', 'share.record.lock.duration.ms'] })
  t.same(Object.keys(after).sort(), ['share.auto.offset.reset', 'share.record.lock.duration.ms'], 'only the keys asked for')
  t.match(after['share.auto.offset.reset'], { value: 'earliest', source: 'GROUP_CONFIG' }, 'incremental: the other key is kept')
  t.not(after['share.record.lock.duration.ms']!.source, 'GROUP_CONFIG', 'null removed the group value')
  const err = await rejection(admin.alterGroupConfigs(groupId, { 'share.no.such.key': 'x' }))
  t.ok(err instanceof BrokerResponseError)
  t.match(err, { errorName: 'INVALID_CONFIG' })
  const bad = await rejection(admin.alterGroupConfigs(groupId, { 'share.auto.offset.reset': 'sideways' }))
  t.match(bad, { errorName: 'INVALID_CONFIG' })
})

/** Starts Kafka's ConsoleShareConsumer on `topic` in `groupId`; it accepts what it receives. */
async function javaShareConsumer (groupId: string, topic: string): Promise<{ child: ChildProcess, stdout: () => string, exited: Promise<number | null> }> {
  const cmd = await kafkaToolCommand('org.apache.kafka.tools.consumer.ConsoleShareConsumer',
    ['--bootstrap-server', bootstrap, '--topic', topic, '--group', groupId, '--timeout-ms', '60000'])
  const child = spawn(cmd.command, cmd.args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr!.resume()
  const exited = new Promise<number | null>(resolve => child.on('close', resolve))
  return { child, stdout: () => out, exited }
}

t.test('a share group: list, describe, offsets and lag, alter/delete offsets, delete the group', async t => {
  const topic = uniqueName('adm-share')
  const groupId = uniqueName('adm-share-g')
  await admin.createTopics([{ name: topic, partitions: 2, replicationFactor: 1 }])
  await admin.alterGroupConfigs(groupId, { 'share.auto.offset.reset': 'earliest' })
  const producer = new Producer({ bootstrapServers: bootstrap })
  await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${i}`, partition: i % 2 })) })
  await producer.close()

  const java = await javaShareConsumer(groupId, topic)
  t.teardown(() => { java.child.kill('SIGKILL') })
  const member = await eventually('the Java member to join and get both partitions', 60_000, async () => {
    const d = await admin.describeShareGroup(groupId).catch(() => undefined)
    const m = d?.members[0]
    return m !== undefined && m.assignment.some(a => a.partitions.length === 2) ? { d: d!, m } : undefined
  })
  t.equal(member.d.state, 'Stable')
  t.equal(member.d.members.length, 1)
  t.same(member.m.subscribedTopics, [topic])
  t.match(member.m.assignment, [{ topic, partitions: [0, 1] }])
  t.ok(member.m.memberEpoch > 0, 'member epoch')
  t.equal(member.m.clientId, 'console-share-consumer')
  t.ok(member.d.assignor.length > 0, `assignor ${member.d.assignor}`)

  const listed = await admin.listGroups({ types: ['share'] })
  t.match(listed.find(g => g.groupId === groupId), { type: 'share', state: 'Stable' }, 'listGroups(types: share) lists it')
  t.notOk((await admin.listGroups({ types: ['consumer'] })).some(g => g.groupId === groupId), 'not listed as a consumer group')

  // The Java consumer accepts all 10 records: lag drops to 0. (The broker persists the start
  // offset lazily — it may still read 0 here, as Kafka's own kafka-share-groups tool shows.)
  const consumed = await eventually('lag 0 on both partitions', 60_000, async () => {
    const offsets = await admin.describeShareGroupOffsets(groupId)
    return offsets.length === 2 && offsets.every(o => o.lag === 0n) ? offsets : undefined
  })
  t.match(consumed, [{ topic, partition: 0, lag: 0n, error: null }, { topic, partition: 1, lag: 0n, error: null }])
  t.ok(consumed.every(o => o.startOffset !== null && o.startOffset >= 0n && o.startOffset <= 5n), 'start offsets known')
  t.equal(java.stdout().trim().split('\n').length, 10, 'Java printed the 10 records')

  const busy = await rejection(admin.alterShareGroupOffsets(groupId, [{ topic, partition: 0, offset: 0n }]))
  t.match(busy, { errorName: 'NON_EMPTY_GROUP' }, 'offsets of a group with members cannot be altered')
  t.ok(busy instanceof BrokerResponseError)
  const busyDelete = await rejection(admin.deleteGroups([groupId]))
  t.ok(busyDelete instanceof AdminError)
  t.match((busyDelete as AdminError).results[0]!.error, { errorName: 'NON_EMPTY_GROUP' }, 'a group with members cannot be deleted')

  java.child.kill('SIGTERM') // ConsoleShareConsumer closes its consumer on SIGTERM: it leaves the group
  await java.exited
  await eventually('the group to be empty', 30_000, async () => (await admin.describeShareGroup(groupId)).state === 'Empty' ? true : undefined)
  const empties = await admin.listGroups({ types: ['share'], states: ['empty'] })
  t.ok(empties.some(g => g.groupId === groupId) && empties.every(g => g.state === 'Empty'), 'listGroups state filter (case-insensitive)')

  t.same(await admin.alterShareGroupOffsets(groupId, [{ topic, partition: 0, offset: 1n }, { topic, partition: 1, offset: 3n }]),
    [{ topic, partition: 0, error: null }, { topic, partition: 1, error: null }])
  const altered = await admin.describeShareGroupOffsets(groupId, { topics: [{ topic }] })
  t.match(altered, [{ partition: 0, startOffset: 1n, lag: 4n }, { partition: 1, startOffset: 3n, lag: 2n }], 'new start offsets, lag recomputed')
  const one = await admin.describeShareGroupOffsets(groupId, { topics: [{ topic, partitions: [1] }] })
  t.match(one, [{ partition: 1, startOffset: 3n }])
  t.equal(one.length, 1, 'only the partition asked for')

  t.match(await admin.deleteShareGroupOffsets(groupId, [topic]), [{ topic, error: null }])
  const gone = await admin.describeShareGroupOffsets(groupId, { topics: [{ topic }] })
  t.ok(gone.every(o => o.startOffset === null && o.lag === null), `no state after deleting offsets: ${JSON.stringify(gone.map(o => [o.partition, String(o.startOffset), o.error?.message]))}`)
  const unknownTopic = await rejection(admin.deleteShareGroupOffsets(groupId, [uniqueName('adm-none')]))
  t.ok(unknownTopic instanceof AdminError, 'deleting offsets of an unknown topic is a per-topic error')
  t.match((unknownTopic as AdminError).results[0]!.error, { errorName: 'UNKNOWN_TOPIC_OR_PARTITION' })

  t.same(await admin.deleteGroups([groupId]), [{ groupId, error: null }])
  t.match(await rejection(admin.describeShareGroup(groupId)), { errorName: 'GROUP_ID_NOT_FOUND' })
  t.notOk((await admin.listGroups({ types: ['share'] })).some(g => g.groupId === groupId), 'no longer listed')
  const missing = await rejection(admin.deleteGroups([groupId]))
  t.match((missing as AdminError).results, [{ groupId, error: { errorName: 'GROUP_ID_NOT_FOUND' } }])
})
