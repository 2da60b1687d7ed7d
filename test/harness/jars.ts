import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { BrokerHarnessError } from './errors.js'
import { findJava, findMaven } from './java.js'
import { brokerConfigDir, cacheDir } from './paths.js'
import { DEFAULT_KAFKA_VERSION, requestedKafkaVersion, validateKafkaVersion } from './version.js'

/** Version of maven-dependency-plugin used for copy-dependencies (pinned: reproducible). */
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1'

/** Where the jars of one Kafka version are, and how they got there. */
export interface KafkaJars {
  /** Kafka version. */
  version: string
  /** Directory holding every jar (broker, log4j binding, kafka-tools). */
  libDir: string
  /** True when this call ran Maven (a cold cache); false when the jars were already cached. */
  cold: boolean
  /** Wall time of this call, in milliseconds. */
  ms: number
}

/** `<cache>/kafka-<version>/lib`; complete only when it holds a `.complete` marker. */
export function kafkaLibDir (version: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), `kafka-${version}`, 'lib')
}

/**
 * Returns the jar directory for `version`, running Maven first when the cache lacks it.
 * Maven writes into a private temporary directory that is renamed into place only after it
 * succeeded, so an interrupted download is never mistaken for a complete one and two
 * processes resolving at once do not trip over each other.
 */
export async function resolveKafkaJars (version: string = requestedKafkaVersion(),
  env: NodeJS.ProcessEnv = process.env): Promise<KafkaJars> {
  validateKafkaVersion(version)
  const started = Date.now()
  const libDir = kafkaLibDir(version, env)
  if (existsSync(join(libDir, '.complete'))) return { version, libDir, cold: false, ms: Date.now() - started }
  // mvn needs a JDK too: say "install Java" rather than printing Maven's JAVA_HOME complaint.
  findJava(env)
  const mvn = findMaven(env)
  const versionDir = join(libDir, '..')
  mkdirSync(versionDir, { recursive: true })
  const tmp = join(versionDir, `lib.tmp-${process.pid}-${Date.now()}`)
  try {
    const extra = (env.KSHARE_MVN_ARGS ?? '').split(/\s+/).filter((a) => a !== '')
    const args = ['-B', '-q', '-Dstyle.color=never', '-f', join(brokerConfigDir(), 'pom.xml'), `-Dkafka.version=${version}`, '-Ptools',
      ...extra, `${DEPENDENCY_PLUGIN}:copy-dependencies`, '-DincludeScope=runtime', `-DoutputDirectory=${tmp}`]
    let { code, output } = await run(mvn, args, env)
    if (code !== 0 && /during a previous attempt|was cached in the local repository/.test(output)) {
      // Maven remembers a miss for a day; the release may have been published since. Ask
      // again with -U (not always: -U re-checks every artifact remotely and costs seconds).
      ({ code, output } = await run(mvn, ['-U', ...args], env))
    }
    if (code !== 0) throw mavenError(version, output)
    if (!existsSync(tmp) || !readdirSync(tmp).some((f) => f.startsWith('kafka_2.13-'))) {
      throw new BrokerHarnessError('RESOLVE_FAILED', `mvn succeeded but no kafka_2.13 jar landed in ${tmp}`)
    }
    writeFileSync(join(tmp, '.complete'), `kafka ${version} resolved ${new Date().toISOString()}\n`)
    // A lib dir without marker is a leftover from an interrupted older layout: replace it.
    if (existsSync(libDir) && !existsSync(join(libDir, '.complete'))) rmSync(libDir, { recursive: true, force: true })
    try {
      renameSync(tmp, libDir)
    } catch (err) {
      // Another process finished first: its copy is as good as ours.
      if (!existsSync(join(libDir, '.complete'))) throw err
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
  return { version, libDir, cold: true, ms: Date.now() - started }
}

/**
 * Turns Maven's failure output into one line. An unknown Kafka version is the common case
 * (a typo in KAFKA_VERSION), then network trouble; anything else keeps Maven's first error.
 */
export function mavenError (version: string, rawOutput: string): BrokerHarnessError {
  // Maven 3.8 colours some output even with -B; strip the escapes before matching.
  const output = rawOutput.replace(/\u001b\[[0-9;]*m/g, '')
  const notFound = /Could not find artifact (org\.apache\.kafka:[\w.-]+):(?:jar|pom):([\w.-]+)/.exec(output) ??
    /(org\.apache\.kafka:[\w.-]+):(?:jar|pom):([\w.-]+) \(absent\)/.exec(output) ??
    /Failure to find (org\.apache\.kafka:[\w.-]+):(?:jar|pom):([\w.-]+)/.exec(output) ??
    /(org\.apache\.kafka:[\w.-]+):(?:jar|pom):([\w.-]+) was not found/.exec(output)
  if (notFound !== null) {
    return new BrokerHarnessError('UNKNOWN_VERSION',
      `Kafka ${version} is not on Maven Central (${notFound[1] ?? 'org.apache.kafka'}:${notFound[2] ?? version} not found); set KAFKA_VERSION to a released version such as ${DEFAULT_KAFKA_VERSION}`)
  }
  const firstError = output.split('\n').map((l) => l.trim()).find((l) => l.startsWith('[ERROR]') && l.length > 8)
  const line = (firstError ?? output.trim().split('\n')[0] ?? 'no output').replace(/^\[ERROR\]\s*/, '').replace(/\s*-> \[Help 1\]$/, '')
  if (/Could not transfer|UnknownHost|Connection refused|Connect timed out|Network is unreachable|PKIX/i.test(output)) {
    return new BrokerHarnessError('RESOLVE_FAILED', `cannot download Kafka ${version} jars from Maven Central (network?): ${truncate(line, 300)}`)
  }
  return new BrokerHarnessError('RESOLVE_FAILED', `mvn failed to resolve Kafka ${version} jars: ${truncate(line, 300)}`)
}

function truncate (s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n - 1) + '…'
}

/** Runs a command to completion, collecting stdout and stderr together. */
function run (command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number, output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d: Buffer) => { output += d.toString() })
    child.stderr.on('data', (d: Buffer) => { output += d.toString() })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? 1, output }))
  })
}

/** Kafka command-line tools by the name of their `bin/*.sh` script. */
export type KafkaToolName =
  | 'kafka-configs' | 'kafka-topics' | 'kafka-features' | 'kafka-console-producer' | 'kafka-console-share-consumer'
  | 'kafka-share-consumer-perf-test' | 'kafka-share-groups' | 'kafka-broker-api-versions'

/**
 * The main class behind a Kafka tool script for `version`: classes move between releases
 * (`kafka-configs` is `kafka.admin.ConfigCommand` in the core jar up to 4.3 and
 * `org.apache.kafka.tools.ConfigCommand` in kafka-tools from 4.4). Checked against the real
 * jars of the default version by test/integration/harness-tools.test.ts.
 */
export function kafkaToolClass (tool: KafkaToolName, version: string = requestedKafkaVersion()): string {
  const v = validateKafkaVersion(version)
  switch (tool) {
    case 'kafka-configs': return v.major > 4 || v.minor >= 4 ? 'org.apache.kafka.tools.ConfigCommand' : 'kafka.admin.ConfigCommand'
    case 'kafka-topics': return 'org.apache.kafka.tools.TopicCommand'
    case 'kafka-features': return 'org.apache.kafka.tools.FeatureCommand'
    case 'kafka-console-producer': return 'org.apache.kafka.tools.ConsoleProducer'
    case 'kafka-console-share-consumer': return 'org.apache.kafka.tools.consumer.ConsoleShareConsumer'
    case 'kafka-share-consumer-perf-test': return 'org.apache.kafka.tools.ShareConsumerPerformance'
    case 'kafka-share-groups': return 'org.apache.kafka.tools.consumer.group.ShareGroupCommand'
    case 'kafka-broker-api-versions': return 'org.apache.kafka.tools.BrokerApiVersionsCommand'
  }
}

/** A ready-to-spawn command line. */
export interface ToolCommand {
  /** Executable (the java binary). */
  command: string
  /** Arguments, classpath and main class included. */
  args: string[]
}

/**
 * The java command line for a Kafka class from the cached jars, e.g.
 * `org.apache.kafka.tools.consumer.ConsoleShareConsumer` or
 * `org.apache.kafka.tools.ShareConsumerPerformance`. Logs warnings to stderr only. Resolves the
 * jars first if needed.
 * @param mainClass fully-qualified main class
 * @param args arguments for the tool
 * @param version Kafka version (default: KAFKA_VERSION or the default)
 */
export async function kafkaToolCommand (mainClass: string, args: readonly string[] = [],
  version: string = requestedKafkaVersion()): Promise<ToolCommand> {
  const jars = await resolveKafkaJars(version)
  return {
    command: findJava(),
    args: ['-Xmx256m', '-XX:+UseSerialGC', '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${join(brokerConfigDir(), 'tools-log4j2.properties')}`,
      '-cp', join(jars.libDir, '*'), mainClass, ...args]
  }
}

/** What a finished Kafka tool run printed. */
export interface ToolResult {
  /** Exit code (null when killed by a signal). */
  code: number | null
  stdout: string
  stderr: string
}

/**
 * Runs a Kafka tool to completion (see {@link kafkaToolCommand}), killing it after
 * `timeoutMs` so a tool waiting on an unreachable broker cannot hang a test.
 */
export async function runKafkaTool (mainClass: string, args: readonly string[] = [],
  opts: { version?: string, timeoutMs?: number } = {}): Promise<ToolResult> {
  const cmd = await kafkaToolCommand(mainClass, args, opts.version)
  return await new Promise((resolve, reject) => {
    const child = spawn(cmd.command, cmd.args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000)
    child.on('error', (err) => { clearTimeout(timer); reject(err) })
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }) })
  })
}
