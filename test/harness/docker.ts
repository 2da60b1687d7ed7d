import { spawn } from 'node:child_process'
import { join } from 'node:path'
import type { BrokerHandle } from './broker-types.js'
import { BrokerHarnessError } from './errors.js'
import { findOnPath } from './java.js'
import { repoRoot } from './paths.js'
import { finalizedFeatures, waitUntilReady } from './readiness.js'
import { validateKafkaVersion } from './version.js'

/** docker compose project name: fixed, so `broker:stop` finds the container from any shell. */
export const COMPOSE_PROJECT = 'kshare'

function run (args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number, output: string }> {
  return new Promise((resolve) => {
    const child = spawn('docker', args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d: Buffer) => { output += d.toString() })
    child.stderr.on('data', (d: Buffer) => { output += d.toString() })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (err) => { clearTimeout(timer); resolve({ code: 127, output: err.message }) })
    child.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? 1, output }) })
  })
}

/**
 * True when a Docker engine answers (`docker info` succeeds within a few seconds). A docker
 * CLI without a running engine (as on the project's build machines) answers false quickly.
 */
export async function dockerAvailable (): Promise<boolean> {
  if (findOnPath('docker') === undefined) return false
  const res = await run(['info', '--format', '{{.ServerVersion}}'], process.env, 8000)
  return res.code === 0
}

/**
 * Brings up the single-node broker of `docker-compose.yml` (image `apache/kafka:<version>`,
 * host port `port`), waits for its healthcheck (`up --wait`) and then for the broker to
 * answer from the host too.
 */
export async function composeUp (version: string, port: number, log: (line: string) => void): Promise<BrokerHandle> {
  validateKafkaVersion(version)
  const started = Date.now()
  const file = join(repoRoot(), 'docker-compose.yml')
  const env = { ...process.env, KAFKA_VERSION: version, KSHARE_BROKER_PORT: String(port) }
  const version2 = await run(['compose', 'version'], env, 15_000)
  if (version2.code !== 0) {
    throw new BrokerHarnessError('DOCKER_FAILED', 'Docker answers but `docker compose` (v2) is missing: install the compose plugin, or set KSHARE_BROKER=local to use the JVM broker')
  }
  const up = await run(['compose', '-f', file, '-p', COMPOSE_PROJECT, 'up', '-d', '--wait', '--wait-timeout', '180'], env, 600_000)
  if (up.code !== 0) {
    const lines = up.output.trim().split('\n')
    const logs = await run(['compose', '-f', file, '-p', COMPOSE_PROJECT, 'logs', '--tail', '30'], env, 30_000)
    await run(['compose', '-f', file, '-p', COMPOSE_PROJECT, 'down', '-v'], env, 120_000)
    throw new BrokerHarnessError('DOCKER_FAILED', `docker compose up failed for apache/kafka:${version}: ${lines[lines.length - 1] ?? ''}`, logs.output.trim())
  }
  const answer = await waitUntilReady({ host: '127.0.0.1', port }, { deadline: Date.now() + 60_000, what: `Kafka ${version} (docker)` })
  const totalMs = Date.now() - started
  log(`kshare harness: Kafka ${version} broker (docker compose) ready at 127.0.0.1:${port} in ${(totalMs / 1000).toFixed(1)} s`)
  return {
    mode: 'docker',
    version,
    bootstrap: `127.0.0.1:${port}`,
    nodes: [{ nodeId: 1, host: '127.0.0.1', port }],
    startedAt: new Date().toISOString(),
    features: finalizedFeatures(answer),
    timings: { jarsCold: false, jarsMs: 0, formatMs: 0, startMs: totalMs, totalMs },
    compose: { project: COMPOSE_PROJECT, file }
  }
}

/** `docker compose down -v` for a broker started by {@link composeUp}. */
export async function composeDown (handle: BrokerHandle): Promise<void> {
  const compose = handle.compose ?? { project: COMPOSE_PROJECT, file: join(repoRoot(), 'docker-compose.yml') }
  const res = await run(['compose', '-f', compose.file, '-p', compose.project, 'down', '-v', '--timeout', '20'], process.env, 120_000)
  if (res.code !== 0) throw new BrokerHarnessError('DOCKER_FAILED', `docker compose down failed: ${res.output.trim().split('\n').pop() ?? ''}`)
}
