import diagnostics_channel from 'node:diagnostics_channel'
import t from 'tap'
import { Cluster } from '../../../client/cluster.js'
import { TRACE_CHANNELS, type WireTrace } from '../../../client/tracing.js'
import {
  ConsumerGroupDescribe, DescribeGroups, DescribeTopicPartitions, ListConfigResources, OffsetFetch
} from '../../../protocol/index.js'
import { testBootstrap } from '../../harness/index.js'
import { runCli } from '../../helpers/run-cli.js'
import { uniqueName } from '../../helpers/share-setup.js'

// Real bytes from the real cluster through `kshare decode`: Produce and ShareFetch frames with
// record batches (captured off kshare's own wire channel), and requests of APIs kshare does
// not hand-write, sent with their generated declarations and answered by the broker.

const B = ['--bootstrap', testBootstrap()]

/** Runs `run` while collecting every frame on the wire channel, request with its response. */
async function capture (run: () => Promise<void>): Promise<WireTrace[]> {
  const frames: WireTrace[] = []
  const onWire = (m: unknown): void => { frames.push(m as WireTrace) }
  diagnostics_channel.subscribe(TRACE_CHANNELS.wire, onWire)
  try {
    await run()
  } finally {
    diagnostics_channel.unsubscribe(TRACE_CHANNELS.wire, onWire)
  }
  return frames
}

/** A request and its response as one size-prefixed hex conversation, as `decode` reads it. */
function conversation (frames: WireTrace[], api: string, where: (response: WireTrace) => boolean): string {
  const response = frames.find(f => f.api === api && f.direction === 'response' && where(f))
  const request = frames.find(f => f.api === api && f.direction === 'request' && f.correlationId === response?.correlationId && f.connectionId === response?.connectionId)
  if (request === undefined || response === undefined) throw new Error(`no ${api} exchange captured`)
  const size = Buffer.alloc(4)
  size.writeInt32BE(response.frame.length)
  // Request frames carry their size prefix on the channel; responses do not.
  return Buffer.concat([request.frame, size, response.frame]).toString('hex')
}

t.test('Produce and ShareFetch frames from the cluster decode with their records, CRCs and delivery counts', async t => {
  const topic = uniqueName('real-frames')
  const group = uniqueName('real-frames-g')
  t.equal((await runCli(['topics', 'create', topic, '--partitions', '1', ...B])).code, 0)
  t.teardown(async () => { await runCli(['topics', 'delete', topic, ...B]) })

  const produced = await capture(async () => {
    const r = await runCli(['produce', '--topic', topic, '--key-separator', ':', '--header', 'src=it', ...B],
      { stdin: 'k1:{"order":1,"items":["a","b"]}\nk2:plain text\n' })
    t.equal(r.code, 0, r.err)
  })
  const produce = await runCli(['decode', conversation(produced, 'Produce', () => true)])
  t.equal(produce.code, 0, produce.err)
  t.match(produce.out, /^request Produce v13 correlationId=\d+ clientId="kshare-cli" \d+ bytes\n/)
  t.match(produce.out, /records: 1 batch, \d+ bytes\n\s+batch offsets 0-1 \(2 records, \d+ bytes\) codec=none CreateTime producer=\d+ epoch=0 sequence=0 leaderEpoch=-1 crc=0x[0-9a-f]{8} ok\n/)
  t.match(produce.out, /\n\s+0 \S+Z key="k1" value=\{\n\s+"order": 1,\n\s+"items": \[\n/)
  t.match(produce.out, /\n\s+1 \S+Z key="k2" value="plain text" headers\["src"="it"\]\n/)
  t.match(produce.out, /response Produce v13 correlationId=\d+ \d+ bytes\n/)

  // First delivery released, second delivery seen with delivery count 2.
  const first = await runCli(['share-consume', '--group', group, '--topic', topic, '--from', 'earliest', '--max', '2', '--ack', 'release', ...B])
  t.equal(first.code, 0, first.err)
  const fetched = await capture(async () => {
    const r = await runCli(['share-consume', '--group', group, '--topic', topic, '--max', '2', ...B])
    t.equal(r.code, 0, r.err)
  })
  const withRecords = (f: WireTrace): boolean => {
    const body = f.body as { responses?: Array<{ partitions: Array<{ acquiredRecords: unknown[] }> }> } | undefined
    return body?.responses?.some(r => r.partitions.some(p => p.acquiredRecords.length > 0)) === true
  }
  const shareFetch = await runCli(['decode', '--json', conversation(fetched, 'ShareFetch', withRecords)])
  t.equal(shareFetch.code, 0, shareFetch.err)
  const [, response] = shareFetch.out.trim().split('\n').map(l => JSON.parse(l) as {
    body: { responses: Array<{ partitions: Array<{ records: { batches: Array<{ crc: { ok: boolean }, records: Array<{ offset: string, deliveryCount: number | null, key: { text: string } }> }>, problems: string[] } }> }> }
  })
  const records = response!.body.responses[0]!.partitions[0]!.records
  t.same(records.problems, [])
  t.ok(records.batches.every(b => b.crc.ok))
  t.same(records.batches.flatMap(b => b.records.map(r => [r.offset, r.deliveryCount, r.key.text])), [['0', 2, 'k1'], ['1', 2, 'k2']])
})

t.test('APIs kshare does not hand-write: generated declarations encode requests the broker answers, and decode its answers', async t => {
  const topic = uniqueName('generated-apis')
  t.equal((await runCli(['topics', 'create', topic, '--partitions', '3', ...B])).code, 0)
  t.teardown(async () => { await runCli(['topics', 'delete', topic, ...B]) })
  const cluster = new Cluster({ bootstrapServers: testBootstrap(), clientId: 'generated-apis-test' })
  t.teardown(() => cluster.close())
  const frames = await capture(async () => {
    const conn = await cluster.anyConnection()
    const partitions = await conn.send(DescribeTopicPartitions, { topics: [{ name: topic }], responsePartitionLimit: 2000, cursor: null })
    t.equal(partitions.topics[0]?.errorCode, 0)
    t.same(partitions.topics[0]?.partitions.map(p => p.partitionIndex).sort(), [0, 1, 2])
    const groups = await conn.send(DescribeGroups, { groups: ['no-such-classic-group'], includeAuthorizedOperations: false })
    t.equal(groups.groups[0]?.groupId, 'no-such-classic-group')
    const resources = await conn.send(ListConfigResources, { resourceTypes: [] })
    t.equal(resources.errorCode, 0)
    const consumer = await conn.send(ConsumerGroupDescribe, { groupIds: ['no-such-consumer-group'], includeAuthorizedOperations: false })
    t.equal(consumer.groups.length, 1)
    const offsets = await conn.send(OffsetFetch, { groups: [{ groupId: 'no-such-consumer-group', memberId: null, memberEpoch: -1, topics: null }], requireStable: false })
    t.equal(offsets.groups.length, 1)
  })
  for (const api of ['DescribeTopicPartitions', 'DescribeGroups', 'ListConfigResources', 'ConsumerGroupDescribe', 'OffsetFetch']) {
    const r = await runCli(['decode', conversation(frames, api, () => true)])
    t.equal(r.code, 0, `${api}: ${r.err}`)
    t.match(r.out, new RegExp(`^request ${api} v\\d+ correlationId=\\d+ clientId="generated-apis-test"`), api)
    t.match(r.out, new RegExp(`\\nresponse ${api} v\\d+ correlationId=\\d+ \\d+ bytes\\n`), api)
    t.notMatch(r.out, /raw:/, `${api}: every field decoded`)
  }
})
