import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import type { BrokerHandle } from './broker-types.js'
import { BrokerHarnessError } from './errors.js'
import { isLocalBrokerAlive } from './local-broker.js'
import { stateDir } from './paths.js'
import { isAlive, sleep } from './processes.js'
import { parseBootstrap, tcpProbe } from './probe.js'

/** Who asked the harness to start the shared broker; decides who may stop it. */
export type StartedBy = 'cli' | 'tap' | 'demo'

/** A process currently using the shared broker (a tap run, the demo). */
export interface BrokerUser {
  /** Its pid; a dead pid is a stale lease and is dropped. */
  pid: number
  /** What it is, for `npm run broker` status output. */
  what: string
  /** ISO time it started using the broker. */
  since: string
}

/**
 * Contents of `.kshare/broker.json`: the shared broker of this checkout. A broker started by
 * `npm run broker` (`startedBy: 'cli'`) stays until `npm run broker:stop`; one started by a
 * tap run or the demo is stopped by the last user that leaves.
 */
export interface BrokerState {
  /** The broker (pids, ports, work dir, bootstrap). */
  handle: BrokerHandle
  /** True: the harness started it and may stop it. */
  startedByHarness: boolean
  /** See {@link StartedBy}. */
  startedBy: StartedBy
  /** Live leases (see {@link BrokerUser}). */
  users: BrokerUser[]
}

/** Path of the state file. */
export function stateFile (env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), 'broker.json')
}

/** Reads the state file; undefined when there is none (or it is unreadable: treated as absent). */
export function readState (env: NodeJS.ProcessEnv = process.env): BrokerState | undefined {
  const file = stateFile(env)
  if (!existsSync(file)) return undefined
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as BrokerState
  } catch {
    return undefined
  }
}

/** Writes the state file atomically (temp file + rename): readers never see half a file. */
export function writeState (state: BrokerState, env: NodeJS.ProcessEnv = process.env): void {
  const file = stateFile(env)
  mkdirSync(stateDir(env), { recursive: true })
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n')
  renameSync(tmp, file)
}

/** Removes the state file. */
export function removeState (env: NodeJS.ProcessEnv = process.env): void {
  rmSync(stateFile(env), { force: true })
}

/**
 * Synchronous liveness for a local broker (some node JVM alive); for docker, undefined: that
 * needs a network probe ({@link isStateLive}).
 */
export function isStateLiveSync (state: BrokerState): boolean | undefined {
  if (state.handle.mode === 'local') return isLocalBrokerAlive(state.handle)
  return undefined
}

/** True when the recorded broker still runs (local: a node JVM is alive; docker: its port answers). */
export async function isStateLive (state: BrokerState): Promise<boolean> {
  const sync = isStateLiveSync(state)
  if (sync !== undefined) return sync
  const first = parseBootstrap(state.handle.bootstrap)[0]
  return first !== undefined && await tcpProbe(first, 2000)
}

/** Drops leases whose process is gone (a tap run killed with Ctrl-C never runs its `after`). */
export function liveUsers (state: BrokerState): BrokerUser[] {
  return state.users.filter((u) => isAlive(u.pid))
}

/**
 * Runs `fn` holding `.kshare/broker.lock`, so two processes (two `npm test` runs in the same
 * checkout, a test run and `npm run broker`) never both start the shared broker. A lock whose
 * holder died is taken over. Waits up to `timeoutMs` (a cold start resolves jars with Maven).
 */
export async function withStateLock<T> (fn: () => Promise<T>, timeoutMs = 15 * 60_000,
  env: NodeJS.ProcessEnv = process.env): Promise<T> {
  mkdirSync(stateDir(env), { recursive: true })
  const lock = join(stateDir(env), 'broker.lock')
  const deadline = Date.now() + timeoutMs
  // Say why we wait, but only once the wait is noticeable.
  let told = false
  for (;;) {
    try {
      const fd = openSync(lock, 'wx')
      writeSync(fd, String(process.pid))
      closeSync(fd)
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    let holder = NaN
    try { holder = Number(readFileSync(lock, 'utf8')) } catch { /* vanished: retry */ }
    if (Number.isInteger(holder) && holder > 0 && !isAlive(holder)) {
      rmSync(lock, { force: true })
      continue
    }
    if (Date.now() >= deadline) {
      throw new BrokerHarnessError('LOCKED', `${lock} is held by pid ${holder} for too long; if that process is stuck, kill it or remove the file`)
    }
    if (!told && Date.now() - (deadline - timeoutMs) > 1000) {
      process.stderr.write(`kshare harness: waiting for pid ${holder} (holds ${lock})\n`)
      told = true
    }
    await sleep(200)
  }
  try {
    return await fn()
  } finally {
    rmSync(lock, { force: true })
  }
}
