import t from 'tap'
import { testBootstrap } from '../../harness/index.js'
import { runCli } from '../../helpers/run-cli.js'
import { uniqueName } from '../../helpers/share-setup.js'

// kshare groups against the real broker, with a share-consume running in-process as the
// member (stopped through its signal, as Ctrl-C would).

const B = ['--bootstrap', testBootstrap()]

async function eventually (what: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await what()) return true
    await new Promise(resolve => setTimeout(resolve, 250))
  }
  return false
}

t.test('groups list/describe/reset/delete while a member runs, then after it left', async t => {
  const topic = uniqueName('cli-groups')
  const group = uniqueName('cli-groups-g')
  t.equal((await runCli(['topics', 'create', topic, '--partitions', '2', ...B])).code, 0)
  t.teardown(async () => { await runCli(['topics', 'delete', topic, ...B]) })
  t.equal((await runCli(['produce', '--topic', topic, '--partition', '1', ...B], { stdin: 'a\nb\nc\n' })).code, 0)

  const ctrlC = new AbortController()
  const consuming = runCli(['share-consume', '--group', group, '--topic', topic, '--from', 'earliest', ...B], { signal: ctrlC.signal })
  t.teardown(() => ctrlC.abort())

  let described = ''
  t.ok(await eventually(async () => {
    const r = await runCli(['groups', 'describe', group, ...B])
    described = r.out
    return r.code === 0 && /assigned: .*\[0,1\]/.test(r.out)
  }, 30_000), 'describe shows the member with its assignment')
  t.match(described, new RegExp(`^group ${group}: Stable, group epoch \\d+, assignment epoch \\d+, assignor simple, 1 member\\n`))
  t.match(described, /^ {2}member \S{22} epoch \d+ client kshare-cli host \/?\S+\n/m)
  t.match(described, new RegExp(`^ {4}subscribed: ${topic}\\n {4}assigned: ${topic} \\[0,1\\]\\n`, 'm'))
  const describedJson = JSON.parse((await runCli(['groups', 'describe', group, '--json', ...B])).out) as { state: string, members: Array<{ clientId: string, subscribedTopics: string[] }> }
  t.match(describedJson, { state: 'Stable', members: [{ clientId: 'kshare-cli', subscribedTopics: [topic] }] })

  const listed = await runCli(['groups', 'list', '--type', 'share', ...B])
  t.equal(listed.code, 0, listed.err)
  t.match(listed.out, new RegExp(`^${group}\\s+share\\s+Stable$`, 'm'))
  t.notMatch((await runCli(['groups', 'list', '--type', 'consumer', ...B])).out, new RegExp(group), 'not a consumer group')

  const busyReset = await runCli(['groups', 'reset', group, '--to', 'earliest', '--topic', topic, ...B])
  t.equal(busyReset.code, 1, 'reset of a group with a member is a Kafka error')
  t.match(busyReset.err, new RegExp(`^kshare groups reset: NON_EMPTY_GROUP \\(68\\) from AlterShareGroupOffsets, group ${group}: .*\\n$`))
  const busyDelete = await runCli(['groups', 'delete', group, ...B])
  t.equal(busyDelete.code, 1)
  t.match(busyDelete.err, new RegExp(`^kshare groups delete: NON_EMPTY_GROUP \\(68\\) from DeleteGroups, group ${group}`))

  ctrlC.abort()
  const consumed = await consuming
  t.equal(consumed.code, 0, consumed.err)
  t.same(consumed.out.split('\n').filter(l => l !== '').map(l => /offset=(\d) deliveryCount=1 key=null value="(\w)"/.exec(l)?.slice(1)), [['0', 'a'], ['1', 'b'], ['2', 'c']],
    'the consumer printed the three records until stopped')
  t.match(consumed.err, /3 records, acknowledged: accept/)

  t.ok(await eventually(async () => /^group \S+: Empty, .* 0 members\n$/.test((await runCli(['groups', 'describe', group, ...B])).out), 10_000), 'the member left on close')
  const offsets = await runCli(['groups', 'offsets', group, '--json', ...B])
  const byPartition = offsets.out.split('\n').filter(l => l !== '').map(l => JSON.parse(l) as { partition: number, lag: string | null })
  t.match(byPartition.find(o => o.partition === 1), { topic, partition: 1, lag: '0', error: null }, 'all three accepted: lag 0')

  const deleted = await runCli(['groups', 'delete', group, ...B])
  t.equal(deleted.code, 0, deleted.err)
  t.equal(deleted.out, `deleted group ${group}\n`)
  const missing = await runCli(['groups', 'describe', group, ...B])
  t.equal(missing.code, 1)
  t.match(missing.err, new RegExp(`^kshare groups describe: GROUP_ID_NOT_FOUND \\(69\\) from ShareGroupDescribe, group ${group}`))
})

t.test('groups config: set and delete are visible; a bad key is INVALID_CONFIG', async t => {
  const group = uniqueName('cli-config-g')
  const set = await runCli(['groups', 'config', group, '--set', 'share.record.lock.duration.ms=15000', '--set', 'share.auto.offset.reset=earliest', ...B])
  t.equal(set.code, 0, set.err)
  t.match(set.out, /^\*\s+share\.record\.lock\.duration\.ms\s+15000\s+GROUP_CONFIG$/m)
  t.match(set.out, /^\*\s+share\.auto\.offset\.reset\s+earliest\s+GROUP_CONFIG$/m)
  t.match(set.out, /^\s+share\.isolation\.level\s+\S+\s+\S+$/m, 'configs not set on the group too, unmarked')

  const removed = await runCli(['groups', 'config', group, '--delete', 'share.record.lock.duration.ms', '--json', ...B])
  t.equal(removed.code, 0, removed.err)
  const configs = removed.out.split('\n').filter(l => l !== '').map(l => JSON.parse(l) as { name: string, value: string | null, source: string })
  const lock = configs.find(c => c.name === 'share.record.lock.duration.ms')
  t.not(lock?.source, 'GROUP_CONFIG', 'back to the broker default')
  t.not(lock?.value, '15000')
  t.match(configs.find(c => c.name === 'share.auto.offset.reset'), { value: 'earliest', source: 'GROUP_CONFIG' }, 'the other one stays')

  const shown = await runCli(['groups', 'config', group, ...B])
  t.match(shown.out, /^\*\s+share\.auto\.offset\.reset\s+earliest\s+GROUP_CONFIG$/m, 'without changes it only prints')

  const bad = await runCli(['groups', 'config', group, '--set', 'share.no.such.config=1', ...B])
  t.equal(bad.code, 1)
  t.match(bad.err, /^kshare groups config: INVALID_CONFIG \(40\) from IncrementalAlterConfigs, group \S+: .*share\.no\.such\.config\n$/)
})
