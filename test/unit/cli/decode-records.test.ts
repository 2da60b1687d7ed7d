import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import {
  BATCH, ConsumerGroupHeartbeat, encodeRecordBatch, encodeRequest, encodeResponse, Produce, ShareGroupDescribe
} from '../../../protocol/index.js'
import { GOLDEN_DIR } from '../../helpers/golden-manifest.js'
import { runCli, type CliRun } from '../../helpers/run-cli.js'

// `kshare decode` on record batches (recorded ShareFetch frames from a real broker, Produce
// frames built here) and the decode defects of issue 11: lone responses, latency, xxd dumps.

const run = async (args: string[], stdin = ''): Promise<CliRun> => await runCli(args, { stdin })
const golden = (name: string): Buffer => readFileSync(join(GOLDEN_DIR, name))

const T0 = Date.UTC(2026, 11, 5, 12, 0, 0)
const batch = encodeRecordBatch([
  { key: 'order-1', value: '{"id":1,"qty":2}', timestamp: T0, headers: [{ key: 'source', value: 'web' }] },
  { key: 'order-2', value: 'x'.repeat(300), timestamp: T0 + 5 }
], { producerId: 9n, producerEpoch: 0, baseSequence: 0 })
const produce = (records: Buffer): Buffer => encodeRequest(Produce, 13, { correlationId: 5, clientId: 'p' }, {
  acks: -1, timeoutMs: 1000, topicData: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitionData: [{ index: 0, records }] }]
})

t.test('ShareFetch from a real broker: records with their delivery counts', async t => {
  // The fixtures are whole frames, size prefix included, as captured.
  const conversation = Buffer.concat([golden('share-fetch-v2-request-2.bin'), golden('share-fetch-v2-response-2.bin')])
  const r = await run(['decode', conversation.toString('hex')])
  t.equal(r.code, 0, r.err)
  t.match(r.out, /records: 2 batches, 186 bytes\n/)
  t.match(r.out, /batch offset 2 \(1 record, 83 bytes\) codec=none CreateTime producer=0 epoch=0 sequence=2 leaderEpoch=0 crc=0x49e68a18 ok\n\s+2 2026-11-26T15:00:06\.079Z delivery=2 key="k3" value="three" headers\["trace"="c"\]/)
  t.match(r.out, /\n\s+4 2026-11-26T15:00:14\.222Z delivery=1 key="k5" value="five"/)
  t.notMatch(r.out, /\bms\b|latency/, 'decoding time is not a latency: not printed')
})

t.test('Produce: batch header and records; --max-bytes cuts values; --json carries the same', async t => {
  const r = await run(['decode', '--max-bytes', '10', produce(batch).toString('hex')])
  t.equal(r.code, 0, r.err)
  t.match(r.out, /batch offsets 0-1 \(2 records, \d+ bytes\) codec=none CreateTime producer=9 epoch=0 sequence=0 leaderEpoch=-1 crc=0x[0-9a-f]{8} ok/)
  t.match(r.out, /\n\s+0 2026-12-05T12:00:00\.000Z key="order-1" value="\{\\"id\\":1,\\"q"…\(16 bytes\) headers\["source"="web"\]\n/)
  t.match(r.out, /\n\s+1 2026-12-05T12:00:00\.005Z key="order-2" value="xxxxxxxxxx"…\(300 bytes\)\n/)
  const full = await run(['decode', produce(batch).toString('hex')])
  t.match(full.out, /value=\{\n\s+"id": 1,\n\s+"qty": 2\n\s+\}/, 'JSON pretty-printed when not cut')
  const json = await run(['decode', '--json', produce(batch).toString('hex')])
  t.equal(json.code, 0, json.err)
  const body = (JSON.parse(json.out) as { body: { topicData: Array<{ partitionData: Array<{ records: { batches: Array<{ crc: { ok: boolean }, records: Array<{ key: unknown, value: unknown, headers: unknown }> }> } }> }> } }).body
  const records = body.topicData[0]!.partitionData[0]!.records
  t.equal(records.batches[0]!.crc.ok, true)
  t.same(records.batches[0]!.records[0], {
    offset: '0', timestamp: T0, time: '2026-12-05T12:00:00.000Z', key: { text: 'order-1', size: 7 }, value: { text: { id: 1, qty: 2 }, size: 16 },
    headers: [{ key: 'source', value: { text: 'web', size: 3 } }]
  })
})

t.test('a CRC mismatch is printed prominently and decode exits 1', async t => {
  const corrupt = Buffer.from(batch)
  corrupt[corrupt.length - 2] ^= 0x01 // one 'x' of the last value: the records still decode
  const r = await run(['decode', produce(corrupt).toString('hex')])
  t.equal(r.code, 1)
  t.match(r.out, /^request Produce v13 correlationId=5 clientId="p" \d+ bytes\n {2}!! topicData\[0\]\.partitionData\[0\]\.records: CRC mismatch in the batch at offset 0: stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\n/)
  t.match(r.out, /!! CRC MISMATCH: stored/)
  t.match(r.err, /^kshare decode: CorruptRecordsError: 1 record batch problem\(s\): request Produce correlationId=5 topicData\[0\]\.partitionData\[0\]\.records: CRC mismatch/)
  const json = await run(['decode', '--json', produce(corrupt).toString('hex')])
  t.equal(json.code, 1)
  t.match(json.out, /"crc":\{"stored":"0x[0-9a-f]{8}","computed":"0x[0-9a-f]{8}","ok":false\}/)
  t.ok(BATCH.CRC > 0)
})

t.test('a lone response without --api is not misread as a request', async t => {
  // Correlation id 59: read as a request header it says "Produce v59".
  const response = encodeResponse(ShareGroupDescribe, 1, 59, { throttleTimeMs: 0, groups: [] }).subarray(4)
  const r = await run(['decode', response.toString('hex')])
  t.equal(r.code, 1)
  t.match(r.err, /read as one frame: not a request: Produce \(key 0\) has no version 59 \(Kafka 4\.4 speaks v\d+-v\d+\); if this is a response, give --api NAME --version N/)
  t.equal(r.out, '')
  // Longer than its "size prefix" (59): the first 59 bytes read as a frame, and are not a request either.
  const long = encodeResponse(ShareGroupDescribe, 1, 59, {
    throttleTimeMs: 0,
    groups: [{ groupId: 'a-share-group-with-a-long-name', errorCode: 0, groupState: 'Stable', groupEpoch: 3, assignmentEpoch: 3, assignorName: 'simple', members: [] }]
  }).subarray(4)
  const l = await run(['decode', long.toString('hex')])
  t.equal(l.code, 1)
  t.match(l.err, /if this is a response, give --api NAME --version N/)
  t.notMatch(l.out, /Produce v59/)
  const hinted = await run(['decode', '--api', 'ShareGroupDescribe', '--version', '1', response.toString('hex')])
  t.equal(hinted.code, 0, hinted.err)
  t.match(hinted.out, /response ShareGroupDescribe v1 correlationId=59/)
})

t.test('APIs kshare does not hand-write decode from their generated declarations', async t => {
  const frame = encodeRequest(ConsumerGroupHeartbeat, 1, { correlationId: 3, clientId: 'java' }, {
    groupId: 'g', memberId: 'm', memberEpoch: 0, subscribedTopicNames: ['orders']
  })
  const r = await run(['decode', frame.toString('hex')])
  t.equal(r.code, 0, r.err)
  t.match(r.out, /request ConsumerGroupHeartbeat v1 correlationId=3 clientId="java"/)
  t.match(r.out, /groupId: "g"\n\s+memberId: "m"\n\s+memberEpoch: 0\n/)
  t.match(r.out, /subscribedTopicNames \(1\):\n\s+\[0\]: "orders"/)
})

/** `xxd` output of `data`. */
function xxd (data: Buffer): string {
  let out = ''
  for (let o = 0; o < data.length; o += 16) {
    const row = data.subarray(o, o + 16)
    const groups = (row.toString('hex').match(/.{1,4}/g) ?? []).join(' ')
    const text = [...row].map(b => b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.').join('')
    out += `${o.toString(16).padStart(8, '0')}: ${groups.padEnd(39)}  ${text}\n`
  }
  return out
}

/** `hexdump -C` output of `data`. */
function hexdumpC (data: Buffer): string {
  let out = ''
  for (let o = 0; o < data.length; o += 16) {
    const row = data.subarray(o, o + 16)
    const bytes = [...row].map(b => b.toString(16).padStart(2, '0'))
    const hex = `${bytes.slice(0, 8).join(' ')}  ${bytes.slice(8).join(' ')}`.trimEnd()
    const text = [...row].map(b => b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.').join('')
    out += `${o.toString(16).padStart(8, '0')}  ${hex.padEnd(49)}|${text}|\n`
  }
  return out + `${data.length.toString(16).padStart(8, '0')}\n`
}

t.test('xxd and hexdump -C dumps are accepted, on stdin and from --file', async t => {
  const frame = produce(batch)
  for (const [name, dump] of [['xxd', xxd(frame)], ['hexdump -C', hexdumpC(frame)]] as const) {
    const r = await run(['decode'], dump)
    t.equal(r.code, 0, `${name}: ${r.err}`)
    t.match(r.out, /request Produce v13 correlationId=5/, name)
    t.match(r.out, /key="order-1"/, name)
  }
  const dir = t.testdir({ 'frame.xxd': xxd(frame) })
  const fromFile = await run(['decode', '--file', join(dir, 'frame.xxd')])
  t.equal(fromFile.code, 0, fromFile.err)
  t.match(fromFile.out, /key="order-2"/)
})
