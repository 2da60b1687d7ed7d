import { DescribeConfigs, IncrementalAlterConfigs, type RequestInput, type ResponseOf } from '../../protocol/index.js'
import { RequestTimeoutError, responseError } from '../errors.js'
import { anyBroker, brokerIdOf, eachBroker, remaining, type AdminContext } from './requests.js'

/** ConfigResource type of groups (share-group settings live here, KIP-848/932). */
const GROUP_RESOURCE = 32

// IncrementalAlterConfigs operations.
const SET = 0
const DELETE = 1

/** Where a config value comes from (Java's `ConfigEntry.ConfigSource`). */
export type ConfigSource =
  | 'UNKNOWN' | 'DYNAMIC_TOPIC_CONFIG' | 'DYNAMIC_BROKER_CONFIG' | 'DYNAMIC_DEFAULT_BROKER_CONFIG'
  | 'STATIC_BROKER_CONFIG' | 'DEFAULT_CONFIG' | 'DYNAMIC_BROKER_LOGGER_CONFIG' | 'CLIENT_METRICS_CONFIG' | 'GROUP_CONFIG'

const SOURCES: readonly ConfigSource[] = [
  'UNKNOWN', 'DYNAMIC_TOPIC_CONFIG', 'DYNAMIC_BROKER_CONFIG', 'DYNAMIC_DEFAULT_BROKER_CONFIG',
  'STATIC_BROKER_CONFIG', 'DEFAULT_CONFIG', 'DYNAMIC_BROKER_LOGGER_CONFIG', 'CLIENT_METRICS_CONFIG', 'GROUP_CONFIG'
]

/** One group config as the broker reports it. */
export interface ConfigEntry {
  /** Value; null for sensitive configs and unset ones without a default. */
  value: string | null
  /** `GROUP_CONFIG` when set on the group; otherwise where the default comes from. */
  source: ConfigSource
  readOnly: boolean
  sensitive: boolean
}

/**
 * Sets (`value`) or removes (`null`: back to the broker default) group configs, e.g.
 * `{ 'share.auto.offset.reset': 'earliest', 'share.record.lock.duration.ms': null }`.
 * Incremental: keys not named keep their value. Rejects with a `BrokerResponseError`
 * (INVALID_CONFIG for an unknown key or bad value).
 *
 * Unlike Java's admin client, resolves only once every broker reports the new values: the
 * controller answers when the change is committed, but brokers apply it a moment later, and
 * a share consumer that joins in between would still see the old `share.auto.offset.reset`.
 */
export async function alterGroupConfigs (ctx: AdminContext, deadline: number, groupId: string,
  changes: Readonly<Record<string, string | null>>): Promise<void> {
  const res = await anyBroker(ctx, deadline, IncrementalAlterConfigs, {
    resources: [{
      resourceType: GROUP_RESOURCE,
      resourceName: groupId,
      configs: Object.entries(changes).map(([name, value]) => ({ name, configOperation: value === null ? DELETE : SET, value }))
    }],
    validateOnly: false
  })
  for (const r of res.responses) {
    const error = responseError(r.errorCode, { api: 'IncrementalAlterConfigs', brokerMessage: r.errorMessage, what: `group ${groupId}` })
    if (error !== null) throw error
  }
  await awaitApplied(ctx, deadline, groupId, changes)
}

/** Polls DescribeConfigs on every broker until each shows `changes` (a removed key no longer set on the group). */
async function awaitApplied (ctx: AdminContext, deadline: number, groupId: string, changes: Readonly<Record<string, string | null>>): Promise<void> {
  const { cluster } = ctx
  const keys = Object.keys(changes)
  await eachBroker(ctx, deadline, async nodeId => {
    for (let n = 0; ; n++) {
      const conn = await cluster.connection(nodeId)
      const res = await conn.send(DescribeConfigs, describeRequest(groupId, keys), { timeoutMs: remaining(deadline, 'DescribeConfigs') })
      const current = entries(res, groupId, brokerIdOf(nodeId))
      if (keys.every(k => changes[k] === null ? current[k]?.source !== 'GROUP_CONFIG' : current[k]?.value === changes[k])) return
      const wait = Math.min(20 * 2 ** n, 200)
      if (Date.now() + wait >= deadline) {
        throw new RequestTimeoutError(`broker ${nodeId} did not apply the configs of group ${groupId} in time`, 0, -1, { api: 'DescribeConfigs', brokerId: nodeId })
      }
      await ctx.delays.sleep(wait)
    }
  })
}

/** A group's configs (every key, or `keys`), by name. */
export async function describeGroupConfigs (ctx: AdminContext, deadline: number, groupId: string,
  keys: readonly string[] | undefined): Promise<Record<string, ConfigEntry>> {
  return entries(await anyBroker(ctx, deadline, DescribeConfigs, describeRequest(groupId, keys)), groupId, undefined)
}

function describeRequest (groupId: string, keys: readonly string[] | undefined): RequestInput<typeof DescribeConfigs> {
  return {
    resources: [{ resourceType: GROUP_RESOURCE, resourceName: groupId, configurationKeys: keys === undefined ? null : [...keys] }],
    includeSynonyms: false,
    includeDocumentation: false
  }
}

/** The configs of a DescribeConfigs response by name; throws its error. */
function entries (res: ResponseOf<typeof DescribeConfigs>, groupId: string, brokerId: number | undefined): Record<string, ConfigEntry> {
  const out: Record<string, ConfigEntry> = {}
  for (const r of res.results) {
    const error = responseError(r.errorCode, { api: 'DescribeConfigs', brokerId, brokerMessage: r.errorMessage, what: `group ${groupId}` })
    if (error !== null) throw error
    for (const c of r.configs) {
      out[c.name] = { value: c.value, source: SOURCES[c.configSource] ?? 'UNKNOWN', readOnly: c.readOnly, sensitive: c.isSensitive }
    }
  }
  return out
}
