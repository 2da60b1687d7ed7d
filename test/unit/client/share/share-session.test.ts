import t from 'tap'
import { ErrorCode } from '../../../../protocol/error-codes.js'
import { AckOutbox, type TopicIdPartition } from '../../../../client/share/ack-outbox.js'
import { ACCEPT, RENEW } from '../../../../protocol/acknowledge-type.js'
import { nextEpoch, ShareSession, type FetchRequestContext } from '../../../../client/share/share-session.js'

const T1 = 'AAAAAAAAAAAAAAAAAAAAAg'
const T2 = 'AAAAAAAAAAAAAAAAAAAAAw'
const p = (topicId: string, partition: number): TopicIdPartition => ({ topicId, topic: topicId === T1 ? 'jobs' : 'other', partition })
const context: FetchRequestContext = {
  groupId: 'g',
  memberId: 'm',
  limits: { maxWaitMs: 500, minBytes: 1, maxBytes: 52428800, maxRecords: 500, batchSize: 500, shareAcquireMode: 0 }
}

function acksFor (entries: Array<[TopicIdPartition, number, number]>): ReturnType<AckOutbox['take']> {
  const outbox = new AckOutbox()
  for (const [tp, offset, type] of entries) outbox.add(tp, BigInt(offset), type)
  return outbox.take()
}

t.test('epochs: 0 opens, increments, wraps to 1 after INT32_MAX, -1 stays -1', async t => {
  t.equal(nextEpoch(0), 1)
  t.equal(nextEpoch(41), 42)
  t.equal(nextEpoch(0x7fffffff), 1)
  t.equal(nextEpoch(-1), -1)
  const session = new ShareSession(1)
  const epochs: number[] = []
  for (let i = 0; i < 4; i++) {
    epochs.push(session.buildFetch(context, [p(T1, 0)], new Map()).body.shareSessionEpoch)
    t.equal(session.onResponse(ErrorCode.NONE), 'continued')
  }
  t.same(epochs, [0, 1, 2, 3])
  session.epoch = 0x7fffffff
  session.onResponse(ErrorCode.NONE)
  t.equal(session.epoch, 1, 'wraps to 1, never 0')
})

t.test('epoch 0 is a full request: every wanted partition, nothing forgotten', async t => {
  const session = new ShareSession(1)
  const { body, fetches } = session.buildFetch(context, [p(T1, 0), p(T1, 1), p(T2, 0)], new Map())
  t.ok(fetches)
  t.equal(body.shareSessionEpoch, 0)
  t.same(body.topics, [
    { topicId: T1, partitions: [{ partitionIndex: 0, acknowledgementBatches: [] }, { partitionIndex: 1, acknowledgementBatches: [] }] },
    { topicId: T2, partitions: [{ partitionIndex: 0, acknowledgementBatches: [] }] }
  ])
  t.same(body.forgottenTopicsData, [])
  t.equal(body.maxRecords, 500)
  t.equal(body.isRenewAck, false)
})

t.test('incremental requests list only changes: added in topics, removed in forgotten', async t => {
  const session = new ShareSession(1)
  session.buildFetch(context, [p(T1, 0), p(T1, 1)], new Map())
  session.onResponse(ErrorCode.NONE)
  const same = session.buildFetch(context, [p(T1, 0), p(T1, 1)], new Map()).body
  t.equal(same.shareSessionEpoch, 1)
  t.same(same.topics, [], 'nothing changed: empty topics, the broker fetches the whole session')
  t.same(same.forgottenTopicsData, [])
  session.onResponse(ErrorCode.NONE)
  const changed = session.buildFetch(context, [p(T1, 1), p(T2, 3)], new Map()).body
  t.same(changed.topics, [{ topicId: T2, partitions: [{ partitionIndex: 3, acknowledgementBatches: [] }] }])
  t.same(changed.forgottenTopicsData, [{ topicId: T1, partitions: [0] }])
  t.same([...session.partitions()].map(x => `${x.topicId}:${x.partition}`).sort(), [`${T1}:1`, `${T2}:3`])
})

t.test('acks on a session partition ride in topics; ack-only partitions go in both topics and forgotten', async t => {
  const session = new ShareSession(1)
  session.buildFetch(context, [p(T1, 0), p(T1, 1)], new Map())
  session.onResponse(ErrorCode.NONE)
  // Partition 1 was revoked; its records still need their acks, sent to the node that delivered them.
  const acks = acksFor([[p(T1, 0), 10, ACCEPT], [p(T1, 0), 11, ACCEPT], [p(T1, 1), 20, ACCEPT], [p(T2, 5), 7, ACCEPT]])
  const { body, fetches } = session.buildFetch(context, [p(T1, 0)], acks)
  t.ok(fetches)
  t.same(body.topics, [
    { topicId: T1, partitions: [
      { partitionIndex: 0, acknowledgementBatches: [{ firstOffset: 10n, lastOffset: 11n, acknowledgeTypes: [ACCEPT] }] },
      { partitionIndex: 1, acknowledgementBatches: [{ firstOffset: 20n, lastOffset: 20n, acknowledgeTypes: [ACCEPT] }] }
    ] },
    { topicId: T2, partitions: [{ partitionIndex: 5, acknowledgementBatches: [{ firstOffset: 7n, lastOffset: 7n, acknowledgeTypes: [ACCEPT] }] }] }
  ])
  t.same(body.forgottenTopicsData, [{ topicId: T1, partitions: [1] }, { topicId: T2, partitions: [5] }],
    'revoked partition forgotten once; ack-only partition of another topic forgotten too')
  t.same([...session.partitions()].map(x => x.partition), [0], 'ack-only partitions never join the session')
})

t.test('a topic re-created under a new id is forgotten under the old id and added under the new one', async t => {
  const session = new ShareSession(1)
  session.buildFetch(context, [p(T1, 0)], new Map())
  session.onResponse(ErrorCode.NONE)
  const { body } = session.buildFetch(context, [{ topicId: T2, topic: 'jobs', partition: 0 }], new Map())
  t.same(body.topics, [{ topicId: T2, partitions: [{ partitionIndex: 0, acknowledgementBatches: [] }] }])
  t.same(body.forgottenTopicsData, [{ topicId: T1, partitions: [0] }])
})

t.test('renew acks make the fetch renew-only: IsRenewAck and every limit 0 (the broker refuses otherwise)', async t => {
  const session = new ShareSession(1)
  session.buildFetch(context, [p(T1, 0)], new Map())
  session.onResponse(ErrorCode.NONE)
  const { body, fetches } = session.buildFetch(context, [p(T1, 0)], acksFor([[p(T1, 0), 3, RENEW], [p(T1, 0), 4, ACCEPT]]))
  t.notOk(fetches)
  t.equal(body.isRenewAck, true)
  t.same([body.maxWaitMs, body.minBytes, body.maxBytes, body.maxRecords, body.batchSize], [0, 0, 0, 0, 0])
  t.same(body.topics[0]!.partitions[0]!.acknowledgementBatches, [{ firstOffset: 3n, lastOffset: 4n, acknowledgeTypes: [RENEW, ACCEPT] }])
})

t.test('session errors reset to epoch 0 with a new generation; other errors advance the epoch', async t => {
  for (const code of [ErrorCode.SHARE_SESSION_NOT_FOUND, ErrorCode.INVALID_SHARE_SESSION_EPOCH, ErrorCode.SHARE_SESSION_LIMIT_REACHED]) {
    const session = new ShareSession(1)
    session.buildFetch(context, [p(T1, 0)], new Map())
    session.onResponse(ErrorCode.NONE)
    session.buildFetch(context, [p(T1, 0)], new Map())
    const generation = session.generation
    t.equal(session.onResponse(code), 'reset', `code ${code}`)
    t.equal(session.epoch, 0)
    t.ok(session.isNew)
    t.equal(session.generation, generation + 1)
    t.equal(session.size, 0)
    const { body } = session.buildFetch(context, [p(T1, 0)], new Map())
    t.equal(body.shareSessionEpoch, 0)
    t.same(body.topics, [{ topicId: T1, partitions: [{ partitionIndex: 0, acknowledgementBatches: [] }] }], 'full request again')
  }
  const session = new ShareSession(1)
  session.buildFetch(context, [p(T1, 0)], new Map())
  t.equal(session.onResponse(ErrorCode.UNKNOWN_SERVER_ERROR), 'continued')
  t.equal(session.epoch, 1)
})

t.test('a lost connection (reset) starts over at epoch 0', async t => {
  const session = new ShareSession(1)
  session.buildFetch(context, [p(T1, 0)], new Map())
  session.onResponse(ErrorCode.NONE)
  session.reset()
  t.equal(session.buildFetch(context, [p(T1, 0)], new Map()).body.shareSessionEpoch, 0)
})

t.test('closing: ShareAcknowledge with epoch -1 carries acks, then the session is gone', async t => {
  const session = new ShareSession(1)
  session.buildFetch(context, [p(T1, 0)], new Map())
  session.onResponse(ErrorCode.NONE)
  const body = session.buildAcknowledge('g', 'm', acksFor([[p(T1, 0), 1, ACCEPT]]), true)
  t.equal(body.shareSessionEpoch, -1)
  t.equal(body.isRenewAck, false)
  t.same(body.topics, [{ topicId: T1, partitions: [{ partitionIndex: 0, acknowledgementBatches: [{ firstOffset: 1n, lastOffset: 1n, acknowledgeTypes: [ACCEPT] }] }] }])
  const generation = session.generation
  t.equal(session.onResponse(ErrorCode.NONE), 'reset')
  t.ok(session.isNew)
  t.equal(session.generation, generation + 1)
})

t.test('acknowledge requests share the epoch sequence with fetches', async t => {
  const session = new ShareSession(1)
  session.buildFetch(context, [p(T1, 0)], new Map())
  session.onResponse(ErrorCode.NONE)
  t.equal(session.buildAcknowledge('g', 'm', acksFor([[p(T1, 0), 1, RENEW]])).shareSessionEpoch, 1)
  session.onResponse(ErrorCode.NONE)
  t.equal(session.buildFetch(context, [p(T1, 0)], new Map()).body.shareSessionEpoch, 2)
})
