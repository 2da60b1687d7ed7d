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
