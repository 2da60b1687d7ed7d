import t from 'tap'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Cluster } from '../../../client/cluster.js'
import { testBootstrap, testBroker } from '../../harness/index.js'
import { runCli } from '../../helpers/run-cli.js'
import { uniqueName } from '../../helpers/share-setup.js'

// kshare api-versions, metadata and topics against the real broker, in-process; and the
// installed bin as a child process.

const bootstrap = testBootstrap()
const B = ['--bootstrap', bootstrap]
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
// The harness sets default.replication.factor to the node count (test/harness/server-properties.ts).
const defaultReplicationFactor = testBroker().nodes.length

t.test('api-versions: broker and kshare ranges, the version used, share-group APIs marked, features', async t => {
  const text = await runCli(['api-versions', ...B])
  t.equal(text.code, 0, text.err)
  // One broker answers: any of the bootstrap addresses.
  t.match(text.out, new RegExp(`^broker (${bootstrap.split(',').map(escape).join('|')})( \\(node \\d+\\))?, ApiVersions v\\d`))
  t.match(text.out, /^\*\s+78\s+ShareFetch\s+\d+(-\d+)?\s+1-2\s+v[12]$/m, 'ShareFetch marked, with both ranges and the version used')
  t.match(text.out, /^\*\s+90\s+DescribeShareGroupOffsets\s/m)
  t.match(text.out, /^\s+8\s+OffsetCommit\s+\d+-\d+\s+-\s+-$/m, 'an API kshare does not speak')
  t.match(text.out, /^\s+share\.version\s+[1-9]$/m, 'finalized share.version')
  t.match(text.out, /share groups: on \(share\.version [1-9]\)/)

  const json = await runCli(['api-versions', '--json', ...B])
  t.equal(json.code, 0, json.err)
  const parsed = JSON.parse(json.out) as { apis: Array<{ apiKey: number, used: number | null, shareGroup: boolean, broker: number[] | null }>, finalizedFeatures: Array<{ name: string, maxVersionLevel: number }>, shareVersion: number }
  const shareKeys = parsed.apis.filter(a => a.shareGroup).map(a => a.apiKey)
  t.same(shareKeys, [76, 77, 78, 79, 90, 91, 92])
  for (const a of parsed.apis.filter(x => x.shareGroup)) t.type(a.used, 'number', `api ${a.apiKey} negotiated`)
  t.ok(parsed.shareVersion >= 1)
  t.ok(parsed.finalizedFeatures.some(f => f.name === 'share.version' && f.maxVersionLevel === parsed.shareVersion))
})

t.test('topics create → metadata shows it → list → delete', async t => {
  const topic = uniqueName('cli-topic')
  const created = await runCli(['topics', 'create', topic, '--partitions', '3', '--config', 'retention.ms=3600000', ...B])
  t.equal(created.code, 0, created.err)
  t.match(created.out, new RegExp(`^created topic ${topic} \\(id \\S+, 3 partitions, replication factor ${defaultReplicationFactor}\\)\\n$`), 'the broker\'s default replication factor')

  const again = await runCli(['topics', 'create', topic, ...B])
  t.equal(again.code, 1, 'creating it again is a Kafka error')
  t.match(again.err, new RegExp(`^kshare topics create: TOPIC_ALREADY_EXISTS \\(36\\) from CreateTopics, topic ${topic}: .*\\n$`))
  const tolerated = await runCli(['topics', 'create', topic, '--if-not-exists', ...B])
  t.equal(tolerated.code, 0, tolerated.err)
  t.match(tolerated.out, new RegExp(`^exists already: topic ${topic} \\(id \\S+, 3 partitions`))

  const meta = await runCli(['metadata', '--topic', topic, ...B])
  t.equal(meta.code, 0, meta.err)
  t.match(meta.out, /^cluster \S+, controller \d+\n\nbrokers:\n\s+\d+\s+\S+:\d+/)
  t.match(meta.out, new RegExp(`topics \\(1\\):\\n  ${topic}  id \\S+  3 partitions\\n`))
  for (const p of [0, 1, 2]) t.match(meta.out, new RegExp(`^\\s+${p}\\s+\\d+\\s+\\d+\\s+\\d+(,\\d+)*\\s+\\d+(,\\d+)*\\s+-$`, 'm'), `partition ${p}: leader, epoch, replicas, isr`)
  const metaJson = JSON.parse((await runCli(['metadata', '--topic', topic, '--json', ...B])).out) as {
    controllerId: number, brokers: Array<{ nodeId: number }>, topics: Array<{ name: string, topicId: string, partitions: Array<{ partitionIndex: number, leaderId: number, leaderEpoch: number, replicaNodes: number[], isrNodes: number[] }> }>
  }
  const brokerIds = metaJson.brokers.map(b => b.nodeId)
  t.equal(metaJson.topics.length, 1)
  t.same(metaJson.topics[0]!.partitions.map(p => p.partitionIndex).sort(), [0, 1, 2])
  for (const p of metaJson.topics[0]!.partitions) {
    t.ok(brokerIds.includes(p.leaderId), 'the leader is a broker')
    t.ok(p.leaderEpoch >= 0)
    t.equal(p.replicaNodes.length, defaultReplicationFactor, 'replicas')
    t.equal(p.replicaNodes[0], p.leaderId, 'the preferred replica leads')
    t.ok(p.replicaNodes.every(id => brokerIds.includes(id)), 'every replica is a broker')
    t.same([...p.isrNodes].sort(), [...p.replicaNodes].sort(), 'every replica in sync')
  }

  const list = await runCli(['topics', 'list', ...B])
  t.equal(list.code, 0, list.err)
  t.match(list.out, new RegExp(`^${topic}\\s+${metaJson.topics[0]!.topicId}\\s+3 partitions$`, 'm'))
  t.notMatch(list.out, /__consumer_offsets/, 'internal topics hidden')
  // __consumer_offsets exists once some client looked up a group coordinator (FindCoordinator
  // creates it): on a fresh broker this test may be the first.
  const cluster = new Cluster({ bootstrapServers: bootstrap })
  await cluster.coordinator(uniqueName('cli-internal')).finally(() => cluster.close())
  let internal = await runCli(['topics', 'list', '--internal', ...B])
  for (let i = 0; i < 50 && !/^__consumer_offsets\s/m.test(internal.out); i++) {
    await new Promise(resolve => setTimeout(resolve, 200))
    internal = await runCli(['topics', 'list', '--internal', ...B])
  }
  t.match(internal.out, /^__consumer_offsets\s/m, 'internal topics listed with --internal')

  const deleted = await runCli(['topics', 'delete', topic, ...B])
  t.equal(deleted.code, 0, deleted.err)
  t.equal(deleted.out, `deleted topic ${topic} (id ${metaJson.topics[0]!.topicId})\n`)
  // The broker's metadata cache learns of the deletion a moment after the controller.
  let gone = await runCli(['metadata', '--topic', topic, ...B])
  for (let i = 0; i < 50 && gone.code === 0; i++) {
    await new Promise(resolve => setTimeout(resolve, 200))
    gone = await runCli(['metadata', '--topic', topic, ...B])
  }
  t.equal(gone.code, 1)
  t.match(gone.err, new RegExp(`^kshare metadata: UNKNOWN_TOPIC_OR_PARTITION \\(3\\) from Metadata, topic ${topic}: `))
  const twice = await runCli(['topics', 'delete', topic, ...B])
  t.equal(twice.code, 1)
  t.match(twice.err, /^kshare topics delete: UNKNOWN_TOPIC_OR_PARTITION \(3\) from DeleteTopics/)
  t.notMatch(twice.err, /\n\s+at /, 'no stack trace')
})

t.test('the installed bin: node dist/cli/main.js api-versions --bootstrap ...', async t => {
  const bin = fileURLToPath(new URL('../../../cli/main.js', import.meta.url))
  const exec = async (args: string[]): Promise<{ code: number | null, out: string, err: string }> => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', d => { out += String(d) })
    child.stderr.on('data', d => { err += String(d) })
    const code = await new Promise<number | null>(resolve => child.on('close', resolve))
    return { code, out, err }
  }
  const ok = await exec(['api-versions', '--bootstrap', bootstrap])
  t.equal(ok.code, 0, ok.err)
  t.match(ok.out, /^\*\s+79\s+ShareAcknowledge\s/m)
  t.match(ok.out, /share groups: on/)
  const usage = await exec(['metadata', '--bootstrap', bootstrap, '--nope'])
  t.equal(usage.code, 2)
  t.match(usage.err, /^kshare metadata: Unknown option '--nope'/)
  const failure = await exec(['metadata', '--bootstrap', bootstrap, '--topic', uniqueName('cli-missing')])
  t.equal(failure.code, 1)
  t.match(failure.err, /^kshare metadata: UNKNOWN_TOPIC_OR_PARTITION /)
})
