import { rmSync } from 'node:fs'
import { relative } from 'node:path'
import type { BrokerHandle } from './broker-types.js'
import { startBroker, stopBroker } from './broker.js'
import { dockerAvailable } from './docker.js'
import { BrokerHarnessError } from './errors.js'
import { DEFAULT_BROKER_PORT } from './local-broker.js'
import { repoRoot } from './paths.js'
import { parseBootstrap, tcpProbe } from './probe.js'
import { finalizedFeatures, waitUntilReady } from './readiness.js'
import {
  isStateLive, isStateLiveSync, liveUsers, readState, removeState, stateFile, withStateLock, writeState,
  type BrokerState, type StartedBy
} from './state.js'
import { requestedKafkaVersion, validateKafkaVersion } from './version.js'

/** Options of {@link ensureSharedBroker}. */
export interface SharedBrokerOptions {
  /** Who is asking; a `cli` start survives until `npm run broker:stop`. */
  who: StartedBy
  /** Process to register as a user (lease), e.g. the tap runner. None for the CLI. */
  userPid?: number
  /** Label for the lease. */
  userLabel?: string
  /** Nodes for a new broker (default {@link sharedBrokerCount}). A running broker of another size is an error. */
  brokers?: number
  /** Add the SASL/SSL listeners to a new broker (default: `KSHARE_BROKER_SECURE=1`). */
  secure?: boolean
  /** Progress output (default stderr). */
  log?: (line: string) => void
}

/** Result of {@link ensureSharedBroker}. */
export interface SharedBroker {
  /** The broker to use. */
  handle: BrokerHandle
  /** True when this call started it. */
  startedNow: boolean
  /** The state record (undefined for KAFKA_BOOTSTRAP). */
  state?: BrokerState
}

/** Port of the shared broker: `KSHARE_BROKER_PORT`, else 39092. */
export function sharedBrokerPort (env: NodeJS.ProcessEnv = process.env): number {
  const text = env.KSHARE_BROKER_PORT
  if (text === undefined || text === '') return DEFAULT_BROKER_PORT
  const port = Number(text)
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new BrokerHarnessError('BAD_OPTIONS', `KSHARE_BROKER_PORT=${text} is not a port number`)
  return port
}

/**
 * Nodes of the shared test broker: `KSHARE_TEST_BROKERS`, else 3. Three by default because
 * that is where partition leaders spread over nodes and the group and share coordinators sit
 * on other nodes than the bootstrap, which one node can never show; 1 is the quick way back.
 */
export function sharedBrokerCount (env: NodeJS.ProcessEnv = process.env): number {
  const text = env.KSHARE_TEST_BROKERS
  if (text === undefined || text === '') return 3
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1 || n > 9) throw new BrokerHarnessError('BAD_OPTIONS', `KSHARE_TEST_BROKERS=${text}: expected a node count 1..9`)
  return n
}

/** The state file path relative to the repo, for messages. */
function stateFileForHumans (): string {
  const rel = relative(repoRoot(), stateFile())
  return rel.startsWith('..') ? stateFile() : rel
}

/** A handle for a broker given by KAFKA_BOOTSTRAP (never started or stopped by the harness). */
function externalHandle (bootstrap: string): BrokerHandle {
  const nodes = parseBootstrap(bootstrap).map((hp, i) => ({ nodeId: i + 1, host: hp.host, port: hp.port }))
  if (nodes.length === 0) throw new BrokerHarnessError('BAD_OPTIONS', `KAFKA_BOOTSTRAP=${bootstrap} lists no host:port`)
  return { mode: 'external', version: 'unknown', bootstrap, nodes, startedAt: new Date().toISOString() }
}

/**
 * Gets the shared test broker of this checkout, in the order: `KAFKA_BOOTSTRAP` (checked,
 * never started); a live broker recorded in the state file (reused; stale records are
 * cleaned); else a new one — `docker compose` when a Docker engine answers, otherwise local
 * JVMs (`KSHARE_BROKER=local|docker` forces one). Registers `userPid` as a user.
 */
export async function ensureSharedBroker (opts: SharedBrokerOptions): Promise<SharedBroker> {
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'))
  const bootstrap = process.env.KAFKA_BOOTSTRAP?.trim()
  if (bootstrap !== undefined && bootstrap !== '') {
    const handle = externalHandle(bootstrap)
    const first = handle.nodes[0] as { host: string, port: number }
    try {
      handle.features = finalizedFeatures(await waitUntilReady(first, { deadline: Date.now() + 15_000, what: 'the broker of KAFKA_BOOTSTRAP' }))
    } catch (err) {
      throw new BrokerHarnessError('NO_BROKER', `KAFKA_BOOTSTRAP=${bootstrap} does not answer (${err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err)}); start that broker or unset KAFKA_BOOTSTRAP to let the harness start one`)
    }
    log(`kshare harness: using KAFKA_BOOTSTRAP=${bootstrap} (not started by the harness)`)
    return { handle, startedNow: false }
  }
  const version = requestedKafkaVersion()
  validateKafkaVersion(version)
  const brokers = opts.brokers ?? sharedBrokerCount()
  return await withStateLock(async () => {
    let state = readState()
    if (state !== undefined && !await isStateLive(state)) {
      log(`kshare harness: ${stateFileForHumans()} records a broker that is gone (pid ${state.handle.nodes.map((n) => n.pid ?? '-').join(',')}); cleaning up`)
      if (state.handle.mode === 'local' && state.handle.workDir !== undefined) rmSync(state.handle.workDir, { recursive: true, force: true })
      removeState()
      state = undefined
    }
    if (state !== undefined) {
      const running = state.handle
      if (running.version !== version) {
        throw new BrokerHarnessError('VERSION_MISMATCH',
          `the shared broker at ${running.bootstrap} runs Kafka ${running.version}, not ${version}; stop it first (npm run broker:stop) or use another KSHARE_STATE_DIR and KSHARE_BROKER_PORT`)
      }
      // Tests must not run on another cluster size than asked for without saying so: a
      // 1-node broker hides every defect that needs several leaders.
      if (brokers !== running.nodes.length) {
        throw new BrokerHarnessError('BAD_OPTIONS',
          `a ${running.nodes.length}-node broker is already running at ${running.bootstrap}, not ${brokers} nodes as asked; ` +
          `npm run broker:stop first, or set KSHARE_TEST_BROKERS=${running.nodes.length} to use it`)
      }
      if (opts.who === 'cli' && (opts.secure === true) !== (running.scram !== undefined)) {
        throw new BrokerHarnessError('BAD_OPTIONS',
          `a ${running.nodes.length}-node${running.scram !== undefined ? ' secure' : ''} broker is already running at ${running.bootstrap}; npm run broker:stop first`)
      }
      state.users = liveUsers(state)
      if (opts.userPid !== undefined && !state.users.some((u) => u.pid === opts.userPid)) {
        state.users.push({ pid: opts.userPid, what: opts.userLabel ?? opts.who, since: new Date().toISOString() })
      }
      writeState(state)
      return { handle: running, startedNow: false, state }
    }
    const forced = process.env.KSHARE_BROKER
    if (forced !== undefined && forced !== '' && forced !== 'local' && forced !== 'docker') {
      throw new BrokerHarnessError('BAD_OPTIONS', `KSHARE_BROKER=${forced}: expected local or docker`)
    }
    // KSHARE_BROKER_SECURE=1 adds the SASL/SSL listeners to a shared broker the tests start.
    const secure = opts.secure ?? process.env.KSHARE_BROKER_SECURE === '1'
    const simple = brokers === 1 && !secure
    if (forced === 'docker' && !simple) {
      throw new BrokerHarnessError('BAD_OPTIONS',
        `KSHARE_BROKER=docker runs docker-compose.yml's single plain node, not ${brokers} node(s)${secure ? ' with secured listeners' : ''}; set KSHARE_TEST_BROKERS=1 (and unset KSHARE_BROKER_SECURE) or use KSHARE_BROKER=local`)
    }
    const mode = forced === 'local' || forced === 'docker'
      ? forced
      : (simple && await dockerAvailable() ? 'docker' : 'local')
    const handle = await startBroker({
      mode,
      version,
      port: sharedBrokerPort(),
      brokers,
      secure,
      outliveProcess: true,
      log
    })
    const fresh: BrokerState = {
      handle,
      startedByHarness: true,
      startedBy: opts.who,
      users: opts.userPid !== undefined ? [{ pid: opts.userPid, what: opts.userLabel ?? opts.who, since: new Date().toISOString() }] : []
    }
    writeState(fresh)
    return { handle, startedNow: true, state: fresh }
  })
}

/**
 * Ends `userPid`'s use of the shared broker. When nobody uses it any more and it was not
 * started by `npm run broker`, stops it: so a test run stops the broker it started, yet never
 * pulls it from under another run that joined meanwhile. Returns true when it stopped one.
 */
export async function releaseSharedBroker (userPid: number, log: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<boolean> {
  if ((process.env.KAFKA_BOOTSTRAP ?? '').trim() !== '') return false
  return await withStateLock(async () => {
    const state = readState()
    if (state === undefined) return false
    state.users = liveUsers(state).filter((u) => u.pid !== userPid)
    if (state.startedByHarness && state.startedBy !== 'cli' && state.users.length === 0) {
      await stopBroker(state.handle)
      removeState()
      log(`kshare harness: stopped the Kafka ${state.handle.version} broker at ${state.handle.bootstrap}`)
      return true
    }
    writeState(state)
    if (state.users.length > 0) log(`kshare harness: leaving the broker at ${state.handle.bootstrap} running for ${state.users.map((u) => `${u.what} (pid ${u.pid})`).join(', ')}`)
    return false
  })
}

/**
 * `npm run broker:stop`: stops the shared broker if the harness started it (whoever asked)
 * and removes its work directory and state. Returns a line describing what happened.
 */
export async function stopSharedBroker (): Promise<string> {
  return await withStateLock(async () => {
    const state = readState()
    if (state === undefined) return `no broker recorded in ${stateFileForHumans()}; nothing to stop`
    if (!state.startedByHarness) {
      removeState()
      return `the broker at ${state.handle.bootstrap} was not started by the harness; left running`
    }
    const users = liveUsers(state)
    await stopBroker(state.handle)
    removeState()
    return `stopped the Kafka ${state.handle.version} broker at ${state.handle.bootstrap}` +
      (users.length > 0 ? ` (it was still in use by ${users.map((u) => `${u.what} pid ${u.pid}`).join(', ')})` : '')
  })
}

/**
 * The bootstrap servers integration tests connect to: `KAFKA_BOOTSTRAP`, else the live shared
 * broker of the state file. Throws NO_BROKER with what to do when there is none, so a test can
 * never pass (or skip) without a broker.
 */
export function testBootstrap (): string {
  const env = process.env.KAFKA_BOOTSTRAP?.trim()
  if (env !== undefined && env !== '') return env
  const state = readState()
  if (state === undefined) {
    throw new BrokerHarnessError('NO_BROKER',
      `no Kafka broker for the tests: ${stateFileForHumans()} does not exist. Run the tests with \`npm test\` (its tap before-hook starts one), or start one with \`npm run broker\`, or set KAFKA_BOOTSTRAP`)
  }
  if (isStateLiveSync(state) === false) {
    throw new BrokerHarnessError('NO_BROKER',
      `the broker recorded in ${stateFileForHumans()} (pid ${state.handle.nodes.map((n) => n.pid ?? '-').join(',')}) is not running; start one with \`npm run broker\` or run \`npm test\``)
  }
  return state.handle.bootstrap
}

/** The shared broker's full handle (ports, versions, secured listeners), same rules as {@link testBootstrap}. */
export function testBroker (): BrokerHandle {
  const env = process.env.KAFKA_BOOTSTRAP?.trim()
  if (env !== undefined && env !== '') return externalHandle(env)
  testBootstrap()
  return (readState() as BrokerState).handle
}

/** True when the shared broker's first node accepts connections (for status output). */
export async function sharedBrokerAnswers (handle: BrokerHandle): Promise<boolean> {
  const first = parseBootstrap(handle.bootstrap)[0]
  return first !== undefined && await tcpProbe(first, 1000)
}
