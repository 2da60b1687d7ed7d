import t from 'tap'
import { ERROR_CODES, ErrorCode, errorCodeInfo } from '../../../protocol/index.js'

t.test('known codes have the name, retriability and message Kafka 4.4 gives them', async t => {
  const expect: Array<[number, string, boolean]> = [
    [-1, 'UNKNOWN_SERVER_ERROR', false],
    [0, 'NONE', false],
    [2, 'CORRUPT_MESSAGE', true],
    [3, 'UNKNOWN_TOPIC_OR_PARTITION', true],
    [6, 'NOT_LEADER_OR_FOLLOWER', true],
    [7, 'REQUEST_TIMED_OUT', true],
    [15, 'COORDINATOR_NOT_AVAILABLE', true],
    [16, 'NOT_COORDINATOR', true],
    [25, 'UNKNOWN_MEMBER_ID', false],
    [35, 'UNSUPPORTED_VERSION', false],
    [42, 'INVALID_REQUEST', false],
    [69, 'GROUP_ID_NOT_FOUND', false],
    [100, 'UNKNOWN_TOPIC_ID', true],
    [110, 'FENCED_MEMBER_EPOCH', false],
    [121, 'INVALID_RECORD_STATE', false],
    [122, 'SHARE_SESSION_NOT_FOUND', true],
    [123, 'INVALID_SHARE_SESSION_EPOCH', true],
    [124, 'FENCED_STATE_EPOCH', false],
    [129, 'REBOOTSTRAP_REQUIRED', false],
    [133, 'SHARE_SESSION_LIMIT_REACHED', true],
    [136, 'CONTROLLER_ID_NOT_REGISTERED', false]
  ]
  for (const [code, name, retriable] of expect) {
    const info = errorCodeInfo(code)
    t.equal(info.name, name, `${code} is ${name}`)
    t.equal(info.retriable, retriable, `${name} retriable=${retriable}`)
    t.equal(ErrorCode[name as keyof typeof ErrorCode], code, `ErrorCode.${name} is ${code}`)
  }
  t.equal(errorCodeInfo(ErrorCode.SHARE_SESSION_NOT_FOUND).message, 'The share session was not found.')
  t.equal(errorCodeInfo(6).message.startsWith('For requests intended only for the leader'), true)
})

t.test('the table covers -1..136 with unique codes and names, each with a message', async t => {
  const codes = ERROR_CODES.map(e => e.code)
  const names = ERROR_CODES.map(e => e.name)
  t.equal(new Set(codes).size, codes.length, 'codes are unique')
  t.equal(new Set(names).size, names.length, 'names are unique')
  t.same(codes, Array.from({ length: 138 }, (_, i) => i - 1), 'every code from -1 to 136, in order')
  t.equal(Object.keys(ErrorCode).length, ERROR_CODES.length, 'ErrorCode has one entry per code')
  for (const e of ERROR_CODES) {
    t.match(e.name, /^[A-Z][A-Z0-9_]*$/, `${e.code} name is UPPER_SNAKE`)
    t.ok(e.message.length > 0, `${e.name} has a message`)
    t.equal(errorCodeInfo(e.code), e, `lookup of ${e.code}`)
  }
  // Exactly the codes whose Java exception extends RetriableException in 4.4.
  t.same(ERROR_CODES.filter(e => e.retriable).map(e => e.name), [
    'CORRUPT_MESSAGE', 'UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_OR_FOLLOWER', 'REQUEST_TIMED_OUT',
    'REPLICA_NOT_AVAILABLE', 'NETWORK_EXCEPTION', 'COORDINATOR_LOAD_IN_PROGRESS', 'COORDINATOR_NOT_AVAILABLE', 'NOT_COORDINATOR',
    'NOT_ENOUGH_REPLICAS', 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', 'NOT_CONTROLLER', 'CONCURRENT_TRANSACTIONS', 'KAFKA_STORAGE_ERROR',
    'FETCH_SESSION_ID_NOT_FOUND', 'INVALID_FETCH_SESSION_EPOCH', 'LISTENER_NOT_FOUND', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH',
    'OFFSET_NOT_AVAILABLE', 'PREFERRED_LEADER_NOT_AVAILABLE', 'ELIGIBLE_LEADERS_NOT_AVAILABLE', 'ELECTION_NOT_NEEDED',
    'UNSTABLE_OFFSET_COMMIT', 'THROTTLING_QUOTA_EXCEEDED', 'UNKNOWN_TOPIC_ID', 'INCONSISTENT_TOPIC_ID', 'FETCH_SESSION_TOPIC_ID_ERROR',
    'SHARE_SESSION_NOT_FOUND', 'INVALID_SHARE_SESSION_EPOCH', 'SHARE_SESSION_LIMIT_REACHED'
  ])
})

t.test('unknown codes get a synthetic name and are not retriable', async t => {
  t.same(errorCodeInfo(999), { code: 999, name: 'UNKNOWN_ERROR_CODE_999', retriable: false, message: 'Unknown error code 999.' })
  t.equal(errorCodeInfo(-2).name, 'UNKNOWN_ERROR_CODE_-2')
})
