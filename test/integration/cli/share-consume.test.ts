import t, { type Test } from 'tap'
import { testBootstrap } from '../../harness/index.js'
import { runCli } from '../../helpers/run-cli.js'
import { uniqueName } from '../../helpers/share-setup.js'

// kshare produce → share-consume → groups offsets / reset against the real broker: what the
// commands print is what the broker did (delivery counts, lag, redelivery after a reset).

const B = ['--bootstrap', testBootstrap()]

interface JsonRecord { topic: string, partition: number, offset: string, deliveryCount: number, key: unknown, value: unknown, headers: Array<{ key: string, value: unknown }> }

const lines = (text: string): string[] => text.split('\n').filter(l => l !== '')

async function createTopic (t: Test, topic: string, partitions = 1): Promise<void> {
  const r = await runCli(['topics', 'create', topic, '--partitions', String(partitions), ...B])
  t.equal(r.code, 0, r.err)
  t.teardown(async () => { await runCli(['topics', 'delete', topic, ...B]) })
}

t.test('produce 5 → share-consume --ack release → again deliveryCount 2 → lag 0 → reset → again', async t => {
  const topic = uniqueName('cli-consume')
  const group = uniqueName('cli-consume-g')
  await createTopic(t, topic)

  const produced = await runCli(['produce', '--topic', topic, '--key-separator', ':', '--header', 'src=cli-test', ...B], { stdin: 'k1:one\nk2:two\nk3:three\nk4:four\nk5:five\n' })
  t.equal(produced.code, 0, produced.err)
  t.match(produced.out, new RegExp(`^${topic}-0\\s+offsets 0\\.\\.4\\s+5 records\\n5 records, 29 bytes in [\\d.]+ s: \\d+ records/s, [\\d.]+ MB/s\\n$`))

  const first = await runCli(['share-consume', '--group', group, '--topic', topic, '--from', 'earliest', '--max', '5', '--ack', 'release', ...B])
  t.equal(first.code, 0, first.err)
  t.same(lines(first.out), ['one', 'two', 'three', 'four', 'five'].map((v, i) =>
    `${topic}-0 offset=${i} deliveryCount=1 key="k${i + 1}" value="${v}" headers=[src="cli-test"]`), 'the five records, first delivery')
  t.match(first.err, /^kshare share-consume: 5 records, acknowledged: release\n$/)

  const second = await runCli(['share-consume', '--group', group, '--topic', topic, '--max', '5', '--json', ...B])
  t.equal(second.code, 0, second.err)
  const records = lines(second.out).map(l => JSON.parse(l) as JsonRecord)
  t.same(records.map(r => [r.offset, r.deliveryCount, r.value]), [['0', 2, 'one'], ['1', 2, 'two'], ['2', 2, 'three'], ['3', 2, 'four'], ['4', 2, 'five']],
    'released records come back with deliveryCount 2')
  t.same(records[0]!.headers, [{ key: 'src', value: 'cli-test' }])

  const offsets = await runCli(['groups', 'offsets', group, ...B])
  t.equal(offsets.code, 0, offsets.err)
  t.match(offsets.out, /^topic\s+partition\s+start offset\s+lag\n/)
  t.match(offsets.out, new RegExp(`^${topic}\\s+0\\s+\\d+\\s+0$`, 'm'), 'lag 0 after accepting everything')

  const reset = await runCli(['groups', 'reset', group, '--to', 'earliest', ...B])
  t.equal(reset.code, 0, reset.err)
  t.equal(reset.out, `group ${group}: start offsets set\n  ${topic}-0  0\n`)
  const lagAfter = JSON.parse((await runCli(['groups', 'offsets', group, '--json', ...B])).out) as { startOffset: string, lag: string }
  t.same([lagAfter.startOffset, lagAfter.lag], ['0', '5'], 'all five owed again')

  const third = await runCli(['share-consume', '--group', group, '--topic', topic, '--max', '5', ...B])
  t.equal(third.code, 0, third.err)
  t.same(lines(third.out).map(l => /value="(\w+)"/.exec(l)?.[1]), ['one', 'two', 'three', 'four', 'five'], 'the records come again after the reset')

  const latest = await runCli(['groups', 'reset', group, '--to', 'latest', '--topic', topic, ...B])
  t.equal(latest.code, 0, latest.err)
  t.match(latest.out, new RegExp(`^  ${topic}-0  5$`, 'm'), 'latest resolved with ListOffsets')
  const none = await runCli(['share-consume', '--group', group, '--topic', topic, '--idle', '2500', ...B])
  t.equal(none.code, 0, none.err)
  t.equal(none.out, '', 'nothing after a reset to latest')
  t.match(none.err, /^kshare share-consume: 0 records/)
})

t.test('binary values print as hex; --ack none leaves records to come back on close', async t => {
  const topic = uniqueName('cli-binary')
  const group = uniqueName('cli-binary-g')
  await createTopic(t, topic)
  const produced = await runCli(['produce', '--topic', topic, ...B], { stdin: Buffer.from([0xff, 0xfe, 0x00, 0x0a]) })
  t.equal(produced.code, 0, produced.err)
  const peek = await runCli(['share-consume', '--group', group, '--topic', topic, '--from', 'earliest', '--max', '1', '--ack', 'none', ...B])
  t.equal(peek.code, 0, peek.err)
  t.equal(peek.out, `${topic}-0 offset=0 deliveryCount=1 key=null value=0xfffe00\n`)
  t.match(peek.err, /1 record, not acknowledged \(released on close\)/)
  const again = await runCli(['share-consume', '--group', group, '--topic', topic, '--max', '1', '--ack', 'reject', '--json', ...B])
  t.equal(again.code, 0, again.err)
  t.match(JSON.parse(again.out), { offset: '0', deliveryCount: 2, key: null, value: { hex: 'fffe00' } }, 'released by the close, delivered again')
  const after = await runCli(['share-consume', '--group', group, '--topic', topic, '--idle', '2500', ...B])
  t.equal(after.out, '', 'a rejected record never comes back')
})

t.test('produce --count/--size with compression: every record written and consumable', async t => {
  const topic = uniqueName('cli-generated')
  const group = uniqueName('cli-generated-g')
  await createTopic(t, topic, 2)
  const produced = await runCli(['produce', '--topic', topic, '--count', '2000', '--size', '64', '--compression', 'gzip', '--json', ...B])
  t.equal(produced.code, 0, produced.err)
  const summary = JSON.parse(produced.out) as { records: number, bytes: number, recordsPerSecond: number, partitions: Array<{ partition: number }> }
  t.match(summary, { records: 2000, bytes: 128_000 })
  t.ok(summary.recordsPerSecond > 0)
  t.ok(summary.partitions.length >= 1 && summary.partitions.every(p => p.partition === 0 || p.partition === 1))
  const consumed = await runCli(['share-consume', '--group', group, '--topic', topic, '--from', 'earliest', '--max', '2000', '--json', ...B])
  t.equal(consumed.code, 0, consumed.err)
  const records = lines(consumed.out).map(l => JSON.parse(l) as JsonRecord)
  t.equal(records.length, 2000)
  t.ok(records.every(r => typeof r.value === 'string' && r.value.length === 64 && r.deliveryCount === 1), '64-character values, first delivery')
  t.equal(new Set(records.map(r => `${r.partition}:${r.offset}`)).size, 2000, 'each record once')
})

t.test('a topic that does not exist: exit 1 with UNKNOWN_TOPIC_OR_PARTITION, not a silent wait', async t => {
  const topic = uniqueName('cli-missing')
  const r = await runCli(['share-consume', '--group', uniqueName('cli-missing-g'), '--topic', topic, ...B])
  t.equal(r.code, 1)
  t.match(r.err, new RegExp(`^kshare share-consume: UNKNOWN_TOPIC_OR_PARTITION \\(3\\) from Metadata, topic ${topic}: .*\\n$`))
  t.equal(r.out, '')
})
