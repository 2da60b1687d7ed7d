import { execFile } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { BrokerHarnessError } from './errors.js'

/** Minimum Java for Kafka 4 brokers and tools (`minNonClientJavaVersion` in Kafka's build). */
export const MIN_JAVA_MAJOR = 17

/**
 * Finds an executable on `PATH` the way a shell would, without running it. Returns undefined
 * when absent, so callers can produce their own one-line explanation.
 */
export function findOnPath (name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here; keep looking
    }
  }
  return undefined
}

/**
 * The `java` to run Kafka with: `$JAVA_HOME/bin/java` when JAVA_HOME is set (as Kafka's own
 * scripts do), else the first `java` on PATH. Throws NO_JAVA with what to install.
 */
export function findJava (env: NodeJS.ProcessEnv = process.env): string {
  const home = env.JAVA_HOME
  if (home !== undefined && home !== '') {
    const candidate = join(home, 'bin', 'java')
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      throw new BrokerHarnessError('NO_JAVA',
        `JAVA_HOME=${home} has no bin/java; install a JDK ${MIN_JAVA_MAJOR}+ (e.g. apt-get install openjdk-17-jre-headless) and fix JAVA_HOME, or set KAFKA_BOOTSTRAP to use a running broker`)
    }
  }
  const onPath = findOnPath('java', env)
  if (onPath === undefined) {
    throw new BrokerHarnessError('NO_JAVA',
      `no java on PATH (and no JAVA_HOME): install Java ${MIN_JAVA_MAJOR}+ (e.g. apt-get install openjdk-17-jre-headless) to run the test broker, or start Docker, or set KAFKA_BOOTSTRAP`)
  }
  return onPath
}

/**
 * Parses the major version from `java -version` output (`openjdk version "17.0.15"`, or
 * `"1.8.0_392"` for Java 8, whose major is 8).
 */
export function parseJavaMajor (versionOutput: string): number | undefined {
  const m = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(versionOutput)
  if (m === null) return undefined
  const first = Number(m[1])
  return first === 1 && m[2] !== undefined ? Number(m[2]) : first
}

/**
 * Runs `java -version` once and checks the major version, so an old JDK fails here with one
 * line instead of as an UnsupportedClassVersionError deep in a broker log.
 */
export async function checkJava (java: string): Promise<number> {
  const out = await new Promise<string>((resolve, reject) => {
    execFile(java, ['-version'], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err !== null) reject(new BrokerHarnessError('NO_JAVA', `${java} -version failed: ${err.message.split('\n')[0] ?? ''}`))
      else resolve(stderr + stdout)
    })
  })
  const major = parseJavaMajor(out)
  if (major === undefined) throw new BrokerHarnessError('NO_JAVA', `cannot read the Java version from \`${java} -version\``)
  if (major < MIN_JAVA_MAJOR) {
    throw new BrokerHarnessError('NO_JAVA', `${java} is Java ${major}; Kafka 4 needs Java ${MIN_JAVA_MAJOR}+ (set JAVA_HOME to a newer JDK)`)
  }
  return major
}

/** `mvn` on PATH, or throws NO_MAVEN saying what to install. */
export function findMaven (env: NodeJS.ProcessEnv = process.env): string {
  const mvn = findOnPath('mvn', env)
  if (mvn === undefined) {
    throw new BrokerHarnessError('NO_MAVEN',
      'no mvn on PATH: install Maven 3 (e.g. apt-get install maven) so the harness can fetch the Kafka broker jars, or start Docker, or set KAFKA_BOOTSTRAP')
  }
  return mvn
}
