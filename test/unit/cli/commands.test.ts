import t from 'tap'
import { PassThrough } from 'node:stream'
import { AdminError } from '../../../client/admin.js'
import { ConnectionError, responseError } from '../../../client/errors.js'
import { ErrorCode } from '../../../protocol/index.js'
import { compareVersions } from '../../../cli/commands/api-versions.js'
import { formatRecord } from '../../../cli/commands/share-consume.js'
import { errorLine } from '../../../cli/error-line.js'
import { parseNetworkArgs } from '../../../cli/network.js'
import { table } from '../../../cli/table.js'
import { runCli } from '../../helpers/run-cli.js'

// Usage errors must be caught before anything connects: the default broker address refuses.
const NOWHERE = '127.0.0.1:1'

t.test('--help of every command and subcommand: exit 0, its usage on stdout', async t => {
  const cases: Array<[string[], RegExp]> = [
    [['--help'], /share-consume\s+consume as a share-group member/],
    [['api-versions', '--help'], /Usage: kshare api-versions[\s\S]*--trace=full/],
    [['metadata', '--help'], /Usage: kshare metadata \[--topic T \.\.\.\]/],
    [['topics', '--help'], /Usage: kshare topics <create\|delete\|list>/],
    [['topics', 'create', '--help'], /Usage: kshare topics create NAME[\s\S]*--replication-factor R/],
    [['topics', 'delete', '-h'], /Usage: kshare topics delete NAME\.\.\./],
    [['topics', 'list', '--help'], /Usage: kshare topics list/],
    [['produce', '--help'], /Usage: kshare produce --topic T[\s\S]*--compression CODEC/],
    [['share-consume', '--help'], /Usage: kshare share-consume --group G --topic T[\s\S]*--from earliest\|latest\s+first set the group's share\.auto\.offset\.reset/],
    [['groups', '--help'], /Usage: kshare groups <list\|describe\|offsets\|reset\|config\|delete>/],
    [['groups', 'list', '--help'], /Usage: kshare groups list \[--type TYPE\]/],
    [['groups', 'describe', '--help'], /Usage: kshare groups describe G/],
    [['groups', 'offsets', '--help'], /Usage: kshare groups offsets G/],
    [['groups', 'reset', '--help'], /Usage: kshare groups reset G --to earliest\|latest\|OFFSET[\s\S]*NON_EMPTY_GROUP/],
    [['groups', 'config', '--help'], /Usage: kshare groups config G \[--set KEY=VALUE \.\.\.\] \[--delete KEY \.\.\.\]/],
    [['groups', 'delete', '--help'], /Usage: kshare groups delete G/]
  ]
  for (const [args, usage] of cases) {
    const r = await runCli(args)
    t.equal(r.code, 0, `${args.join(' ')} exits 0`)
    t.match(r.out, usage, `${args.join(' ')} prints its usage`)
    t.equal(r.err, '', `${args.join(' ')} prints nothing on stderr`)
  }
})

t.test('argument errors: exit 2, one line on stderr naming the command and the problem', async t => {
  const saved = process.env.KAFKA_BOOTSTRAP
  process.env.KAFKA_BOOTSTRAP = NOWHERE
  t.teardown(() => { if (saved === undefined) delete process.env.KAFKA_BOOTSTRAP; else process.env.KAFKA_BOOTSTRAP = saved })
  const cases: Array<[string[], RegExp]> = [
    [['api-versions', 'extra'], /^kshare api-versions: unexpected argument "extra"$/],
    [['api-versions', '--timeout', 'soon'], /^kshare api-versions: --timeout must be an integer ≥ 1, got "soon"$/],
    [['api-versions', '--timeout', '0'], /--timeout must be an integer ≥ 1/],
    [['api-versions', '--trace=loud'], /^kshare api-versions: --trace=loud: use --trace or --trace=full$/],
    [['api-versions', '--bogus'], /^kshare api-versions: Unknown option '--bogus'/],
    [['metadata', '--bootstrap', 'no-port'], /^kshare metadata: --bootstrap: "no-port" is not a broker address/],
    [['metadata', 'orders'], /^kshare metadata: unexpected argument "orders"$/],
    [['topics'], /^kshare topics: missing subcommand: use create, delete, list/],
    [['topics', 'rename'], /^kshare topics: unknown subcommand "rename"/],
    [['topics', 'create'], /^kshare topics create: give the topic name$/],
    [['topics', 'create', 'a', 'b'], /^kshare topics create: one topic name at a time; unexpected "b"$/],
    [['topics', 'create', 'a', '--partitions', '0'], /^kshare topics create: --partitions must be an integer ≥ 1, got "0"$/],
    [['topics', 'create', 'a', '--replication-factor', 'x'], /--replication-factor must be an integer ≥ 1/],
    [['topics', 'create', 'a', '--config', 'retention.ms'], /^kshare topics create: --config takes KEY=VALUE, got "retention\.ms"$/],
    [['topics', 'delete'], /^kshare topics delete: give the names of the topics to delete$/],
    [['topics', 'list', 'x'], /^kshare topics list: unexpected argument "x"$/],
    [['produce'], /^kshare produce: --topic T is required$/],
    [['produce', '--topic', 't', '--compression', 'brotli'], /^kshare produce: --compression must be one of none, gzip, snappy, lz4, zstd, got "brotli"$/],
    [['produce', '--topic', 't', '--size', '10'], /^kshare produce: --size goes with --count$/],
    [['produce', '--topic', 't', '--count', '0'], /--count must be an integer ≥ 1/],
    [['produce', '--topic', 't', '--header', 'novalue'], /--header takes KEY=VALUE/],
    [['produce', '--topic', 't', '--key-separator', ''], /--key-separator must not be empty/],
    [['produce', '--topic', 't', '--partition=-1'], /--partition must be an integer ≥ 0/],
    [['produce', '--topic', 't', '--partition', '-1'], /^kshare produce: Option '--partition' argument is ambiguous\. Did you forget/],
    [['share-consume', '--topic', 't'], /^kshare share-consume: --group G is required$/],
    [['share-consume', '--group', 'g'], /^kshare share-consume: --topic T is required$/],
    [['share-consume', '--group', 'g', '--topic', 't', '--ack', 'maybe'], /--ack must be one of accept, release, reject, none, got "maybe"/],
    [['share-consume', '--group', 'g', '--topic', 't', '--from', 'middle'], /--from must be one of earliest, latest, got "middle"/],
    [['share-consume', '--group', 'g', '--topic', 't', '--max', '0'], /--max must be an integer ≥ 1/],
    [['share-consume', '--group', 'g', '--topic', 't', '--idle', 'x'], /--idle must be an integer ≥ 1/],
    [['groups'], /^kshare groups: missing subcommand: use list, describe, offsets, reset, config, delete/],
    [['groups', 'describe'], /^kshare groups describe: give the group id$/],
    [['groups', 'offsets', 'a', 'b'], /^kshare groups offsets: one group id at a time; unexpected "b"$/],
    [['groups', 'reset', 'g'], /^kshare groups reset: --to earliest\|latest\|OFFSET is required$/],
    [['groups', 'reset', 'g', '--to', 'soon'], /^kshare groups reset: --to must be earliest, latest or an offset, got "soon"$/],
    [['groups', 'config', 'g', '--set', 'share.isolation.level'], /^kshare groups config: --set takes KEY=VALUE/],
    [['groups', 'config', 'g', '--set', 'a=1', '--delete', 'a'], /^kshare groups config: a is both set and deleted$/],
    [['groups', 'list', 'x'], /^kshare groups list: unexpected argument "x"$/],
    [['groups', 'delete'], /^kshare groups delete: give the group id$/]
  ]
  for (const [args, message] of cases) {
    const r = await runCli(args)
    t.equal(r.code, 2, `${args.join(' ')} exits 2 (${r.err.trim()})`)
    t.match(r.err, /^[^\n]*\n$/, `${args.join(' ')}: one line`)
    t.match(r.err.trimEnd(), message, `${args.join(' ')}: says why`)
    t.equal(r.out, '', `${args.join(' ')}: nothing on stdout`)
  }
})

t.test('a client option the client refuses is a usage error too (exit 2)', async t => {
  const r = await runCli(['produce', '--topic', 't', '--count', '1', '--compression', 'lz4', '--bootstrap', NOWHERE])
  t.equal(r.code, 2)
  t.match(r.err, /^kshare produce: compression lz4 cannot be encoded by kshare yet/)
})

t.test('no broker: exit 1 with the error class and where, no stack trace', async t => {
  const r = await runCli(['api-versions', '--bootstrap', '127.0.0.1:1', '--timeout', '2000'])
  t.equal(r.code, 1)
  t.match(r.err, /^kshare api-versions: ConnectionError: .*127\.0\.0\.1:1.*\n$/)
  t.notMatch(r.err, /\n\s+at /)
  const consume = await runCli(['share-consume', '--group', 'g', '--topic', 't', '--bootstrap', '127.0.0.1:1'])
  t.equal(consume.code, 1, 'share-consume fails at once instead of retrying quietly')
  t.match(consume.err, /^kshare share-consume: ConnectionError: /)
})

t.test('shared options: defaults, KAFKA_BOOTSTRAP, --trace and --trace=full', async t => {
  const saved = process.env.KAFKA_BOOTSTRAP
  t.teardown(() => { if (saved === undefined) delete process.env.KAFKA_BOOTSTRAP; else process.env.KAFKA_BOOTSTRAP = saved })
  delete process.env.KAFKA_BOOTSTRAP
  const out = new PassThrough()
  const usage = { help: 'HELP\n', io: { out, err: out } }
  t.same(parseNetworkArgs([], {}, usage)!.net, { bootstrap: 'localhost:9092', timeoutMs: 30_000, json: false, trace: 'off' })
  process.env.KAFKA_BOOTSTRAP = 'k1:9092,k2:9092'
  t.equal(parseNetworkArgs([], {}, usage)!.net.bootstrap, 'k1:9092,k2:9092')
  t.same(parseNetworkArgs(['--bootstrap', 'b:1', '--timeout', '5', '--json', '--trace'], {}, usage)!.net, { bootstrap: 'b:1', timeoutMs: 5, json: true, trace: 'summary' })
  t.equal(parseNetworkArgs(['--trace=full'], {}, usage)!.net.trace, 'full')
  const own = parseNetworkArgs(['x', '--topic', 'a', '--topic', 'b'], { topic: { type: 'string', multiple: true } }, { ...usage, positionals: true })!
  t.same(own.values.topic, ['a', 'b'])
  t.same(own.positionals, ['x'])
  t.equal(parseNetworkArgs(['--help'], {}, usage), undefined, '--help: printed, nothing to run')
  t.equal(String(out.read()), 'HELP\n')
})

t.test('error lines put the Kafka error name first', async t => {
  const nonEmpty = responseError(ErrorCode.NON_EMPTY_GROUP, { api: 'AlterShareGroupOffsets', what: 'group g' })!
  t.match(errorLine(nonEmpty), /^NON_EMPTY_GROUP \(68\) from AlterShareGroupOffsets, group g: /)
  const unknown = responseError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, { api: 'DeleteTopics', what: 'topic x' })!
  const one = new AdminError('deleteTopics', [{ name: 'x', error: unknown }], r => `topic ${r.name}`)
  t.match(errorLine(one), /^UNKNOWN_TOPIC_OR_PARTITION \(3\) from DeleteTopics, topic x/, 'one failed item: its own error')
  const two = new AdminError('deleteTopics', [{ name: 'x', error: unknown }, { name: 'y', error: unknown }], r => `topic ${r.name}`)
  t.match(errorLine(two), /^UNKNOWN_TOPIC_OR_PARTITION: deleteTopics failed for topic x, topic y: /, 'several: the name, then all items')
  t.match(errorLine(new ConnectionError('connection refused by h:1', 'refused', 'h', 1)), /^ConnectionError: connection refused by h:1$/)
})

t.test('records: text or hex, JSON with hex objects for binary', async t => {
  const record = {
    topic: 't', partition: 2, offset: 7n, deliveryCount: 3, timestamp: 1, lockDeadline: 0,
    key: Buffer.from('k'), value: Buffer.from([0xff, 0x00]), headers: [{ key: 'h', value: Buffer.from('v') }, { key: 'n', value: null }]
  }
  t.equal(formatRecord(record, false), 't-2 offset=7 deliveryCount=3 key="k" value=0xff00 headers=[h="v",n=null]\n')
  t.same(JSON.parse(formatRecord(record, true)), {
    topic: 't', partition: 2, offset: '7', deliveryCount: 3, timestamp: 1, key: 'k', value: { hex: 'ff00' }, headers: [{ key: 'h', value: 'v' }, { key: 'n', value: null }]
  })
})

t.test('api-versions comparison: both sides, the version used, share-group APIs marked', async t => {
  const rows = compareVersions({
    errorCode: 0,
    throttleTimeMs: 0,
    apiKeys: [{ apiKey: 78, minVersion: 1, maxVersion: 9 }, { apiKey: 8, minVersion: 2, maxVersion: 10 }],
    supportedFeatures: [],
    finalizedFeaturesEpoch: 1n,
    finalizedFeatures: [],
    zkMigrationReady: false
  }, api => api.name === 'ShareFetch' ? 2 : null)
  t.match(rows.find(r => r.apiKey === 78), { name: 'ShareFetch', broker: [1, 9], kshare: [1, 2], used: 2, shareGroup: true })
  t.match(rows.find(r => r.apiKey === 8), { name: 'OffsetCommit', broker: [2, 10], kshare: null, used: null, shareGroup: false })
  t.match(rows.find(r => r.apiKey === 79), { name: 'ShareAcknowledge', broker: null, used: null, shareGroup: true }, 'ours, not advertised')
})

t.test('table aligns columns', async t => {
  t.equal(table([['a', 'bbb', 'c'], ['dddd', 'e', '']], '> '), '> a     bbb  c\n> dddd  e\n')
})
