import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { testBootstrap, testBroker } from '../../harness/index.js'
import { runCli } from '../../helpers/run-cli.js'
import { uniqueName } from '../../helpers/share-setup.js'

// The CLI defects of issue 11 against the real 3-node cluster: each one provoked, and what
// kshare says now asserted.

const B = ['--bootstrap', testBootstrap()]
const CLI = fileURLToPath(new URL('../../../cli/main.js', import.meta.url))

t.test('groups offsets on an unknown group fails with GROUP_ID_NOT_FOUND, as groups describe does', async t => {
  const group = uniqueName('no-such-group')
  const offsets = await runCli(['groups', 'offsets', group, ...B])
  t.equal(offsets.code, 1)
  t.equal(offsets.out, '', 'no header for a group that is not there')
  t.match(offsets.err, /^kshare groups offsets: GROUP_ID_NOT_FOUND \(69\)/)
  t.equal((await runCli(['groups', 'describe', group, ...B])).code, 1)
})

t.test('groups config on a group no member joined yet: the configs, and a note that it has no members', async t => {
  const group = uniqueName('config-first')
  const r = await runCli(['groups', 'config', group, '--set', 'share.auto.offset.reset=earliest', ...B])
  t.equal(r.code, 0, r.err)
  t.match(r.out, /\*\s+share\.auto\.offset\.reset\s+earliest\s+GROUP_CONFIG/)
  t.equal(r.err, `kshare groups config: group ${group} has no members yet (no member has joined it)\n`)
})

t.test('produce: an unknown topic fails at once; offsets printed are the records\' (first..last), with the count', async t => {
  const started = Date.now()
  const unknown = await runCli(['produce', '--topic', uniqueName('nope'), ...B], { stdin: 'x\n' })
  t.equal(unknown.code, 1)
  t.match(unknown.err, /UNKNOWN_TOPIC_OR_PARTITION \(3\) from Metadata/)
  t.ok(Date.now() - started < 5000, `failed in ${Date.now() - started} ms, not after the 30 s timeout`)

  const topic = uniqueName('produce-range')
  t.equal((await runCli(['topics', 'create', topic, '--partitions', '1', ...B])).code, 0)
  t.teardown(async () => { await runCli(['topics', 'delete', topic, ...B]) })
  const first = await runCli(['produce', '--topic', topic, '--count', '1200', '--size', '10', ...B])
  t.equal(first.code, 0, first.err)
  // 1200 records go out as several sends of 500 (several batches): the last offset is the last record's.
  t.match(first.out, new RegExp(`^${topic}-0\\s+offsets 0\\.\\.1199\\s+1200 records\\n`))
  const second = await runCli(['produce', '--topic', topic, ...B], { stdin: 'a\n' })
  t.match(second.out, new RegExp(`^${topic}-0\\s+offset 1200\\s+1 record\\n`))
})

t.test('groups reset --to past the log end is refused; at the log end it is accepted', async t => {
  const topic = uniqueName('reset-past')
  const group = uniqueName('reset-past-g')
  t.equal((await runCli(['topics', 'create', topic, '--partitions', '2', ...B])).code, 0)
  t.teardown(async () => { await runCli(['topics', 'delete', topic, ...B]) })
  t.equal((await runCli(['produce', '--topic', topic, '--partition', '0', ...B], { stdin: 'a\nb\nc\n' })).code, 0)
  const past = await runCli(['groups', 'reset', group, '--topic', topic, '--to', '3', ...B])
  t.equal(past.code, 2)
  t.equal(past.err, `kshare groups reset: --to 3 is past the log end of ${topic}-1 (0); use --to latest to skip everything written so far\n`)
  const atEnd = await runCli(['groups', 'reset', group, '--topic', topic, '--to', '0', ...B])
  t.equal(atEnd.code, 0, atEnd.err)
})

t.test('a new group without --from reads nothing and says why (share.auto.offset.reset=latest)', async t => {
  const topic = uniqueName('latest-hint')
  const group = uniqueName('latest-hint-g')
  t.equal((await runCli(['topics', 'create', topic, '--partitions', '1', ...B])).code, 0)
  t.teardown(async () => { await runCli(['topics', 'delete', topic, ...B]) })
  t.equal((await runCli(['produce', '--topic', topic, ...B], { stdin: 'already here\n' })).code, 0)
  const r = await runCli(['share-consume', '--group', group, '--topic', topic, '--idle', '3000', ...B])
  t.equal(r.code, 0, r.err)
  t.equal(r.out, '')
  t.match(r.err, new RegExp(`no records: group ${group} has share\\.auto\\.offset\\.reset=latest, .*--from earliest reads what is already there`))
  const withFrom = await runCli(['share-consume', '--group', uniqueName('latest-hint-g2'), '--topic', topic, '--from', 'earliest', '--max', '1', ...B])
  t.match(withFrom.out, /value="already here"/)
  t.notMatch(withFrom.err, /no records/)
})

t.test('pointing at a KRaft controller listener says so, not "upgrade the broker"', async t => {
  const controller = testBroker().nodes[0]?.controllerPort
  t.ok(controller !== undefined, 'the harness records controller ports')
  const r = await runCli(['metadata', '--bootstrap', `127.0.0.1:${controller}`])
  t.equal(r.code, 1)
  t.match(r.err, /this is a KRaft controller listener, not a broker: point the client at a broker listener/)
  t.notMatch(r.err, /upgrade the broker/)
})

t.test('share-consume | head -2: stops at the closed pipe, releases what it did not print; every record accounted for', async t => {
  const topic = uniqueName('epipe')
  const group = uniqueName('epipe-g')
  const total = 2000
  t.equal((await runCli(['topics', 'create', topic, '--partitions', '1', ...B])).code, 0)
  t.teardown(async () => { await runCli(['topics', 'delete', topic, ...B]) })
  t.equal((await runCli(['produce', '--topic', topic, '--count', String(total), '--size', '20', ...B])).code, 0)

  // As `| head -2`: read two lines, then close the reading end.
  const child = spawn(process.execPath, [CLI, 'share-consume', '--group', group, '--topic', topic, '--from', 'earliest', '--idle', '5000', ...B],
    { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', d => { stderr += String(d) })
  const seen: string[] = []
  const lines = createInterface({ input: child.stdout })
  for await (const line of lines) {
    seen.push(line)
    if (seen.length === 2) break
  }
  child.stdout.destroy()
  const code = await new Promise<number | null>(resolve => child.once('exit', resolve))
  t.equal(code, 0, stderr)
  t.equal(seen.length, 2)
  const printed = Number(/(\d+) records?, acknowledged: accept/.exec(stderr)?.[1])
  const released = Number(/output closed: (\d+) records? not shown, released to the group/.exec(stderr)?.[1])
  t.ok(printed >= 2, `printed (and accepted) ${printed}`)
  t.ok(released > 0, `released ${released}: ${stderr}`)

  // The rest of the log is there for the next member: nothing accepted unseen, nothing lost.
  const rest = await runCli(['share-consume', '--group', group, '--topic', topic, '--idle', '5000', '--json', ...B])
  t.equal(rest.code, 0, rest.err)
  const offsets = rest.out.split('\n').filter(l => l !== '').map(l => Number((JSON.parse(l) as { offset: string }).offset))
  t.equal(new Set(offsets).size, offsets.length, 'no duplicates')
  t.equal(printed + offsets.length, total, `${printed} printed by the first member + ${offsets.length} by the second = ${total}`)
  t.same(offsets.slice(0, 1), [printed], 'the second member starts where the first stopped printing')
})
