import t from 'tap'
import { Cluster } from '../../../client/cluster.js'
import { ConfigurationError, ConnectionError, KafkaError, RequestTimeoutError } from '../../../client/errors.js'
import { ConnectionPool } from '../../../client/pool.js'
import { ErrorCode } from '../../../protocol/error-codes.js'
import { FindCoordinator, Metadata, decodeRequest, encodeResponse } from '../../../protocol/index.js'
import { kafkaLike, peer } from './fixtures/fake-peer.js'

const ID = 'AAAAAAAAAAAAAAAAAAAAAg'

function seed (cluster: Cluster): void {
  cluster.metadata.update({
    throttleTimeMs: 0,
    brokers: [{ nodeId: 1, host: 'h1', port: 1, rack: null }],
    clusterId: 'c',
    controllerId: 1,
    topics: [{
      errorCode: 0, name: 'jobs', topicId: ID, isInternal: false, topicAuthorizedOperations: 0,
      partitions: [0, 1].map(i => ({ errorCode: 0, partitionIndex: i, leaderId: 1, leaderEpoch: 3, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }))
    }],
    clusterAuthorizedOperations: 0,
    errorCode: 0
  })
}

t.test('bad options are configuration errors thrown by the constructor, before any connection', async t => {
  t.throws(() => new Cluster({ bootstrapServers: ['localhost:9092', 'kafka'] }), { name: 'ConfigurationError', option: 'bootstrapServers', message: /"kafka" is not a broker address/ })
  t.throws(() => new Cluster({} as never), ConfigurationError)
  t.throws(() => new Cluster({ bootstrapServers: 'a:1', requestTimeoutMs: -5 }), { name: 'ConfigurationError', option: 'requestTimeoutMs' })
  t.throws(() => new Cluster({ bootstrapServers: 'a:1', reconnectBackoffMs: 500, reconnectBackoffMaxMs: 100 }), { name: 'ConfigurationError', option: 'reconnectBackoffMaxMs' })
  t.throws(() => new Cluster({ bootstrapServers: 'a:1', sasl: { mechanism: 'GSSAPI' } as never }), { name: 'ConfigurationError', option: 'sasl.mechanism' })
  t.throws(() => new Cluster({ bootstrapServers: 'a:1', sasl: { mechanism: 'SCRAM-SHA-512', username: 'u' } as never }), { name: 'ConfigurationError', option: 'sasl' })
})

t.test('leader hints from a ShareFetch response move partitions; unknown leaders and topic errors mark stale', async t => {
  const cluster = new Cluster({ bootstrapServers: 'localhost:1' })
  seed(cluster)
  cluster.applyLeaderHints({
    responses: [{
      topicId: ID,
      partitions: [
        { partitionIndex: 0, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, currentLeader: { leaderId: 2, leaderEpoch: 4 } },
        { partitionIndex: 1, errorCode: 0, currentLeader: { leaderId: -1, leaderEpoch: -1 } }
      ]
    }],
    nodeEndpoints: [{ nodeId: 2, host: 'h2', port: 2, rack: null }]
  })
  t.equal(cluster.metadata.partition({ topicId: ID }, 0)?.leaderId, 2)
  t.same(cluster.metadata.brokers.get(2), { nodeId: 2, host: 'h2', port: 2, rack: null }, 'endpoint learnt')
  t.notOk(cluster.metadata.needsRefresh({ topic: 'jobs' }), 'a usable hint saves the refresh')
  cluster.applyLeaderHints({ responses: [{ topicId: ID, partitions: [{ partitionIndex: 1, errorCode: ErrorCode.FENCED_LEADER_EPOCH, currentLeader: { leaderId: -1, leaderEpoch: -1 } }] }], nodeEndpoints: [] })
  t.ok(cluster.metadata.needsRefresh({ topic: 'jobs' }), 'no leader in the hint → refresh')
  seed(cluster)
  cluster.applyLeaderHints({ responses: [{ topicId: ID, partitions: [{ partitionIndex: 1, errorCode: ErrorCode.UNKNOWN_TOPIC_ID, currentLeader: { leaderId: -1, leaderEpoch: -1 } }] }], nodeEndpoints: [] })
  t.ok(cluster.metadata.needsRefresh({ topicId: ID }))
  t.notOk(cluster.invalidateOnError(ErrorCode.INVALID_RECORD_STATE, { topic: { topicId: ID } }), 'not a routing error')
  await cluster.close()
})

t.test('pool: one connection per (broker, purpose), concurrent callers share it, closed pool refuses', async t => {
  let accepted = 0
  const p = await peer(s => { accepted++; kafkaLike((sock, _k, v, c) => sock.write(encodeResponse(Metadata, v, c, { brokers: [], topics: [], clusterId: null, controllerId: -1, throttleTimeMs: 0, errorCode: 0 })))(s) })
  t.teardown(() => p.close())
  const pool = new ConnectionPool()
  const target = { nodeId: 7, host: '127.0.0.1', port: p.port }
  const [a, b] = await Promise.all([pool.get(target), pool.get(target)])
  t.equal(a, b, 'concurrent callers share one attempt')
  const f = await pool.get(target, 'fetch')
  t.not(f, a)
  t.equal(accepted, 2)
  t.equal(pool.peek(7, 'fetch'), f)
  t.same(pool.list().map(c => c.purpose).sort(), ['default', 'fetch'])
  await f.close()
  const f2 = await pool.get(target, 'fetch')
  t.not(f2.id, f.id, 'a closed connection is replaced by a new one')
  t.equal(a.closed, false, 'closing one purpose leaves the others alone')
  await pool.close()
  t.ok(a.closed && f2.closed)
  await t.rejects(pool.get(target), ConnectionError)
})

t.test('pool: reconnect attempts back off exponentially', async t => {
  const closed = await peer(() => {})
  const port = closed.port
  await closed.close()
  const pool = new ConnectionPool({ reconnectBackoffMs: 100, reconnectBackoffMaxMs: 400 })
  t.teardown(() => pool.close())
  const times: number[] = []
  const start = Date.now()
  for (let i = 0; i < 5; i++) {
    await pool.get({ nodeId: 1, host: '127.0.0.1', port }).catch(() => {})
    times.push(Date.now() - start)
  }
  const gaps = times.slice(1).map((x, i) => x - (times[i] as number))
  t.ok(gaps[0] as number >= 70 && (gaps[0] as number) < 200, `first wait ~100 ms (${gaps[0]})`)
  t.ok(gaps[1] as number >= 150, `then ~200 ms (${gaps[1]})`)
  t.ok((gaps[3] as number) >= 300 && (gaps[3] as number) < 600, `capped at ~400 ms (${gaps[3]})`)
})

t.test('a topic first looked up by id is refreshed by name afterwards', async t => {
  const asked: Array<Array<{ name: string | null, topicId: string }>> = []
  const p = await peer(kafkaLike((s, _k, version, correlationId, payload) => {
    const topics = decodeRequest(Metadata, payload).body.topics ?? []
    asked.push(topics.map(x => ({ name: x.name, topicId: x.topicId })))
    const known = topics.some(x => x.name === 'jobs' || x.topicId === ID)
    s.write(encodeResponse(Metadata, version, correlationId, {
      throttleTimeMs: 0,
      brokers: [{ nodeId: 1, host: '127.0.0.1', port: p.port, rack: null }],
      clusterId: 'c',
      controllerId: 1,
      topics: known ? [{ errorCode: 0, name: 'jobs', topicId: ID, isInternal: false, partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 1, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }] }] : [],
      errorCode: 0
    }))
  }))
  t.teardown(() => p.close())
  const cluster = new Cluster({ bootstrapServers: p.address, retryBackoffMs: 1 })
  t.teardown(() => cluster.close())
  t.equal((await cluster.topic({ topicId: ID })).name, 'jobs')
  t.ok(asked.some(a => a.length === 1 && a[0]?.topicId === ID && a[0]?.name === null), 'resolved with a by-id request')
  asked.length = 0
  cluster.metadata.markStale({ topicId: ID })
  await cluster.leaderFor({ topicId: ID }, 0)
  t.same(asked, [[{ name: 'jobs', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }]], 'refreshed by name, once')
  asked.length = 0
  await Promise.all([cluster.refreshMetadata([{ topic: 'jobs' }]), cluster.refreshMetadata([{ topicId: ID }]), cluster.refreshMetadata()])
  t.equal(asked.length, 1, 'concurrent refreshes covering the same topics share one request')
})

t.test('a coordinator whose broker refuses connections is forgotten and looked up again', async t => {
  const gone = await peer(() => {})
  const deadPort = gone.port
  await gone.close()
  let finds = 0
  const p = await peer(kafkaLike((s, apiKey, version, correlationId) => {
    if (apiKey !== FindCoordinator.apiKey) return
    finds++
    // First the broker that is gone, then this one.
    const [nodeId, port] = finds === 1 ? [2, deadPort] : [1, p.port]
    s.write(encodeResponse(FindCoordinator, version, correlationId, {
      throttleTimeMs: 0, coordinators: [{ key: 'g', nodeId, host: '127.0.0.1', port, errorCode: 0, errorMessage: null }]
    }))
  }))
  t.teardown(() => p.close())
  const cluster = new Cluster({ bootstrapServers: p.address, reconnectBackoffMs: 1, reconnectBackoffMaxMs: 1 })
  t.teardown(() => cluster.close())
  t.equal((await cluster.coordinator('g')).nodeId, 2)
  await t.rejects(cluster.coordinatorConnection('g'), { name: 'ConnectionError', reason: 'refused' })
  t.equal((await cluster.coordinator('g')).nodeId, 1, 'asked FindCoordinator again instead of keeping the dead broker')
  t.equal(finds, 2)
  t.equal((await cluster.coordinatorConnection('g')).nodeId, 1)
})

t.test('a refused leader marks its topics stale; a request timeout invalidates what it names', async t => {
  const gone = await peer(() => {})
  const deadPort = gone.port
  await gone.close()
  const cluster = new Cluster({ bootstrapServers: 'localhost:1' })
  t.teardown(() => cluster.close())
  seed(cluster)
  cluster.metadata.addBrokers([{ nodeId: 1, host: '127.0.0.1', port: deadPort }])
  t.notOk(cluster.metadata.needsRefresh({ topic: 'jobs' }))
  await t.rejects(cluster.connection(1, 'produce'), { name: 'ConnectionError' })
  t.ok(cluster.metadata.needsRefresh({ topic: 'jobs' }), 'the leader may be gone: look it up again')
  seed(cluster)
  const timeout = new RequestTimeoutError('no answer', 10, 1)
  t.ok(cluster.invalidateOnError(timeout, { topic: { topic: 'jobs' } }))
  t.ok(cluster.metadata.needsRefresh({ topic: 'jobs' }))
  t.ok(cluster.invalidateOnError(timeout, { groupId: 'g' }), 'a coordinator request that timed out')
  t.notOk(cluster.invalidateOnError(new KafkaError('other', true), { groupId: 'g' }), 'not a routing failure')
})
