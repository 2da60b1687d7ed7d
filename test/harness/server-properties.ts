import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { brokerConfigDir } from './paths.js'

/** Placeholders of `test/broker/server.properties.in`, filled per node. */
export interface NodeTopology {
  /** KRaft node id (1-based). */
  nodeId: number
  /** `id@host:port,...` for every controller of the cluster (static voters). */
  voters: string
  /** Value of `listeners`. */
  listeners: string
  /** Value of `advertised.listeners`. */
  advertisedListeners: string
  /** Value of `listener.security.protocol.map`. */
  protocolMap: string
  /** Value of `log.dirs`. */
  dataDir: string
}

/** Keys of the template that describe topology rather than tuning; Docker sets its own. */
export const TOPOLOGY_KEYS: ReadonlySet<string> = new Set([
  'process.roles', 'node.id', 'controller.quorum.voters', 'listeners', 'advertised.listeners',
  'listener.security.protocol.map', 'controller.listener.names', 'inter.broker.listener.name', 'log.dirs'
])

/** The template text, read from `test/broker/server.properties.in`. */
export function readServerPropertiesTemplate (): string {
  return readFileSync(join(brokerConfigDir(), 'server.properties.in'), 'utf8')
}

/**
 * Parses Java-properties text of the simple form the harness writes (`key=value` lines, `#`
 * comments). Keys repeated later win, as in `java.util.Properties`.
 */
export function parseProperties (text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue
    const eq = line.indexOf('=')
    if (eq < 0) throw new Error(`server.properties: line without '=': ${line}`)
    out.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim())
  }
  return out
}

/**
 * Fills the template's placeholders, then applies `overrides` (a key already in the file is
 * replaced in place, so the file never holds two values for one key; new keys are appended).
 * Throws when a placeholder is left unfilled, so a template change cannot silently produce
 * `@FOO@` in a broker config.
 */
export function renderServerProperties (template: string, node: NodeTopology,
  overrides: Readonly<Record<string, string | number | boolean>> = {}): string {
  const values: Record<string, string> = {
    NODE_ID: String(node.nodeId),
    VOTERS: node.voters,
    LISTENERS: node.listeners,
    ADVERTISED_LISTENERS: node.advertisedListeners,
    PROTOCOL_MAP: node.protocolMap,
    DATA_DIR: node.dataDir
  }
  let text = template.split('\n').map((line) => {
    if (line.trimStart().startsWith('#')) return line
    const filled = line.replace(/@([A-Z_]+)@/g, (whole, name: string) => values[name] ?? whole)
    const left = /@[A-Z_]+@/.exec(filled)
    if (left !== null) throw new Error(`server.properties.in: unknown placeholder ${left[0]}`)
    return filled
  }).join('\n')
  const pending = new Map(Object.entries(overrides).map(([k, v]) => [k, String(v)]))
  for (const [k, v] of pending) {
    if (/[\n\r]/.test(k) || /[\n\r]/.test(v)) throw new Error(`server property ${k}: line breaks are not allowed`)
  }
  const lines = text.split('\n').map((line) => {
    const eq = line.indexOf('=')
    if (line.trimStart().startsWith('#') || eq < 0) return line
    const key = line.slice(0, eq).trim()
    const v = pending.get(key)
    if (v === undefined) return line
    pending.delete(key)
    return `${key}=${v}`
  })
  if (pending.size > 0) {
    lines.push('# --- overrides for this broker ---')
    for (const [k, v] of pending) lines.push(`${k}=${v}`)
  }
  text = lines.join('\n')
  return text.endsWith('\n') ? text : text + '\n'
}

/**
 * Settings for an `n`-node cluster. Internal topics: RF n (so a failover test can stop one
 * node without losing the group/share state) with min ISR 1 from the template (writes go on
 * while nodes are down), and n partitions each, so that group coordinators and share-state
 * coordinators land on different nodes, not all on one. Other topics default to RF n, so
 * records become visible to share consumers only once the followers have them, as in
 * production; `min.insync.replicas` stays at Kafka's 1, so a follower starved of CPU on a busy
 * test machine cannot fail a produce. Empty for one node: the template's values are right.
 */
export function clusterOverrides (n: number): Record<string, number> {
  if (n <= 1) return {}
  return {
    'offsets.topic.replication.factor': n,
    'offsets.topic.num.partitions': n,
    'transaction.state.log.replication.factor': n,
    'share.coordinator.state.topic.replication.factor': n,
    'share.coordinator.state.topic.num.partitions': n,
    'default.replication.factor': n
  }
}
