import { CreatePartitions, CreateTopics, DeleteTopics, ZERO_UUID } from '../../protocol/index.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { KafkaError, RequestTimeoutError, responseError } from '../errors.js'
import type { TopicInfo } from '../metadata.js'
import { throwOnItemErrors } from './errors.js'
import { anyBroker, type AdminContext } from './requests.js'

/** A topic to create. */
export interface NewTopic {
  /** Topic name. */
  name: string
  /** Partitions; default: the broker's `num.partitions`. */
  partitions?: number
  /** Replicas per partition; default: the broker's `default.replication.factor`. */
  replicationFactor?: number
  /** Topic configs, e.g. `{ 'cleanup.policy': 'compact' }`. */
  configs?: Readonly<Record<string, string>>
}

/** Options of `Admin.createTopics`. */
export interface CreateTopicsOptions {
  /** A topic that already exists is not an error (its `created` is false). Default false. */
  ifNotExists?: boolean
  /** Only check the request; create nothing (and wait for no leaders). Default false. */
  validateOnly?: boolean
  /** Time for the whole call, leader election included, ms. Default: the admin's `apiTimeoutMs`. */
  timeoutMs?: number
}

/** A topic after `createTopics`. */
export interface CreatedTopic {
  name: string
  /** Topic id; the zero UUID when `validateOnly`. */
  topicId: string
  partitions: number
  replicationFactor: number
  /** False when the topic existed already (`ifNotExists`). */
  created: boolean
  /** Null; set in the results of an `AdminError`. */
  error: KafkaError | null
}

/** A topic after `deleteTopics`. */
export interface DeletedTopic {
  name: string
  topicId: string
  /** Null; set in the results of an `AdminError`. */
  error: KafkaError | null
}

/** New partition count for a topic. */
export interface NewPartitions {
  /** Topic name. */
  topic: string
  /** Total partitions after the call (must exceed the current count). */
  count: number
}

/** A topic after `createPartitions`. */
export interface CreatedPartitions {
  topic: string
  count: number
  /** Null; set in the results of an `AdminError`. */
  error: KafkaError | null
}

/**
 * Creates topics, then waits until metadata shows a leader for every partition, so that a
 * producer or consumer started next finds them ready. Rejects with an `AdminError` naming
 * each topic that failed.
 */
export async function createTopics (ctx: AdminContext, deadline: number, topics: readonly NewTopic[], options: CreateTopicsOptions): Promise<CreatedTopic[]> {
  if (topics.length === 0) return []
  const res = await anyBroker(ctx, deadline, CreateTopics, {
    topics: topics.map(t => ({
      name: t.name,
      numPartitions: t.partitions ?? -1,
      replicationFactor: t.replicationFactor ?? -1,
      assignments: [],
      configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value }))
    })),
    timeoutMs: Math.max(1, deadline - Date.now()),
    validateOnly: options.validateOnly === true
  })
  const results: CreatedTopic[] = topics.map(t => {
    const r = res.topics.find(x => x.name === t.name)
    const code = r === undefined ? ErrorCode.UNKNOWN_SERVER_ERROR : r.errorCode
    const exists = code === ErrorCode.TOPIC_ALREADY_EXISTS && options.ifNotExists === true
    return {
      name: t.name,
      topicId: r?.topicId ?? ZERO_UUID,
      partitions: r?.numPartitions ?? -1,
      replicationFactor: r?.replicationFactor ?? -1,
      created: !exists,
      error: exists ? null : responseError(code, { api: 'CreateTopics', brokerMessage: r?.errorMessage, what: `topic ${t.name}` })
    }
  })
  throwOnItemErrors('createTopics', results, r => `topic ${r.name}`)
  if (options.validateOnly === true) return results
  const infos = await waitForLeaders(ctx, deadline, results.map(r => ({ topic: r.name, count: r.created ? r.partitions : 0 })))
  for (const r of results) {
    const info = infos.get(r.name)!
    r.topicId = info.topicId
    r.partitions = info.partitions.length
    if (!r.created || r.replicationFactor < 0) r.replicationFactor = info.partitions[0]?.replicas.length ?? -1
  }
  return results
}

/** Deletes topics by name. Rejects with an `AdminError` naming each topic that failed (e.g. UNKNOWN_TOPIC_OR_PARTITION). */
export async function deleteTopics (ctx: AdminContext, deadline: number, names: readonly string[]): Promise<DeletedTopic[]> {
  if (names.length === 0) return []
  const res = await anyBroker(ctx, deadline, DeleteTopics, {
    // v6 names topics in `topics`, older versions in `topicNames`; the encoder writes the one its version has.
    topics: names.map(name => ({ name, topicId: ZERO_UUID })),
    topicNames: [...names],
    timeoutMs: Math.max(1, deadline - Date.now())
  })
  const results = names.map(name => {
    const r = res.responses.find(x => x.name === name)
    ctx.cluster.metadata.markStale({ topic: name })
    return {
      name,
      topicId: r?.topicId ?? ZERO_UUID,
      error: responseError(r === undefined ? ErrorCode.UNKNOWN_SERVER_ERROR : r.errorCode, { api: 'DeleteTopics', brokerMessage: r?.errorMessage, what: `topic ${name}` })
    }
  })
  return throwOnItemErrors('deleteTopics', results, r => `topic ${r.name}`)
}

/** Raises partition counts, then waits until the new partitions have leaders. */
export async function createPartitions (ctx: AdminContext, deadline: number, changes: readonly NewPartitions[], validateOnly: boolean): Promise<CreatedPartitions[]> {
  if (changes.length === 0) return []
  const res = await anyBroker(ctx, deadline, CreatePartitions, {
    topics: changes.map(c => ({ name: c.topic, count: c.count, assignments: null })),
    timeoutMs: Math.max(1, deadline - Date.now()),
    validateOnly
  })
  const results = changes.map(c => {
    const r = res.results.find(x => x.name === c.topic)
    return {
      topic: c.topic,
      count: c.count,
      error: responseError(r === undefined ? ErrorCode.UNKNOWN_SERVER_ERROR : r.errorCode, { api: 'CreatePartitions', brokerMessage: r?.errorMessage, what: `topic ${c.topic}` })
    }
  })
  throwOnItemErrors('createPartitions', results, r => `topic ${r.topic}`)
  if (!validateOnly) await waitForLeaders(ctx, deadline, changes)
  return results
}

/**
 * Polls metadata until each topic has at least `count` partitions, all with a leader (new
 * topics take a moment to appear on every broker and to elect leaders).
 */
async function waitForLeaders (ctx: AdminContext, deadline: number, wanted: ReadonlyArray<{ topic: string, count: number }>): Promise<Map<string, TopicInfo>> {
  const { cluster } = ctx
  for (let n = 0; ; n++) {
    const found = new Map<string, TopicInfo>()
    try {
      await cluster.refreshMetadata(wanted.map(w => ({ topic: w.topic })))
      for (const w of wanted) {
        const t = cluster.metadata.topic({ topic: w.topic })
        if (t !== undefined && t.partitions.length >= w.count && t.partitions.every(p => p !== undefined && p.leaderId >= 0)) found.set(w.topic, t)
      }
    } catch (err) {
      if (!(err instanceof KafkaError && err.retriable)) throw err
    }
    if (found.size === wanted.length) return found
    const wait = Math.min(50 * 2 ** n, 500)
    if (Date.now() + wait >= deadline) {
      const missing = wanted.filter(w => !found.has(w.topic)).map(w => w.topic)
      throw new RequestTimeoutError(`topics ${missing.join(', ')} have no leader for every partition yet; the controller may be slow or brokers down`, 0, -1, { api: 'Metadata' })
    }
    await ctx.delays.sleep(wait)
  }
}
