import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrokerHandle, BrokerNodeInfo, SecureListeners } from './broker-types.js'
import { BrokerHarnessError } from './errors.js'
import { checkJava, findJava } from './java.js'
import { resolveKafkaJars } from './jars.js'
import { brokerConfigDir } from './paths.js'
import { allocatePorts, isPortFree } from './ports.js'
import { isAlive, tailFile, terminate } from './processes.js'
import { finalizedFeatures, waitUntilReady } from './readiness.js'
import { clusterOverrides, readServerPropertiesTemplate, renderServerProperties, type NodeTopology } from './server-properties.js'
import { SCRAM_PASSWORD, SCRAM_USERNAME, createTlsMaterial, secureOverrides, type TlsMaterial } from './tls.js'
import { requestedKafkaVersion, validateKafkaVersion } from './version.js'

/** Client port of the shared test broker (and of docker-compose.yml). */
export const DEFAULT_BROKER_PORT = 39092

/** Options of {@link startLocalBroker}. */
export interface LocalBrokerOptions {
  /** Kafka version; default `KAFKA_VERSION` or the harness default. */
  version?: string
  /**
   * First node's client port, or `'auto'` for free private ports (what tests that stop or
   * restart brokers use). Node i (0-based) gets `port + 2i`. Default {@link DEFAULT_BROKER_PORT}.
   */
  port?: number | 'auto'
  /** First node's controller port; node i gets `controllerPort + 2i`. Default `port + 1`. */
  controllerPort?: number
  /** Number of combined broker+controller nodes (static voters). Default 1. */
  brokers?: number
  /** Extra or overriding server properties for every node (applied last). */
  serverProperties?: Readonly<Record<string, string | number | boolean>>
  /** Feature levels set at format time, e.g. `{ 'share.version': 1 }`. */
  features?: Readonly<Record<string, number>>
  /** Adds SASL_PLAINTEXT, SSL and SASL_SSL listeners (SCRAM-SHA-512 user, self-signed CA). */
  secure?: boolean
  /** Give up waiting for readiness after this long. Default 120 s (3 cold JVMs on 2 cores). */
  readyTimeoutMs?: number
  /** Extra JVM options for the nodes, e.g. `['-Xmx1g']` for a benchmark (appended: last wins). */
  jvmOptions?: readonly string[]
  /**
   * Keep the JVMs running after this Node process exits (the shared broker does; the state
   * file then tracks them). Default false: a private broker is killed when its test process
   * exits, even after a crash or SIGTERM, so no JVM outlives a test.
   */
  outliveProcess?: boolean
  /** Progress lines (timings). Default: write to stderr. */
  log?: (line: string) => void
}

/** JVM settings for a test node: small heap, Kafka's own GC flags (kafka-run-class.sh). */
const NODE_JVM_OPTIONS = [
  '-Xms256m', '-Xmx512m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent', '-XX:MaxInlineLevel=15', '-XX:+ExitOnOutOfMemoryError', '-Djava.awt.headless=true'
]

/** The marker proving a pid is one of our Kafka JVMs (see {@link isAlive}). */
function nodeMarker (node: BrokerNodeInfo): string {
  return join(node.dir ?? '', 'server.properties')
}

/** Live children of private brokers, killed when this process exits. */
const privateChildren = new Map<number, { dir: string }>()
let exitHooksInstalled = false

function installExitHooks (): void {
  if (exitHooksInstalled) return
  exitHooksInstalled = true
  const killAll = (): void => {
    for (const [pid, { dir }] of privateChildren) {
      try { process.kill(-pid, 'SIGKILL') } catch { try { process.kill(pid, 'SIGKILL') } catch { /* gone */ } }
      rmSync(dir, { recursive: true, force: true })
    }
    privateChildren.clear()
  }
  process.on('exit', killAll)
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAll()
      process.removeListener(sig, onSignal)
      // Re-raise so the process still dies of the signal, unless someone else handles it.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig)
    }
    process.on(sig, onSignal)
  }
}

/** Ports of one node. */
interface NodePorts {
  port: number
  controllerPort: number
  secure?: SecureListeners
}

/** A 22-character KRaft cluster id (base64url of 16 random bytes). */
export function randomClusterId (): string {
  return randomBytes(16).toString('base64url')
}

/**
 * The per-node topology (listeners, voters, data dir) of a cluster. Pure; exported for the
 * unit tests.
 */
export function clusterTopology (ports: readonly NodePorts[], workDir: string, host = '127.0.0.1'): NodeTopology[] {
  const voters = ports.map((p, i) => `${i + 1}@${host}:${p.controllerPort}`).join(',')
  return ports.map((p, i) => {
    const listeners = [`PLAINTEXT://${host}:${p.port}`, `CONTROLLER://${host}:${p.controllerPort}`]
    const advertised = [`PLAINTEXT://${host}:${p.port}`]
    const map = ['PLAINTEXT:PLAINTEXT', 'CONTROLLER:PLAINTEXT']
    if (p.secure !== undefined) {
      listeners.push(`SASL_PLAINTEXT://${host}:${p.secure.saslPlaintextPort}`, `SSL://${host}:${p.secure.sslPort}`,
        `SASL_SSL://${host}:${p.secure.saslSslPort}`)
      advertised.push(`SASL_PLAINTEXT://${host}:${p.secure.saslPlaintextPort}`, `SSL://${host}:${p.secure.sslPort}`,
        `SASL_SSL://${host}:${p.secure.saslSslPort}`)
      map.push('SASL_PLAINTEXT:SASL_PLAINTEXT', 'SSL:SSL', 'SASL_SSL:SASL_SSL')
    }
    return {
      nodeId: i + 1,
      voters,
      listeners: listeners.join(','),
      advertisedListeners: advertised.join(','),
      protocolMap: map.join(','),
      dataDir: join(workDir, `node-${i + 1}`, 'data')
    }
  })
}

/** Chooses every port the cluster needs, refusing fixed ports that are taken. */
async function choosePorts (opts: LocalBrokerOptions, n: number): Promise<NodePorts[]> {
  const perNode = opts.secure === true ? 5 : 2
  if (opts.port === 'auto') {
    const all = await allocatePorts(n * perNode)
    return Array.from({ length: n }, (_, i) => {
      const p = all.slice(i * perNode, (i + 1) * perNode) as [number, number, number?, number?, number?]
      const secure = opts.secure === true
        ? { saslPlaintextPort: p[2] ?? 0, sslPort: p[3] ?? 0, saslSslPort: p[4] ?? 0 }
        : undefined
      return { port: p[0], controllerPort: p[1], ...(secure !== undefined ? { secure } : {}) }
    })
  }
  const base = opts.port ?? DEFAULT_BROKER_PORT
  const cbase = opts.controllerPort ?? base + 1
  const chosen: NodePorts[] = []
  // Secure listeners of fixed-port clusters sit 10 above: 39102.. for the shared broker.
  for (let i = 0; i < n; i++) {
    const secure = opts.secure === true
      ? { saslPlaintextPort: base + 10 + 3 * i, sslPort: base + 11 + 3 * i, saslSslPort: base + 12 + 3 * i }
      : undefined
    chosen.push({ port: base + 2 * i, controllerPort: cbase + 2 * i, ...(secure !== undefined ? { secure } : {}) })
  }
  for (const p of chosen) {
    const all = [p.port, p.controllerPort, ...(p.secure !== undefined ? Object.values(p.secure) : [])]
    for (const port of all) {
      if (!await isPortFree(port)) {
        throw new BrokerHarnessError('PORT_IN_USE',
          `port ${port} is already in use (a broker this checkout did not start?); set KAFKA_BOOTSTRAP=127.0.0.1:${port} to use it, or stop it, or pick another port (KSHARE_BROKER_PORT)`)
      }
    }
  }
  return chosen
}

/** Runs one short-lived JVM (the storage formatter) and collects its output. */
function runJava (java: string, args: string[]): Promise<{ code: number, output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(java, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d: Buffer) => { output += d.toString() })
    child.stderr.on('data', (d: Buffer) => { output += d.toString() })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? 1, output }))
  })
}

function seconds (ms: number): string {
  return (ms / 1000).toFixed(1) + ' s'
}

/**
 * Starts a KRaft cluster of `brokers` combined nodes from the cached Kafka jars: resolves the
 * jars (Maven, once per version), formats each node's storage, spawns `kafka.Kafka` per node
 * with a small heap and its output in `<node dir>/broker.log`, and waits until every node
 * answers. Throws {@link BrokerHarnessError}: a node dying during start-up is reported with
 * the tail of its log, and the other nodes are stopped.
 */
export async function startLocalBroker (opts: LocalBrokerOptions = {}): Promise<BrokerHandle> {
  const started = Date.now()
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'))
  const version = opts.version ?? requestedKafkaVersion()
  validateKafkaVersion(version)
  const n = opts.brokers ?? 1
  if (!Number.isInteger(n) || n < 1 || n > 9) throw new BrokerHarnessError('BAD_OPTIONS', `brokers must be 1..9, not ${n}`)
  const java = findJava()
  await checkJava(java)
  const jars = await resolveKafkaJars(version)
  log(`kshare harness: Kafka ${version} jars ${jars.cold ? `resolved with mvn (cold cache) in ${seconds(jars.ms)}` : `cached (warm) in ${jars.ms} ms`}: ${jars.libDir}`)
  const ports = await choosePorts(opts, n)

  const workDir = mkdtempSync(join(tmpdir(), 'kshare-kafka-'))
  const clusterId = randomClusterId()
  const log4j = `-Dlog4j2.configurationFile=${join(brokerConfigDir(), 'log4j2.properties')}`
  const classpath = join(jars.libDir, '*')
  const children: ChildProcess[] = []
  const nodes: BrokerNodeInfo[] = []
  let handedOver = false
  try {
    const tls: TlsMaterial | undefined = opts.secure === true ? await createTlsMaterial(join(workDir, 'tls')) : undefined
    const template = readServerPropertiesTemplate()
    const topology = clusterTopology(ports, workDir)
    const overrides = {
      ...clusterOverrides(n),
      ...(tls !== undefined ? secureOverrides(tls) : {}),
      ...opts.serverProperties
    }
    for (const [i, topo] of topology.entries()) {
      const dir = join(workDir, `node-${topo.nodeId}`)
      mkdirSync(join(dir, 'logs'), { recursive: true })
      writeFileSync(join(dir, 'server.properties'), renderServerProperties(template, topo, overrides))
      const p = ports[i] as NodePorts
      nodes.push({
        nodeId: topo.nodeId,
        host: '127.0.0.1',
        port: p.port,
        controllerPort: p.controllerPort,
        dir,
        logFile: join(dir, 'broker.log'),
        ...(p.secure !== undefined ? { secure: p.secure } : {})
      })
    }

    // Format every node (in parallel: each is its own JVM start of ~1 s).
    const formatStarted = Date.now()
    const featureArgs = Object.entries(opts.features ?? {}).flatMap(([k, v]) => ['--feature', `${k}=${v}`])
    const scramArgs = opts.secure === true ? ['--add-scram', `SCRAM-SHA-512=[name=${SCRAM_USERNAME},password=${SCRAM_PASSWORD}]`] : []
    await Promise.all(nodes.map(async (node) => {
      const res = await runJava(java, ['-Xmx256m', '-XX:+UseSerialGC',
        `-Dlog4j2.configurationFile=${join(brokerConfigDir(), 'tools-log4j2.properties')}`, '-cp', classpath,
        'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', join(node.dir ?? '', 'server.properties'),
        ...featureArgs, ...scramArgs])
      if (res.code !== 0) {
        // The JVM's last non-stack-trace lines say why (e.g. a setting Kafka rejects).
        const reason = res.output.split('\n').map((l) => l.trim().replace(/^Exception in thread "main" /, ''))
          .filter((l) => l !== '' && !l.startsWith('at ') && !l.startsWith('...')).slice(-3).join(' | ')
        throw new BrokerHarnessError('FORMAT_FAILED', `formatting Kafka ${version} storage for node ${node.nodeId} failed: ${reason}`)
      }
    }))
    const formatMs = Date.now() - formatStarted

    // Start every node; a static-voter quorum needs a majority up before any broker is ready.
    const startStarted = Date.now()
    for (const node of nodes) {
      const child = spawnNode(java, classpath, log4j, node, opts)
      children.push(child)
      if (opts.outliveProcess !== true && child.pid !== undefined) {
        installExitHooks()
        privateChildren.set(child.pid, { dir: workDir })
      }
    }
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 120_000)
    const answers = await Promise.all(nodes.map(async (node) => {
      return await waitUntilReady({ host: node.host, port: node.port }, {
        deadline,
        what: `Kafka ${version} node ${node.nodeId}`,
        check: () => {
          // Any node dying fails the whole start: its log says why.
          for (const [j, c] of children.entries()) {
            if (c.exitCode !== null || c.signalCode !== null) {
              const dead = nodes[j] as BrokerNodeInfo
              throw new BrokerHarnessError('BROKER_EXITED',
                `Kafka ${version} node ${dead.nodeId} exited during start-up (${c.exitCode !== null ? `code ${c.exitCode}` : `signal ${String(c.signalCode)}`})`,
                tailFile(dead.logFile ?? '', 30))
            }
          }
        },
        onTimeout: () => tailFile(node.logFile ?? '', 30)
      })
    }))
    const features = finalizedFeatures(answers[0])
    if ((features['share.version'] ?? 0) < 1) {
      log(`kshare harness: WARNING: Kafka ${version} came up with share.version=${features['share.version'] ?? 0}: share groups are off`)
    }
    const startMs = Date.now() - startStarted
    const totalMs = Date.now() - started
    const bootstrap = nodes.map((nd) => `${nd.host}:${nd.port}`).join(',')
    log(`kshare harness: Kafka ${version} ${n === 1 ? 'broker' : `${n}-node cluster`} ready at ${bootstrap} in ${seconds(totalMs)} ` +
      `(jars ${jars.cold ? 'cold' : 'warm'} ${seconds(jars.ms)}, format ${seconds(formatMs)}, broker start ${seconds(startMs)})`)
    handedOver = true
    const handle: BrokerHandle = {
      mode: 'local',
      version,
      bootstrap,
      nodes: nodes.map((nd, i) => ({ ...nd, ...(children[i]?.pid !== undefined ? { pid: children[i]?.pid } : {}) })),
      workDir,
      clusterId,
      libDir: jars.libDir,
      java,
      startedAt: new Date().toISOString(),
      features,
      timings: { jarsCold: jars.cold, jarsMs: jars.ms, formatMs, startMs, totalMs }
    }
    if (opts.secure === true && tls !== undefined) {
      handle.scram = { mechanism: 'SCRAM-SHA-512', username: SCRAM_USERNAME, password: SCRAM_PASSWORD }
      handle.tls = { caCertFile: tls.caCertFile, caCertPem: tls.caCertPem, serverName: tls.serverName }
    }
    return handle
  } finally {
    if (!handedOver) {
      // Failed start: leave nothing behind (the error already carries the log tail).
      await Promise.all(children.map(async (c) => {
        if (c.pid !== undefined) {
          await terminate(c.pid, 0)
          privateChildren.delete(c.pid)
        }
      }))
      if (process.env.KSHARE_KEEP_WORK !== '1') rmSync(workDir, { recursive: true, force: true })
    }
  }
}

/** Spawns one node's JVM, detached (own process group) with output appended to its log. */
function spawnNode (java: string, classpath: string, log4j: string, node: BrokerNodeInfo,
  opts: Pick<LocalBrokerOptions, 'jvmOptions'>): ChildProcess {
  const dir = node.dir ?? ''
  const fd = openSync(node.logFile ?? join(dir, 'broker.log'), 'a')
  try {
    const child = spawn(java, [...NODE_JVM_OPTIONS, ...(opts.jvmOptions ?? []), log4j, `-Dkafka.logs.dir=${join(dir, 'logs')}`,
      '-cp', classpath, 'kafka.Kafka', join(dir, 'server.properties')], {
      detached: true, // own process group: survives the starter when wanted, killable as a group
      stdio: ['ignore', fd, fd]
    })
    child.unref()
    return child
  } finally {
    // The child holds its own copy of the descriptor.
    closeSync(fd)
  }
}

/** Options of {@link stopLocalBroker} and {@link stopNode}. */
export interface StopOptions {
  /**
   * How long SIGTERM (controlled shutdown) may take before SIGKILL. 0 kills at once, which is
   * fine for a throw-away broker. Default 20 s.
   */
  graceMs?: number
  /** Keep the work directory (logs, data) for inspection. Default false. */
  keepWorkDir?: boolean
}

/**
 * Stops every node of a local broker (SIGTERM, SIGKILL after the grace period) and removes its
 * work directory. Safe to call twice, and on a handle read back from the state file.
 */
export async function stopLocalBroker (handle: BrokerHandle, opts: StopOptions = {}): Promise<void> {
  await Promise.all(handle.nodes.map(async (node) => await stopNode(handle, node.nodeId, opts)))
  if (opts.keepWorkDir !== true && handle.workDir !== undefined) rmSync(handle.workDir, { recursive: true, force: true })
}

/**
 * Stops one node (for failover tests), leaving its data so {@link restartNode} can bring it
 * back with the same identity.
 */
export async function stopNode (handle: BrokerHandle, nodeId: number, opts: StopOptions = {}): Promise<void> {
  const node = handle.nodes.find((nd) => nd.nodeId === nodeId)
  if (node === undefined) throw new BrokerHarnessError('BAD_OPTIONS', `no node ${nodeId} in this cluster`)
  if (node.pid === undefined) return
  await terminate(node.pid, opts.graceMs ?? 20_000, nodeMarker(node))
  privateChildren.delete(node.pid)
}

/**
 * Starts a stopped node again on the same ports and data, and waits until it answers. The
 * handle's pid for that node is updated in place.
 */
export async function restartNode (handle: BrokerHandle, nodeId: number, opts: { readyTimeoutMs?: number, outliveProcess?: boolean } = {}): Promise<void> {
  const node = handle.nodes.find((nd) => nd.nodeId === nodeId)
  if (node === undefined) throw new BrokerHarnessError('BAD_OPTIONS', `no node ${nodeId} in this cluster`)
  if (handle.mode !== 'local' || handle.java === undefined || handle.libDir === undefined) {
    throw new BrokerHarnessError('BAD_OPTIONS', 'only brokers started locally by the harness can be restarted')
  }
  if (node.pid !== undefined && isAlive(node.pid, nodeMarker(node))) {
    throw new BrokerHarnessError('BAD_OPTIONS', `node ${nodeId} is still running (pid ${node.pid})`)
  }
  const log4j = `-Dlog4j2.configurationFile=${join(brokerConfigDir(), 'log4j2.properties')}`
  const child = spawnNode(handle.java, join(handle.libDir, '*'), log4j, node, {})
  if (child.pid !== undefined) {
    node.pid = child.pid
    if (opts.outliveProcess !== true) {
      installExitHooks()
      privateChildren.set(child.pid, { dir: handle.workDir ?? '' })
    }
  }
  await waitUntilReady({ host: node.host, port: node.port }, {
    deadline: Date.now() + (opts.readyTimeoutMs ?? 120_000),
    what: `Kafka ${handle.version} node ${nodeId} (restart)`,
    check: () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new BrokerHarnessError('BROKER_EXITED', `Kafka ${handle.version} node ${nodeId} exited during restart; log: ${node.logFile ?? '?'}`,
          tailFile(node.logFile ?? '', 30))
      }
    },
    onTimeout: () => tailFile(node.logFile ?? '', 30)
  })
}

/** True when at least one node's JVM of a local handle is alive. */
export function isLocalBrokerAlive (handle: BrokerHandle): boolean {
  return handle.nodes.some((nd) => nd.pid !== undefined && isAlive(nd.pid, nodeMarker(nd)))
}

/** Pids of nodes whose JVM is alive. */
export function liveNodePids (handle: BrokerHandle): number[] {
  return handle.nodes.filter((nd) => nd.pid !== undefined && isAlive(nd.pid, nodeMarker(nd))).map((nd) => nd.pid as number)
}
