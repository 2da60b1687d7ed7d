import t from 'tap'
import {
  BATCH, decodeResponse, describeMessage, encodeRecordBatch, encodeResponse, recordProblems, recordsToJson, renderRecordsText, renderTree, ShareFetch, treeToJson,
  viewBytes, viewRecords
} from '../../../protocol/index.js'

const T0 = Date.UTC(2026, 11, 5, 12, 0, 0)

const plain = encodeRecordBatch([
  { key: 'k0', value: 'hello', timestamp: T0, headers: [{ key: 'trace', value: 'abc' }] },
  { key: null, value: Buffer.from([0, 1, 2, 0xff]), timestamp: T0 + 1 },
  { key: 'j', value: '{"a":1,"b":[true,null]}', timestamp: T0 + 2 }
], { baseOffset: 10n, producerId: 42n, producerEpoch: 3, baseSequence: 7, compression: 'gzip' })

// A COMMIT marker: control batch, key = version 0, type 1.
const commit = encodeRecordBatch([{ key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0, 0, 0, 0]), timestamp: T0 }],
  { baseOffset: 13n, producerId: 42n, producerEpoch: 3, transactional: true, control: true })

t.test('viewBytes: printable UTF-8 as text, JSON pretty-printed, anything else as hex, cut at maxBytes', async t => {
  t.same(viewBytes(Buffer.from('héllo')), { encoding: 'utf8', text: 'héllo', size: 6, truncated: false })
  t.same(viewBytes(Buffer.from('{"a":[1]}')), { encoding: 'json', text: '{\n  "a": [\n    1\n  ]\n}', size: 9, truncated: false })
  t.same(viewBytes(Buffer.from('{not json')), { encoding: 'utf8', text: '{not json', size: 9, truncated: false })
  t.same(viewBytes(Buffer.from([0, 0xff])), { encoding: 'hex', text: '00ff', size: 2, truncated: false })
  t.same(viewBytes(Buffer.from('abcdef'), { maxBytes: 3 }), { encoding: 'utf8', text: 'abc', size: 6, truncated: true })
  // A cut through "é" is not a reason to print hex.
  t.same(viewBytes(Buffer.from('aé'), { maxBytes: 2 }), { encoding: 'utf8', text: 'a', size: 3, truncated: true })
  t.same(viewBytes(Buffer.from('{"a":1}'), { maxBytes: 3 }).encoding, 'utf8', 'a cut JSON is shown as text')
})

t.test('viewRecords: batch header, attributes, CRC, records, control markers', async t => {
  const view = viewRecords(Buffer.concat([plain, commit]))
  t.same(view.problems, [])
  t.equal(view.batches.length, 2)
  const [b, c] = view.batches
  t.match(b, {
    baseOffset: 10n, lastOffset: 12n, recordCount: 3, codec: 'gzip', timestampType: 'CreateTime', transactional: false,
    control: false, producerId: 42n, producerEpoch: 3, baseSequence: 7, crc: { ok: true }
  })
  t.same(b!.records.map(r => [r.offset, r.timestamp, r.key?.text ?? null, r.value?.encoding]), [
    [10n, T0, 'k0', 'utf8'], [11n, T0 + 1, null, 'hex'], [12n, T0 + 2, 'j', 'json']
  ])
  t.same(b!.records[0]!.headers, [{ key: 'trace', value: { encoding: 'utf8', text: 'abc', size: 3, truncated: false } }])
  t.match(c, { control: true, transactional: true, records: [{ offset: 13n, control: 'commit' }] })
  const text = renderRecordsText(view)
  t.match(text, /^batch offsets 10-12 \(3 records, \d+ bytes\) codec=gzip CreateTime producer=42 epoch=3 sequence=7 leaderEpoch=-1 crc=0x[0-9a-f]{8} ok\n/)
  t.match(text, /\n {2}10 2026-12-05T12:00:00\.000Z key="k0" value="hello" headers\["trace"="abc"\]\n/)
  t.match(text, /\n {2}11 2026-12-05T12:00:00\.001Z key=null value=0x000102ff\n/)
  t.match(text, /value=\{\n {6}"a": 1,\n/, 'JSON pretty-printed under its record')
  t.match(text, /batch offset 13 .* transactional control producer=42.*\n {2}13 2026-12-05T12:00:00\.000Z control=commit\n/)
  const json = recordsToJson(view) as { batches: Array<{ records: Array<{ value: unknown }> }> }
  t.same(json.batches[0]!.records[2]!.value, { text: { a: 1, b: [true, null] }, size: 23 }, 'JSON values are JSON in --json output')
  t.same(json.batches[0]!.records[1]!.value, { hex: '000102ff', size: 4 })
})

t.test('a CRC mismatch is flagged on its batch and listed as a problem; the records are still shown', async t => {
  const corrupt = Buffer.from(plain)
  corrupt.writeUInt32BE((corrupt.readUInt32BE(BATCH.CRC) ^ 1) >>> 0, BATCH.CRC)
  const view = viewRecords(Buffer.concat([corrupt, commit]))
  t.equal(view.batches[0]!.crc.ok, false)
  t.equal(view.batches[1]!.crc.ok, true)
  t.match(view.problems, [/^CRC mismatch in the batch at offset 10: stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}$/])
  t.equal(view.batches[0]!.records.length, 3)
  t.match(renderRecordsText(view), /!! CRC MISMATCH: stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}/)
})

t.test('undecodable bytes never throw: partial batches, unreadable headers and bad compression are reported', async t => {
  const partial = viewRecords(Buffer.concat([commit, plain.subarray(0, 30)]))
  t.equal(partial.batches.length, 1)
  t.equal(partial.partialBytes, 30)
  t.same(partial.problems, [], 'a cut at the fetch limit is normal')
  t.match(renderRecordsText(partial), /partial batch: 30 bytes/)
  const magic = Buffer.from(commit)
  magic.writeInt8(1, BATCH.MAGIC)
  t.match(viewRecords(magic).problems, [/cannot read the batch at byte 0: record format magic 1/])
  const garbled = Buffer.from(plain)
  garbled.fill(0x55, BATCH.HEADER_SIZE + 2)
  const bad = viewRecords(garbled)
  t.equal(bad.batches.length, 1)
  t.match(bad.batches[0]!.error, /gzip/)
  t.equal(bad.problems.length, 2, 'the CRC and the compression')
})

t.test('ShareFetch: each record shows the delivery count of its acquired range; acquired offsets without a record are gaps', async t => {
  const body = {
    throttleTimeMs: 0,
    errorCode: 0,
    acquisitionLockTimeoutMs: 30000,
    responses: [{
      topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
      partitions: [{
        partitionIndex: 0,
        errorCode: 0,
        acknowledgeErrorCode: 0,
        currentLeader: { leaderId: 0, leaderEpoch: 0 },
        records: Buffer.concat([plain, commit]),
        acquiredRecords: [
          { firstOffset: 11n, lastOffset: 11n, deliveryCount: 3 },
          { firstOffset: 12n, lastOffset: 13n, deliveryCount: 1 }
        ]
      }]
    }],
    nodeEndpoints: []
  }
  const decoded = decodeResponse(ShareFetch, 2, encodeResponse(ShareFetch, 2, 1, body).subarray(4)).body
  const nodes = describeMessage(ShareFetch, 2, 'response', decoded, { records: {} })
  t.same(recordProblems(nodes), [])
  const text = renderTree(nodes)
  t.match(text, /records: 2 batches, \d+ bytes\n/)
  t.match(text, /\n\s+10 \S+ not-acquired key="k0"/, 'sent with its batch, not acquired by this member')
  t.match(text, /\n\s+11 \S+ delivery=3 key=null/)
  t.match(text, /\n\s+12 \S+ delivery=1 key="j"/)
  t.match(text, /gaps \(acquired, no record\): 13\n/, 'the commit marker is a gap')
  const json = treeToJson(nodes) as { responses: Array<{ partitions: Array<{ records: { gaps: string[], batches: Array<{ records: Array<{ deliveryCount: number | null }> }> } }> }> }
  const records = json.responses[0]!.partitions[0]!.records
  t.same(records.gaps, ['13'])
  t.same(records.batches[0]!.records.map(r => r.deliveryCount), [null, 3, 1])
})

t.test('recordProblems names the field path of a corrupt batch', async t => {
  const corrupt = Buffer.from(commit)
  corrupt.writeUInt32BE((corrupt.readUInt32BE(BATCH.CRC) ^ 1) >>> 0, BATCH.CRC)
  const nodes = describeMessage(ShareFetch, 2, 'response', {
    throttleTimeMs: 0,
    errorCode: 0,
    errorMessage: null,
    acquisitionLockTimeoutMs: 0,
    responses: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: [{ partitionIndex: 0, errorCode: 0, errorMessage: null, acknowledgeErrorCode: 0, acknowledgeErrorMessage: null, currentLeader: { leaderId: 0, leaderEpoch: 0 }, records: corrupt, acquiredRecords: [] }] }],
    nodeEndpoints: []
  }, { records: {} })
  t.match(recordProblems(nodes), [/^responses\[0\]\.partitions\[0\]\.records: CRC mismatch in the batch at offset 13/])
  t.same(recordProblems(describeMessage(ShareFetch, 2, 'response', { responses: [], nodeEndpoints: [] } as never)), [], 'records not decoded without the option')
})
