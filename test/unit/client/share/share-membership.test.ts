import t from 'tap'
import type { ResponseOf } from '../../../../protocol/api.js'
import { ErrorCode } from '../../../../protocol/error-codes.js'
import type { ShareGroupHeartbeat } from '../../../../protocol/messages/share-group-heartbeat.js'
import { isUuid } from '../../../../protocol/uuid.js'
import { ShareMembership } from '../../../../client/share/share-membership.js'
import { ShareGroupsUnavailableError } from '../../../../client/share/share-errors.js'
import { BrokerResponseError } from '../../../../client/errors.js'

const T1 = 'AAAAAAAAAAAAAAAAAAAAAg'
const T2 = 'AAAAAAAAAAAAAAAAAAAAAw'

function response (fields: Partial<ResponseOf<typeof ShareGroupHeartbeat>>): ResponseOf<typeof ShareGroupHeartbeat> {
  return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, memberId: null, memberEpoch: 0, heartbeatIntervalMs: 5000, assignment: null, ...fields }
}

function joined (): ShareMembership {
  const m = new ShareMembership('g')
  m.subscribe(['jobs'])
  m.nextHeartbeat()
  m.onResponse(response({ memberEpoch: 1, assignment: { topicPartitions: [] } }))
  return m
}

t.test('joins with a client-generated Kafka UUID, epoch 0 and the subscription', async t => {
  const m = new ShareMembership('g')
  t.ok(isUuid(m.memberId))
  t.equal(m.nextHeartbeat(), null, 'no heartbeat before subscribe')
  m.subscribe(['b', 'a', 'b'])
  t.ok(m.heartbeatDue)
  t.same(m.nextHeartbeat(), { groupId: 'g', memberId: m.memberId, memberEpoch: 0, rackId: null, subscribedTopicNames: ['a', 'b'] })
})

t.test('an empty first assignment, then the assignment arrives; null means unchanged', async t => {
  const m = new ShareMembership('g')
  m.subscribe(['jobs'])
  m.nextHeartbeat()
  t.same(m.onResponse(response({ memberEpoch: 1, heartbeatIntervalMs: 7000, assignment: { topicPartitions: [] } })), { kind: 'ok', assignmentChanged: false })
  t.equal(m.state, 'stable')
  t.equal(m.heartbeatIntervalMs, 7000, 'interval from the broker')
  t.equal(m.assignment.size, 0)
  const hb = m.nextHeartbeat()!
  t.equal(hb.memberEpoch, 1)
  t.equal(hb.subscribedTopicNames, null, 'subscription not repeated once acknowledged')
  t.same(m.onResponse(response({ memberEpoch: 2, assignment: { topicPartitions: [{ topicId: T1, partitions: [2, 0, 1] }] } })), { kind: 'ok', assignmentChanged: true })
  t.same([...m.assignment], [[T1, [0, 1, 2]]])
  m.nextHeartbeat()
  t.same(m.onResponse(response({ memberEpoch: 2 })), { kind: 'ok', assignmentChanged: false })
  t.same([...m.assignment], [[T1, [0, 1, 2]]], 'null assignment keeps the current one')
  m.nextHeartbeat()
  t.same(m.onResponse(response({ memberEpoch: 2, assignment: { topicPartitions: [{ topicId: T1, partitions: [0, 1, 2] }] } })), { kind: 'ok', assignmentChanged: false }, 'same assignment resent is no change')
})

t.test('a changed subscription is sent with the next heartbeat, and is due at once', async t => {
  const m = joined()
  t.notOk(m.heartbeatDue)
  m.subscribe(['jobs', 'more'])
  t.ok(m.heartbeatDue)
  t.same(m.nextHeartbeat()!.subscribedTopicNames, ['jobs', 'more'])
  m.onResponse(response({ memberEpoch: 3 }))
  t.equal(m.nextHeartbeat()!.subscribedTopicNames, null)
})

t.test('fenced or unknown member: rejoin at epoch 0 with the same member id, assignment dropped', async t => {
  for (const code of [ErrorCode.FENCED_MEMBER_EPOCH, ErrorCode.UNKNOWN_MEMBER_ID]) {
    const m = joined()
    const id = m.memberId
    m.nextHeartbeat()
    m.onResponse(response({ memberEpoch: 2, assignment: { topicPartitions: [{ topicId: T1, partitions: [0] }] } }))
    m.nextHeartbeat()
    const outcome = m.onResponse(response({ errorCode: code }))
    t.equal(outcome.kind, 'rejoin')
    t.type((outcome as { error: unknown }).error, BrokerResponseError)
    t.equal(m.assignment.size, 0)
    t.ok(m.heartbeatDue)
    t.same(m.nextHeartbeat(), { groupId: 'g', memberId: id, memberEpoch: 0, rackId: null, subscribedTopicNames: ['jobs'] })
  }
})

t.test('coordinator errors, load in progress, topic authorization and fatal errors', async t => {
  const cases: Array<[number, string]> = [
    [ErrorCode.NOT_COORDINATOR, 'find-coordinator'],
    [ErrorCode.COORDINATOR_NOT_AVAILABLE, 'find-coordinator'],
    [ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, 'retry'],
    [ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'report'],
    [ErrorCode.GROUP_AUTHORIZATION_FAILED, 'fatal'],
    [ErrorCode.GROUP_MAX_SIZE_REACHED, 'fatal'],
    [ErrorCode.INVALID_REQUEST, 'fatal'],
    [ErrorCode.GROUP_ID_NOT_FOUND, 'fatal']
  ]
  for (const [code, kind] of cases) {
    const m = joined()
    m.nextHeartbeat()
    t.equal(m.onResponse(response({ errorCode: code })).kind, kind, `code ${code}`)
    if (kind === 'fatal') {
      t.equal(m.state, 'failed')
      t.equal(m.nextHeartbeat(), null)
    } else {
      t.same(m.nextHeartbeat()!.subscribedTopicNames, ['jobs'], 'after an error the next heartbeat is full')
    }
  }
})

t.test('UNSUPPORTED_VERSION means share groups are off: one typed error that says what to enable', async t => {
  const m = new ShareMembership('g')
  m.subscribe(['jobs'])
  m.nextHeartbeat()
  const outcome = m.onResponse(response({ errorCode: ErrorCode.UNSUPPORTED_VERSION }))
  t.equal(outcome.kind, 'fatal')
  t.type(m.fatalError, ShareGroupsUnavailableError)
  t.match(m.fatalError!.message, /share\.version/)
})

t.test('leave: epoch -1 after unsubscribe, then no more heartbeats; rejoin later with epoch 0', async t => {
  const m = joined()
  m.unsubscribe()
  t.equal(m.state, 'leaving')
  t.same(m.nextHeartbeat(), { groupId: 'g', memberId: m.memberId, memberEpoch: -1, rackId: null, subscribedTopicNames: null })
  m.onResponse(response({ memberEpoch: -1 }))
  t.equal(m.state, 'unsubscribed')
  t.equal(m.nextHeartbeat(), null)
  m.subscribe(['jobs'])
  t.equal(m.nextHeartbeat()!.memberEpoch, 0)
})

t.test('unsubscribe before any heartbeat sends nothing; during a join it leaves after the answer', async t => {
  const a = new ShareMembership('g')
  a.subscribe(['jobs'])
  a.unsubscribe()
  t.equal(a.nextHeartbeat(), null)
  const b = new ShareMembership('g')
  b.subscribe(['jobs'])
  b.nextHeartbeat()
  b.unsubscribe()
  t.equal(b.state, 'leaving')
  t.same(b.onResponse(response({ memberEpoch: 1, assignment: { topicPartitions: [{ topicId: T2, partitions: [0] }] } })), { kind: 'ok', assignmentChanged: false })
  t.equal(b.assignment.size, 0, 'the late join answer does not bring back an assignment')
  t.equal(b.nextHeartbeat()!.memberEpoch, -1)
})

t.test('a heartbeat without an answer makes the next one full, keeping the epoch', async t => {
  const m = joined()
  m.nextHeartbeat()
  m.onRequestFailed()
  const hb = m.nextHeartbeat()!
  t.equal(hb.memberEpoch, 1)
  t.same(hb.subscribedTopicNames, ['jobs'])
})
