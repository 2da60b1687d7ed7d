import t from 'tap'
import { Fetch, decodeResponse, encodeRequest } from '../../../../protocol/index.js'

// Fetch v12 (the partition reader's version: the last that names topics), byte layouts computed
// by hand from Kafka 4.4's FetchRequest.json / FetchResponse.json, not from our encoder: an
// independent check of the declaration generated from those schemas.

const hex = (...parts: string[]): Buffer => Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex')
const framed = (header: Buffer, body: Buffer): Buffer => Buffer.concat([hex((header.length + body.length).toString(16).padStart(8, '0')), header, body])

t.test('Fetch v12 request: one partition from an offset, no session', async t => {
  const body = hex(
    'ffffffff', //          replica_id -1 (a consumer)
    '00000000', //          max_wait_ms 0
    '00000000', //          min_bytes 0
    '00100000', //          max_bytes 1 MiB
    '00', //                isolation_level read_uncommitted
    '00000000', //          session_id 0
    'ffffffff', //          session_epoch -1: a full fetch, no session
    '02', //                topics: 1
    '02 74', //               topic "t"
    '02', //                  partitions: 1
    '00000000', //              partition 0
    'ffffffff', //              current_leader_epoch -1
    '0000000000000005', //      fetch_offset 5
    'ffffffff', //              last_fetched_epoch -1
    'ffffffffffffffff', //      log_start_offset -1
    '00100000', //              partition_max_bytes 1 MiB
    '00', //                    partition tags
    '00', //                  topic tags
    '01', //                forgotten_topics_data: empty
    '01', //                rack_id ""
    '00' //                 body tags (ClusterId left out)
  )
  const header = hex('0001 000c 00000007 0001 63 00') // key 1, v12, correlation 7, client id "c", header tags
  const frame = encodeRequest(Fetch, 12, { correlationId: 7, clientId: 'c' }, {
    maxWaitMs: 0, minBytes: 0, maxBytes: 1024 * 1024,
    topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: 5n, partitionMaxBytes: 1024 * 1024 }] }],
    forgottenTopicsData: []
  })
  t.equal(frame.toString('hex'), framed(header, body).toString('hex'))
})

t.test('Fetch v12 response: offsets, null records, the tagged CurrentLeader', async t => {
  const body = hex(
    '00000000', //          throttle_time_ms
    '0000', //              error_code
    '00000000', //          session_id
    '02', //                responses: 1
    '02 74', //               topic "t"
    '02', //                  partitions: 1
    '00000000', //              partition_index 0
    '0001', //                  error_code OFFSET_OUT_OF_RANGE
    '000000000000001e', //      high_watermark 30
    '000000000000001e', //      last_stable_offset 30
    '0000000000000003', //      log_start_offset 3
    '00', //                    aborted_transactions: null
    'ffffffff', //              preferred_read_replica -1
    '00', //                    records: null
    '01 01 09 00000002 00000003 00', // tags: CurrentLeader (tag 1) leader 2 epoch 3
    '00', //                  topic tags
    '00' //                 body tags
  )
  const header = hex('00000007 00') // correlation 7, header tags
  const { correlationId, body: decoded } = decodeResponse(Fetch, 12, framed(header, body).subarray(4))
  t.equal(correlationId, 7)
  t.match(decoded.responses, [{ topic: 't', partitions: [{ partitionIndex: 0, errorCode: 1, highWatermark: 30n, lastStableOffset: 30n, logStartOffset: 3n, abortedTransactions: null, preferredReadReplica: -1, records: null }] }])
})
