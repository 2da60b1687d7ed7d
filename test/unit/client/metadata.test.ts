import t from 'tap'
import { MetadataCache } from '../../../client/metadata.js'
import { ErrorCode } from '../../../protocol/error-codes.js'
import type { Metadata, ResponseOf } from '../../../protocol/index.js'

const ID = 'AAAAAAAAAAAAAAAAAAAAAg'
const NEW_ID = 'AAAAAAAAAAAAAAAAAAAAAw'

function response (topics: Array<{ name: string, id?: string, errorCode?: number, leaders?: Array<[number, number]> }>): ResponseOf<typeof Metadata> {
  return {
    throttleTimeMs: 0,
    brokers: [{ nodeId: 1, host: 'h1', port: 1, rack: null }, { nodeId: 2, host: 'h2', port: 2, rack: 'r' }],
    clusterId: 'c',
    controllerId: 1,
    topics: topics.map(t => ({
      errorCode: t.errorCode ?? 0,
      name: t.name,
      topicId: t.id ?? ID,
      isInternal: false,
      partitions: (t.leaders ?? []).map(([leaderId, leaderEpoch], i) => ({
        errorCode: 0, partitionIndex: i, leaderId, leaderEpoch, replicaNodes: [1, 2], isrNodes: [1, 2], offlineReplicas: []
      })),
      topicAuthorizedOperations: 0
    })),
    clusterAuthorizedOperations: 0,
    errorCode: 0
  }
}

t.test('topics by name and id, brokers replaced', async t => {
  const m = new MetadataCache()
  m.update(response([{ name: 'jobs', leaders: [[1, 5], [2, 7]] }]))
  t.equal(m.topic({ topic: 'jobs' })?.topicId, ID)
  t.equal(m.topic({ topicId: ID })?.name, 'jobs')
  t.same(m.partition({ topicId: ID }, 1), { partition: 1, leaderId: 2, leaderEpoch: 7, replicas: [1, 2], isr: [1, 2], errorCode: 0 })
  t.same([...m.brokers.keys()], [1, 2])
  t.equal(m.clusterId, 'c')
  t.notOk(m.needsRefresh({ topic: 'jobs' }))
  t.ok(m.needsRefresh({ topic: 'other' }))
})

t.test('leader hints: newer epochs win, older are ignored, unknown leader marks stale', async t => {
  const m = new MetadataCache()
  m.update(response([{ name: 'jobs', leaders: [[1, 5]] }]))
  t.notOk(m.applyLeader({ topicId: ID }, 0, { leaderId: 2, leaderEpoch: 4 }), 'older epoch ignored')
  t.ok(m.applyLeader({ topicId: ID }, 0, { leaderId: 2, leaderEpoch: 6 }))
  t.equal(m.partition({ topic: 'jobs' }, 0)?.leaderId, 2)
  m.update(response([{ name: 'jobs', leaders: [[1, 5]] }]))
  t.equal(m.partition({ topic: 'jobs' }, 0)?.leaderId, 2, 'stale metadata from a lagging broker does not undo the hint')
  t.notOk(m.applyLeader({ topicId: ID }, 0, { leaderId: -1, leaderEpoch: -1 }))
  t.ok(m.needsRefresh({ topic: 'jobs' }), 'unknown leader → refresh on next lookup')
  m.update(response([{ name: 'jobs', leaders: [[1, 9]] }]))
  t.notOk(m.needsRefresh({ topic: 'jobs' }))
  t.equal(m.partition({ topic: 'jobs' }, 0)?.leaderId, 1)
})

t.test('a re-created topic replaces the old id; unknown topics are dropped', async t => {
  const m = new MetadataCache()
  m.update(response([{ name: 'jobs', leaders: [[1, 5]] }]))
  m.update(response([{ name: 'jobs', id: NEW_ID, leaders: [[2, 0]] }]))
  t.equal(m.topic({ topicId: ID }), undefined)
  t.equal(m.partition({ topicId: NEW_ID }, 0)?.leaderId, 2, 'new topic: epoch 0 is taken as is')
  m.update(response([{ name: 'jobs', id: 'AAAAAAAAAAAAAAAAAAAAAA', errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }]))
  t.equal(m.topic({ topic: 'jobs' }), undefined)
  t.equal(m.topic({ topicId: NEW_ID }), undefined)
})

t.test('a partition the cache lacks (added by CreatePartitions) needs a refresh; the others do not', async t => {
  const m = new MetadataCache()
  m.update(response([{ name: 'jobs', leaders: [[1, 5], [2, 7]] }]))
  t.notOk(m.needsRefresh({ topicId: ID }, 1))
  t.ok(m.needsRefresh({ topicId: ID }, 2), 'partition 2 is not known yet')
  t.notOk(m.needsRefresh({ topicId: ID }), 'the topic as such is fresh')
  m.update(response([{ name: 'jobs', leaders: [[1, 5], [2, 7], [1, 0]] }]))
  t.notOk(m.needsRefresh({ topic: 'jobs' }, 2), 'known after the refresh')
})

t.test('a broker that failed: the topics it leads are marked stale, the others not', async t => {
  const m = new MetadataCache()
  m.update(response([{ name: 'jobs', leaders: [[1, 5], [2, 7]] }, { name: 'other', id: NEW_ID, leaders: [[1, 3]] }]))
  m.markStaleLedBy(2)
  t.ok(m.needsRefresh({ topic: 'jobs' }), 'jobs-1 is led by broker 2')
  t.notOk(m.needsRefresh({ topic: 'other' }), 'other is led by broker 1 only')
  m.markStaleLedBy(3)
  t.notOk(m.needsRefresh({ topic: 'other' }), 'a broker that leads nothing changes nothing')
})
