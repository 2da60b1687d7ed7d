import t from 'tap'
import { MetadataCache } from '../../../../client/metadata.js'
import { topicsToRefresh } from '../../../../client/share/partition-routing.js'

const JOBS = 'AAAAAAAAAAAAAAAAAAAAAg'
const MAIL = 'AAAAAAAAAAAAAAAAAAAAAw'
const NEW = 'AAAAAAAAAAAAAAAAAAAABA'

/** Metadata with `jobs` (3 partitions, the last without a leader) and `mail` (1 partition). */
function metadata (): MetadataCache {
  const m = new MetadataCache()
  const partition = (partitionIndex: number, leaderId: number): { errorCode: number, partitionIndex: number, leaderId: number, leaderEpoch: number, replicaNodes: number[], isrNodes: number[], offlineReplicas: number[] } =>
    ({ errorCode: 0, partitionIndex, leaderId, leaderEpoch: 1, replicaNodes: [1, 2], isrNodes: [1, 2], offlineReplicas: [] })
  m.update({
    throttleTimeMs: 0,
    brokers: [{ nodeId: 1, host: 'h1', port: 1, rack: null }, { nodeId: 2, host: 'h2', port: 2, rack: null }],
    clusterId: 'c',
    controllerId: 1,
    topics: [
      { errorCode: 0, name: 'jobs', topicId: JOBS, isInternal: false, topicAuthorizedOperations: 0, partitions: [partition(0, 1), partition(1, 2), partition(2, -1)] },
      { errorCode: 0, name: 'mail', topicId: MAIL, isInternal: false, topicAuthorizedOperations: 0, partitions: [partition(0, 2)] }
    ],
    clusterAuthorizedOperations: 0,
    errorCode: 0
  })
  return m
}

t.test('an assignment the metadata can place needs no refresh', async t => {
  t.same(topicsToRefresh(metadata(), new Map([[JOBS, [0, 1]], [MAIL, [0]]])), [])
})

t.test('a partition added to a known topic (not in the metadata yet) refreshes that topic only', async t => {
  t.same(topicsToRefresh(metadata(), new Map([[JOBS, [0, 1]], [MAIL, [0, 1]]])), [MAIL])
})

t.test('an unknown topic, a stale topic and a partition without a leader each refresh their topic', async t => {
  const m = metadata()
  t.same(topicsToRefresh(m, new Map([[NEW, [0]]])), [NEW], 'unknown topic id')
  t.same(topicsToRefresh(m, new Map([[JOBS, [2]]])), [JOBS], 'partition 2 has no leader: an election may have ended')
  m.markStale({ topicId: MAIL })
  t.same(topicsToRefresh(m, new Map([[JOBS, [0]], [MAIL, [0]]])), [MAIL], 'marked stale after a leader error')
})
