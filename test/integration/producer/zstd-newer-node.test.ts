import t from 'tap'
import { execFile } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { Producer } from '../../../index.js'
import { canCompress, decodeRecordBatches } from '../../../protocol/records/index.js'
import { testBootstrap } from '../../harness/index.js'
import { atLeast, newerNode } from '../../helpers/newer-node.js'
import { createTopic, pollUntil, setGroupConfigs, subscribedConsumer, uniqueName } from '../../helpers/share-setup.js'

// zstd encoding needs zstd in node:zlib (Node 22.15+). This machine's Node (20) refuses it by
// name; a Node ≥ 22.15 from npm (the `node` package) produces zstd to the broker, and this
// Node reads the records back through the share consumer (its pure-JS zstd decoder).
const RECORDS = 40
const value = (i: number): string => `zstd-${i}-${'z'.repeat(i * 11)}`
const here = dirname(fileURLToPath(import.meta.url))

t.test('zstd: refused by name where node:zlib lacks it', async t => {
  if (atLeast(process.version, 22, 15)) {
    t.ok(canCompress('zstd'), `${process.version} encodes zstd`)
    return
  }
  t.notOk(canCompress('zstd'), `${process.version} has no zstd encoder`)
  const escaped = process.version.replace(/\./g, '\\.')
  t.throws(() => new Producer({ bootstrapServers: testBootstrap(), compression: 'zstd' }),
    { name: 'ConfigurationError', message: new RegExp(`Node 22\\.15\\+.*this is Node ${escaped}`) },
    'the error says which Node it needs and which Node this is')
})

t.test('zstd: produced by a Node with zlib zstd, consumed intact here', async t => {
  const node = await newerNode()
  t.comment(`producing under Node ${node.version} (${node.path})`)
  t.ok(atLeast(node.version, 22, 15), `${node.version} is 22.15 or newer`)
  const bootstrap = testBootstrap()
  const topic = uniqueName('zstd-produce')
  const groupId = uniqueName('zstd-produce-g')
  await createTopic(bootstrap, topic, 1)
  await setGroupConfigs(bootstrap, groupId, { 'share.auto.offset.reset': 'earliest' })
  const { stdout } = await promisify(execFile)(node.path, [join(here, '..', '..', 'helpers', 'zstd-produce-child.js'), bootstrap, topic, String(RECORDS)],
    { timeout: 120_000 })
  const child = JSON.parse(stdout.trim().split('\n').pop()!) as { node: string, batch: string }
  t.equal(child.node, node.version, 'the child ran the newer Node')

  const { batches } = decodeRecordBatches(Buffer.from(child.batch, 'base64'))
  t.equal(batches[0]?.compression, 'zstd', 'its encoder writes codec zstd (4) into the batch attributes')
  t.same(batches[0]?.records.map(r => r.value?.toString()), Array.from({ length: RECORDS }, (_, i) => value(i)), 'and the records decode here')

  const consumer = subscribedConsumer(t, { bootstrap, topic, groupId }, { acknowledgementMode: 'explicit' })
  const records = await pollUntil(consumer, all => all.length >= RECORDS, 60_000, batch => {
    for (const r of batch) consumer.acknowledge(r, 'accept')
  })
  const got = records
    .map(r => ({ offset: r.offset, key: r.key?.toString(), value: r.value?.toString(), headers: r.headers.map(h => [h.key, h.value?.toString()]) }))
    .sort((a, b) => Number(a.offset - b.offset))
  t.same(got, Array.from({ length: RECORDS }, (_, i) => ({ offset: BigInt(i), key: `k${i}`, value: value(i), headers: [['h', String(i)]] })),
    'keys, values and headers as produced, one delivery each')
  t.same((await consumer.commitSync()).map(r => r.error), [null], 'all accepted')
})
