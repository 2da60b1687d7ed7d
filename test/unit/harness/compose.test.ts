import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { repoRoot } from '../../harness/paths.js'
import { TOPOLOGY_KEYS, parseProperties, readServerPropertiesTemplate } from '../../harness/server-properties.js'
import { DEFAULT_KAFKA_VERSION } from '../../harness/version.js'

// docker-compose.yml must carry the same broker tuning as test/broker/server.properties.in,
// the one settings source. Docker cannot run on the build machines, so this is what keeps the
// Docker path honest.

/** KAFKA_* name the apache/kafka image maps to a property (KafkaDockerWrapper's rule, reversed). */
function envName (key: string): string {
  return 'KAFKA_' + key.replace(/_/g, '__').replace(/-/g, '___').replace(/\./g, '_').toUpperCase()
}

/** The image's own mapping: env var name -> property key. */
function propertyKey (env: string): string {
  return env.replace(/^KAFKA_/, '').toLowerCase().replace(/_/g, '.').replace(/\.\.\./g, '-').replace(/\.\./g, '_')
}

/** The `environment:` map of the kafka service (flat `KEY: "value"` lines, as the file is written). */
function composeEnvironment (text: string): Map<string, string> {
  const env = new Map<string, string>()
  const lines = text.split('\n')
  const start = lines.findIndex((l) => /^\s+environment:\s*$/.test(l))
  if (start < 0) throw new Error('docker-compose.yml: no environment block')
  const indent = (lines[start + 1] ?? '').search(/\S/)
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '' || line.trim().startsWith('#')) continue
    if (line.search(/\S/) < indent) break
    const m = /^\s+([A-Z0-9_]+):\s*(?:"([^"]*)"|(\S+))\s*$/.exec(line)
    if (m === null) throw new Error(`docker-compose.yml: cannot read environment line: ${line}`)
    env.set(m[1] as string, m[2] ?? m[3] ?? '')
  }
  return env
}

const compose = readFileSync(join(repoRoot(), 'docker-compose.yml'), 'utf8')
const env = composeEnvironment(compose)
const tuning = new Map([...parseProperties(readServerPropertiesTemplate().replace(/@[A-Z_]+@/g, 'x'))]
  .filter(([k]) => !TOPOLOGY_KEYS.has(k)))
/** Variables that describe the container's own topology, not test tuning. */
const dockerOnly = new Set(['CLUSTER_ID', 'KAFKA_HEAP_OPTS', ...[...TOPOLOGY_KEYS].map(envName)])

t.test('the env-name mapping round-trips (sanity of the helper)', async (t) => {
  t.equal(envName('group.share.min.session.timeout.ms'), 'KAFKA_GROUP_SHARE_MIN_SESSION_TIMEOUT_MS')
  t.equal(propertyKey('KAFKA_GROUP_SHARE_MIN_SESSION_TIMEOUT_MS'), 'group.share.min.session.timeout.ms')
})

t.test('every tuning key of server.properties.in is in docker-compose.yml with the same value', async (t) => {
  t.ok(tuning.size >= 15, `template has tuning keys (${tuning.size})`)
  for (const [key, value] of tuning) {
    t.equal(env.get(envName(key)), value, `${key} = ${value}`)
  }
})

t.test('docker-compose.yml sets no tuning the template lacks', async (t) => {
  for (const [name] of env) {
    if (dockerOnly.has(name)) continue
    t.ok(tuning.has(propertyKey(name)), `${name} corresponds to a key of server.properties.in`)
  }
})

t.test('image default is the harness default version; port is the shared broker port', async (t) => {
  t.match(compose, new RegExp(`image: apache/kafka:\\$\\{KAFKA_VERSION:-${DEFAULT_KAFKA_VERSION.replace(/\./g, '\\.')}\\}`))
  t.match(compose, /"127\.0\.0\.1:\$\{KSHARE_BROKER_PORT:-39092\}:9092"/)
  t.match(env.get('KAFKA_ADVERTISED_LISTENERS') ?? '', /PLAINTEXT:\/\/127\.0\.0\.1:\$\{KSHARE_BROKER_PORT:-39092\}/)
})

t.test('the healthcheck targets the in-container listener, not the host-advertised one', async (t) => {
  t.match(env.get('KAFKA_ADVERTISED_LISTENERS') ?? '', /INTERNAL:\/\/localhost:19092/)
  t.match(env.get('KAFKA_LISTENERS') ?? '', /INTERNAL:\/\/:19092/)
  t.match(compose, /kafka-broker-api-versions\.sh", "--bootstrap-server", "localhost:19092"/)
})
