import t from 'tap'
import {
  CreatePartitions, CreateTopics, DeleteTopics, DescribeCluster, ErrorCode, InitProducerId, ListOffsets, Metadata, Produce,
  SaslAuthenticate, SaslHandshake, ZERO_UUID, decodeResponse, encodeRequest, negotiateVersion, randomUuid,
  type ApiDefinition, type RequestInput, type ResponseOf
} from '../../../protocol/index.js'
import { encodeRecordBatch } from '../../../protocol/records/index.js'
import { parseBootstrap, probeApiVersions, requestOnce, testBootstrap, type HostPort } from '../../harness/index.js'

// Every version kshare speaks of the non-share APIs, against the real broker: the broker
// must parse each request, and each response must decode to its last byte with the values
// the previous steps imply (topics created, records produced, partitions added). Requests go
// to the first bootstrap broker, except those only a partition's leader answers.

const broker = parseBootstrap(testBootstrap())[0]!
let correlationId = 1

async function call<A extends ApiDefinition> (api: A, version: number, body: RequestInput<A>, to: HostPort = broker): Promise<ResponseOf<A>> {
  const id = correlationId++
  const payload = await requestOnce(to, encodeRequest(api, version, { correlationId: id, clientId: 'kshare-core-apis' }, body))
  const res = decodeResponse(api, version, payload)
  if (res.correlationId !== id) throw new Error(`correlation id ${res.correlationId}, sent ${id}`)
  return res.body
}

/** The broker leading `partition` of `topic`, from Metadata. */
async function leaderOf (topic: string, partition: number): Promise<HostPort> {
  const res = await call(Metadata, 13, { topics: [{ name: topic }], allowAutoTopicCreation: false })
  const leaderId = res.topics[0]?.partitions.find(p => p.partitionIndex === partition)?.leaderId
  const leader = res.brokers.find(b => b.nodeId === leaderId)
  if (leader === undefined) throw new Error(`${topic}-${partition}: no leader in metadata (leader id ${String(leaderId)})`)
  return { host: leader.host, port: leader.port }
}

function versions (api: ApiDefinition): number[] {
  return Array.from({ length: api.maxVersion - api.minVersion + 1 }, (_, i) => api.minVersion + i)
}

const prefix = `kshare-core-apis-${randomUuid().replace(/[^A-Za-z0-9]/g, '')}`
const topicOf = (v: number): string => `${prefix}-v${v}`
const topicIds = new Map<string, string>()

t.teardown(async () => {
  // Whatever an earlier failure left behind.
  await call(DeleteTopics, 6, { topics: versions(CreateTopics).map(v => ({ name: topicOf(v), topicId: ZERO_UUID })), timeoutMs: 10000 })
})

t.test('the broker speaks the newest version of every API we declare', async t => {
  const { apiKeys } = await probeApiVersions(broker)
  for (const api of [Metadata, DescribeCluster, ListOffsets, Produce, InitProducerId, CreateTopics, DeleteTopics, CreatePartitions, SaslHandshake, SaslAuthenticate]) {
    t.equal(negotiateVersion(api, apiKeys), api.maxVersion, `${api.name} v${api.maxVersion}`)
  }
})

t.test('CreateTopics v5-v7 create a topic each and describe it', async t => {
  for (const v of versions(CreateTopics)) {
    const res = await call(CreateTopics, v, {
      topics: [{ name: topicOf(v), numPartitions: 2, replicationFactor: 1, assignments: [], configs: [{ name: 'retention.ms', value: '3600000' }] }],
      timeoutMs: 10000
    })
    const [topic] = res.topics
    t.equal(topic?.errorCode, ErrorCode.NONE, `v${v} created`)
    t.equal(topic?.numPartitions, 2)
    t.equal(topic?.configs?.find(c => c.name === 'retention.ms')?.value, '3600000', `v${v} returns the topic configs`)
    if (v >= 7) t.not(topic?.topicId, ZERO_UUID, 'v7 returns the topic id')
  }
})

t.test('Metadata v10-v13 find the topics by name, and v12+ by id', async t => {
  // CreateTopics answers once the controller committed the topics; the node we ask may take a
  // moment to see them in its metadata (on a cluster it is often not the controller).
  const names = versions(CreateTopics).map(v => ({ name: topicOf(v) }))
  for (let end = Date.now() + 10_000; Date.now() < end;) {
    const seen = await call(Metadata, 13, { topics: names, allowAutoTopicCreation: false })
    if (seen.topics.every(tp => tp.errorCode === ErrorCode.NONE && tp.partitions.length === 2)) break
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  for (const v of versions(Metadata)) {
    const res = await call(Metadata, v, { topics: versions(CreateTopics).map(c => ({ name: topicOf(c) })), allowAutoTopicCreation: false })
    t.ok(res.brokers.some(b => b.port === broker.port), `v${v} lists the broker`)
    t.ok(res.clusterId !== null && res.clusterId.length > 0, `v${v} names the cluster`)
    for (const topic of res.topics) {
      t.equal(topic.errorCode, ErrorCode.NONE, `v${v} ${topic.name}`)
      t.equal(topic.partitions.length, 2)
      t.not(topic.topicId, ZERO_UUID)
      topicIds.set(topic.name!, topic.topicId)
    }
  }
  const id = topicIds.get(topicOf(7))!
  for (const v of [12, 13]) {
    const res = await call(Metadata, v, { topics: [{ topicId: id, name: null }], allowAutoTopicCreation: false })
    t.equal(res.topics[0]?.name, topicOf(7), `v${v} looks a topic up by id`)
  }
})

t.test('DescribeCluster v0-v2 name the same cluster and broker', async t => {
  const { clusterId } = await call(Metadata, 13, { topics: [] })
  for (const v of versions(DescribeCluster)) {
    // include_fenced_brokers is not ignorable: a v0/v1 request cannot carry `true`.
    const res = await call(DescribeCluster, v, { includeClusterAuthorizedOperations: false, includeFencedBrokers: v >= 2 })
    t.equal(res.errorCode, ErrorCode.NONE)
    t.equal(res.clusterId, clusterId, `v${v} cluster id`)
    t.ok(res.brokers.some(b => b.port === broker.port && !b.isFenced), `v${v} lists the broker, not fenced`)
  }
})

t.test('InitProducerId v2-v5 hand out producer ids', async t => {
  for (const v of versions(InitProducerId)) {
    let res = await call(InitProducerId, v, { transactionalId: null, transactionTimeoutMs: 60000 })
    // A fresh broker fetches its first block of producer ids from the controller meanwhile.
    for (const deadline = Date.now() + 10_000; res.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS && Date.now() < deadline;) {
      await new Promise(resolve => setTimeout(resolve, 100))
      res = await call(InitProducerId, v, { transactionalId: null, transactionTimeoutMs: 60000 })
    }
    t.equal(res.errorCode, ErrorCode.NONE)
    t.ok(res.producerId >= 0n, `v${v} producer id ${res.producerId}`)
  }
})

t.test('Produce v9-v13 append one batch each (v13 names the topic by id)', async t => {
  const topic = topicOf(7)
  const leader = await leaderOf(topic, 0)
  for (const [i, v] of versions(Produce).entries()) {
    const records = encodeRecordBatch([{ key: `k${v}`, value: `produced with v${v}`, headers: [{ key: 'h', value: 'x' }] }])
    const res = await call(Produce, v, {
      acks: -1,
      timeoutMs: 10000,
      topicData: [{ ...(v >= 13 ? { topicId: topicIds.get(topic)! } : { name: topic }), partitionData: [{ index: 0, records }] }]
    }, leader)
    const [partition] = res.responses[0]?.partitionResponses ?? []
    t.equal(partition?.errorCode, ErrorCode.NONE, `v${v} accepted`)
    t.equal(partition?.baseOffset, BigInt(i), `v${v} base offset ${i}`)
  }
})

t.test('ListOffsets v6-v11 see the produced records', async t => {
  // A partition may appear once per request (else INVALID_REQUEST): latest, then earliest.
  // Each leader answers for its partitions; when one node leads both, one request asks for both.
  const byLeader = new Map<string, { leader: HostPort, partitions: number[] }>()
  for (const partition of [0, 1]) {
    const leader = await leaderOf(topicOf(7), partition)
    const entry = byLeader.get(`${leader.host}:${leader.port}`) ?? { leader, partitions: [] }
    entry.partitions.push(partition)
    byLeader.set(`${leader.host}:${leader.port}`, entry)
  }
  const offsets = async (v: number, timestamp: bigint): Promise<unknown> => {
    const answers = await Promise.all([...byLeader.values()].map(async ({ leader, partitions }) => await call(ListOffsets, v, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: topicOf(7), partitions: partitions.map(partitionIndex => ({ partitionIndex, timestamp })) }],
      timeoutMs: 5000
    }, leader)))
    return answers.flatMap(res => res.topics[0]?.partitions.map(p => [p.partitionIndex, p.errorCode, p.offset]) ?? [])
      .sort((x, y) => Number(x[0]) - Number(y[0]))
  }
  for (const v of versions(ListOffsets)) {
    t.same(await offsets(v, -1n), [[0, 0, 5n], [1, 0, 0n]], `v${v}: latest offsets 5 and 0`)
    t.same(await offsets(v, -2n), [[0, 0, 0n], [1, 0, 0n]], `v${v}: earliest offsets 0`)
  }
})

t.test('CreatePartitions v2-v3 add a partition each', async t => {
  for (const [i, v] of versions(CreatePartitions).entries()) {
    const res = await call(CreatePartitions, v, { topics: [{ name: topicOf(7), count: 3 + i, assignments: null }], timeoutMs: 10000, validateOnly: false })
    t.equal(res.results[0]?.errorCode, ErrorCode.NONE, `v${v} to ${3 + i} partitions`)
  }
  // The controller answers once the change is committed; brokers' metadata follows a moment later.
  let partitions: number | undefined
  for (const deadline = Date.now() + 10_000; partitions !== 4 && Date.now() < deadline; await new Promise(resolve => setTimeout(resolve, 100))) {
    partitions = (await call(Metadata, 13, { topics: [{ name: topicOf(7) }] })).topics[0]?.partitions.length
  }
  t.equal(partitions, 4, 'the broker\'s metadata shows the new partitions')
})

t.test('DeleteTopics v4-v5 delete by name, v6 by id', async t => {
  const [a, b, c] = versions(CreateTopics).map(topicOf) as [string, string, string]
  const v4 = await call(DeleteTopics, 4, { topicNames: [a], timeoutMs: 10000 })
  t.same(v4.responses.map(r => [r.name, r.errorCode]), [[a, 0]])
  const v5 = await call(DeleteTopics, 5, { topicNames: [b, `${prefix}-missing`], timeoutMs: 10000 })
  const byName = new Map(v5.responses.map(r => [r.name, r]))
  t.equal(byName.get(b)?.errorCode, ErrorCode.NONE)
  t.equal(byName.get(`${prefix}-missing`)?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  t.match(byName.get(`${prefix}-missing`)?.errorMessage, /\S/, 'v5 carries an error message')
  const v6 = await call(DeleteTopics, 6, { topics: [{ name: null, topicId: topicIds.get(c)! }], timeoutMs: 10000 })
  t.same(v6.responses.map(r => [r.name, r.topicId, r.errorCode]), [[c, topicIds.get(c), 0]])
})

t.test('SaslHandshake v1 and SaslAuthenticate v2 on a plaintext listener are refused in well-formed responses', async t => {
  const handshake = await call(SaslHandshake, 1, { mechanism: 'PLAIN' })
  t.equal(handshake.errorCode, ErrorCode.ILLEGAL_SASL_STATE)
  const auth = await call(SaslAuthenticate, 2, { authBytes: Buffer.from('\0user\0password') })
  t.equal(auth.errorCode, ErrorCode.ILLEGAL_SASL_STATE)
  t.match(auth.errorMessage, /SaslAuthenticate/)
})
