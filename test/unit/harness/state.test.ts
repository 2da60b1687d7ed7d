import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { BrokerHarnessError } from '../../harness/errors.js'
import { sharedBrokerCount, testBootstrap } from '../../harness/shared.js'
import { liveUsers, readState, withStateLock, writeState, type BrokerState } from '../../harness/state.js'

// State file and lock in a private directory (never the checkout's .kshare/).
const dir = mkdtempSync(join(tmpdir(), 'kshare-state-test-'))
const env = { ...process.env, KSHARE_STATE_DIR: dir }
process.env.KSHARE_STATE_DIR = dir
delete process.env.KAFKA_BOOTSTRAP
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

/** A pid that existed and is gone. */
function deadPid (): number {
  const res = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
  return Number(res.stdout.toString())
}

function state (pid: number): BrokerState {
  return {
    handle: { mode: 'local', version: '4.4.0', bootstrap: '127.0.0.1:1', startedAt: '', nodes: [{ nodeId: 1, host: '127.0.0.1', port: 1, pid, dir: '/nowhere' }] },
    startedByHarness: true,
    startedBy: 'tap',
    users: [{ pid: process.pid, what: 'me', since: '' }, { pid: deadPid(), what: 'gone', since: '' }]
  }
}

t.test('testBootstrap throws NO_BROKER (never skips) without a state file', async (t) => {
  const err = t.throws(() => testBootstrap()) as unknown
  t.ok(err instanceof BrokerHarnessError)
  t.equal((err as BrokerHarnessError).code, 'NO_BROKER')
  t.match((err as Error).message, /npm test|npm run broker|KAFKA_BOOTSTRAP/)
})

t.test('testBootstrap detects a stale state file (broker pid dead)', async (t) => {
  writeState(state(deadPid()), env)
  t.throws(() => testBootstrap(), { code: 'NO_BROKER', message: /is not running/ })
})

t.test('KAFKA_BOOTSTRAP wins over the state file', async (t) => {
  process.env.KAFKA_BOOTSTRAP = 'example:9092'
  t.teardown(() => { delete process.env.KAFKA_BOOTSTRAP })
  t.equal(testBootstrap(), 'example:9092')
})

t.test('state round-trips; dead users are dropped', async (t) => {
  writeState(state(process.pid), env)
  const back = readState(env)
  if (back === undefined) throw new Error('no state')
  t.equal(back.handle.bootstrap, '127.0.0.1:1')
  t.same(liveUsers(back).map((u) => u.what), ['me'])
})

t.test('the lock is exclusive and a lock left by a dead process is taken over', async (t) => {
  const lock = join(dir, 'broker.lock')
  writeFileSync(lock, String(deadPid()))
  const order: string[] = []
  const first = withStateLock(async () => {
    order.push('first in')
    await new Promise((resolve) => setTimeout(resolve, 200))
    order.push('first out')
  }, 5000, env)
  await new Promise((resolve) => setTimeout(resolve, 50))
  const second = withStateLock(async () => { order.push('second') }, 5000, env)
  await Promise.all([first, second])
  t.same(order, ['first in', 'first out', 'second'])
  t.notOk(existsSync(lock), 'released')
})

t.test('the shared broker is a 3-node cluster unless KSHARE_TEST_BROKERS says otherwise', async (t) => {
  t.equal(sharedBrokerCount({}), 3)
  t.equal(sharedBrokerCount({ KSHARE_TEST_BROKERS: '' }), 3)
  t.equal(sharedBrokerCount({ KSHARE_TEST_BROKERS: '1' }), 1)
  for (const bad of ['0', '10', '2.5', 'three']) {
    t.throws(() => sharedBrokerCount({ KSHARE_TEST_BROKERS: bad }), { code: 'BAD_OPTIONS', message: /KSHARE_TEST_BROKERS=.*1\.\.9/ }, bad)
  }
})
