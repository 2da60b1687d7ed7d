import t from 'tap'
import { ShareAcknowledge, ShareFetch, decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../../../../protocol/index.js'

// Known byte layouts, computed by hand from the Kafka 4.4 JSON schemas (not from our encoder).
const TOPIC = 'AAECAwQFBgcICQoLDA0ODw' // bytes 00 01 .. 0f
const TOPIC_HEX = '000102030405060708090a0b0c0d0e0f'

const hex = (...parts: string[]): Buffer => Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex')

t.test('ShareFetch v2 request: a tiny incremental fetch with one ack batch', async t => {
  const body = hex(
    '02 67', //                      group_id: compact string "g"
    '02 6d', //                      member_id: "m"
    '00000001', //                   share_session_epoch 1
    '000001f4', //                   max_wait_ms 500
    '00000001', //                   min_bytes 1
    '00000400', //                   max_bytes 1024
    '0000000a', //                   max_records 10
    '00000005', //                   batch_size 5
    '01', //                         share_acquire_mode 1 (record_limit), v2+
    '00', //                         is_renew_ack false, v2+
    '02', //                         topics: compact array of 1
    TOPIC_HEX, //                      topic_id
    '02', //                           partitions: 1
    '00000003', //                       partition_index 3
    '02', //                             acknowledgement_batches: 1
    '0000000000000000', //                 first_offset 0
    '0000000000000002', //                 last_offset 2
    '02 01', //                            acknowledge_types [1] (accept)
    '00', //                               batch tagged fields
    '00', //                             partition tagged fields
    '00', //                           topic tagged fields
    '01', //                         forgotten_topics_data: empty
    '00' //                          body tagged fields
  )
  const header = hex('004e 0002 00000007 0001 63 00') // key 78, v2, correlation 7, client id "c" (int16 length), header tags
  const expected = Buffer.concat([hex((header.length + body.length).toString(16).padStart(8, '0')), header, body])
  const frame = encodeRequest(ShareFetch, 2, { correlationId: 7, clientId: 'c' }, {
    groupId: 'g',
    memberId: 'm',
    shareSessionEpoch: 1,
    maxWaitMs: 500,
    minBytes: 1,
    maxBytes: 1024,
    maxRecords: 10,
    batchSize: 5,
    shareAcquireMode: 1,
    isRenewAck: false,
    topics: [{ topicId: TOPIC, partitions: [{ partitionIndex: 3, acknowledgementBatches: [{ firstOffset: 0n, lastOffset: 2n, acknowledgeTypes: [1] }] }] }],
    forgottenTopicsData: []
  })
  t.equal(frame.toString('hex'), expected.toString('hex'))
  t.equal(frame.length, 4 + 12 + 76, 'header 12 bytes, body 76')
  const { body: decoded } = decodeRequest(ShareFetch, expected.subarray(4))
  t.equal(decoded.topics[0]?.topicId, TOPIC)
  t.same(decoded.topics[0]?.partitions[0]?.acknowledgementBatches, [{ firstOffset: 0n, lastOffset: 2n, acknowledgeTypes: [1] }])
})

t.test('ShareFetch v1 request omits ShareAcquireMode and IsRenewAck', async t => {
  const frame = encodeRequest(ShareFetch, 1, { correlationId: 7, clientId: null }, {
    groupId: null, memberId: 'm', shareSessionEpoch: 0, maxWaitMs: 0, minBytes: 0, maxRecords: 0, batchSize: 0, topics: [], forgottenTopicsData: []
  })
  t.equal(frame.subarray(4).toString('hex'), [
    '004e', '0001', '00000007', 'ffff', '00', // key 78, v1, correlation 7, null client id, header tags
    '00', //         group_id null
    '026d', //       member_id "m"
    '00000000', '00000000', '00000000', // epoch 0, max_wait_ms 0, min_bytes 0
    '7fffffff', //   max_bytes default
    '00000000', '00000000', // max_records, batch_size
    '01', '01', '00' // no topics, no forgotten topics, tags
  ].join(''))
})

t.test('ShareFetch v2 response: a nullable error message, the non-nullable records and a nullable rack', async t => {
  const body = hex(
    '00000000', //                   throttle_time_ms
    '0000', //                       error_code
    '00', //                         error_message null
    '00007530', //                   acquisition_lock_timeout_ms 30000
    '02', TOPIC_HEX, //              responses: 1, topic_id
    '02', //                           partitions: 1
    '00000000 0000 00 0000 00', //       index 0, error 0, msg null, ack error 0, ack msg null
    '00000001 00000005 00', //           current_leader {1, 5} + its tagged fields
    '04 aabbcc', //                      records: 3 bytes (compact: length + 1)
    '02 0000000000000000 0000000000000002 0001 00', // acquired_records [{0, 2, delivery 1}]
    '00', //                             partition tags
    '00', //                           topic tags
    '02 00000001 0a 6c6f63616c686f7374 00002384 00 00', // node_endpoints [{1, "localhost", 9092, rack null}]
    '00' //                          body tags
  )
  const frame = Buffer.concat([hex((4 + 1 + body.length).toString(16).padStart(8, '0')), hex('00000009 00'), body])
  const { correlationId, body: decoded } = decodeResponse(ShareFetch, 2, frame.subarray(4))
  t.equal(correlationId, 9)
  t.same(decoded, {
    throttleTimeMs: 0,
    errorCode: 0,
    errorMessage: null,
    acquisitionLockTimeoutMs: 30000,
    responses: [{
      topicId: TOPIC,
      partitions: [{
        partitionIndex: 0,
        errorCode: 0,
        errorMessage: null,
        acknowledgeErrorCode: 0,
        acknowledgeErrorMessage: null,
        currentLeader: { leaderId: 1, leaderEpoch: 5 },
        records: Buffer.from([0xaa, 0xbb, 0xcc]),
        acquiredRecords: [{ firstOffset: 0n, lastOffset: 2n, deliveryCount: 1 }]
      }]
    }],
    nodeEndpoints: [{ nodeId: 1, host: 'localhost', port: 9092, rack: null }]
  })
  t.ok(encodeResponse(ShareFetch, 2, 9, decoded).equals(frame), 're-encodes to the same bytes')
  // Records are not nullable from v1 on (KAFKA-18889): a null (compact length 0) is corrupt.
  const corrupt = Buffer.from(frame)
  corrupt[corrupt.indexOf(hex('04aabbcc'))] = 0
  t.throws(() => decodeResponse(ShareFetch, 2, corrupt.subarray(4)), /records/)
})

t.test('ShareAcknowledge v2 request: is_renew_ack sits between the epoch and the topics', async t => {
  const frame = encodeRequest(ShareAcknowledge, 2, { correlationId: 1, clientId: null }, {
    groupId: 'g', memberId: 'm', shareSessionEpoch: -1, isRenewAck: true, topics: []
  })
  t.equal(frame.subarray(4 + 11).toString('hex'), '0267' + '026d' + 'ffffffff' + '01' + '01' + '00')
})
