import type { ApiDefinition, RequestInput, ResponseOf } from '../../protocol/index.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { backoffDelay, type BackoffOptions } from '../backoff.js'
import type { Cluster } from '../cluster.js'
import type { Delays } from '../delays.js'
import { KafkaError, RequestTimeoutError, responseError } from '../errors.js'
import { assertShareGroups } from '../share/share-groups-available.js'

/** How admin calls reach brokers: the cluster, backoff between attempts, a deadline per call. */
export interface AdminContext {
  cluster: Cluster
  backoff: BackoffOptions
  /** Sleeps cancelled when the admin client closes. */
  delays: Delays
}

/**
 * Runs `attempt` until it resolves, retrying retriable `KafkaError`s with backoff until
 * `deadline` (epoch ms); then rejects with the last error.
 */
export async function retrying<T> (ctx: AdminContext, deadline: number, attempt: () => Promise<T>): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt()
    } catch (err) {
      const wait = backoffDelay(n, ctx.backoff)
      if (!(err instanceof KafkaError) || !err.retriable || Date.now() + wait >= deadline) throw err
      await ctx.delays.sleep(wait)
    }
  }
}

/** Sends a request any broker answers (Metadata, CreateTopics, configs...), retrying until `deadline`. */
export async function anyBroker<A extends ApiDefinition> (ctx: AdminContext, deadline: number, api: A, body: RequestInput<A>): Promise<ResponseOf<A>> {
  return await retrying(ctx, deadline, async () => {
    const conn = await ctx.cluster.anyConnection()
    // One attempt may not take the whole call's time: a hung broker is left for another.
    return await conn.send(api, body, { timeoutMs: Math.min(remaining(deadline, api.name), conn.settings.requestTimeoutMs) })
  })
}

/**
 * Runs `call` on every broker the cluster lists now, each retried until `deadline`. A broker
 * that failed is looked up again: once the cluster no longer lists it (shut down, or fenced
 * after it died) it is skipped, as it serves nothing any more — without this a call kept
 * retrying a dead broker from the list it started with until its deadline.
 */
export async function eachBroker (ctx: AdminContext, deadline: number, call: (nodeId: number) => Promise<void>): Promise<void> {
  const { cluster } = ctx
  await retrying(ctx, deadline, () => cluster.refreshMetadata())
  await Promise.all([...cluster.metadata.brokers.keys()].map(nodeId => retrying(ctx, deadline, async () => {
    if (!cluster.metadata.brokers.has(nodeId)) return
    try {
      await call(nodeId)
    } catch (err) {
      if (err instanceof KafkaError && err.retriable) await cluster.refreshMetadata().catch(() => {})
      throw err
    }
  })))
}

/** Broker id of a node for error context (undefined for a bootstrap connection). */
export function brokerIdOf (nodeId: number): number | undefined {
  return nodeId < 0 ? undefined : nodeId
}

/**
 * Sends a request to a group's coordinator, retrying until `deadline` when the coordinator
 * moved or is loading (the `errorCode` picked from the response says so), on connection
 * errors (the cluster then forgets the coordinator) and when an attempt got no answer within
 * `requestTimeoutMs` (so does this). Share-group APIs are first checked against what the
 * broker offers, so that a cluster without share groups fails with one `ShareGroupsUnavailableError`.
 */
export async function toCoordinator<A extends ApiDefinition> (ctx: AdminContext, deadline: number, groupId: string, api: A,
  body: RequestInput<A>, errorCode: (res: ResponseOf<A>) => number, shareGroupApi = false): Promise<ResponseOf<A>> {
  return await retrying(ctx, deadline, async () => {
    const conn = await ctx.cluster.coordinatorConnection(groupId)
    if (shareGroupApi) assertShareGroups(conn)
    // One attempt may not take the whole call's time: a coordinator that hangs is left for another.
    const timeoutMs = Math.min(remaining(deadline, api.name), conn.settings.requestTimeoutMs)
    const res = await conn.send(api, body, { timeoutMs }).catch((err: unknown) => {
      if (err instanceof KafkaError) ctx.cluster.invalidateOnError(err, { groupId })
      throw err
    })
    const code = errorCode(res)
    if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE || code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) {
      ctx.cluster.invalidateOnError(code, { groupId })
      throw responseError(code, { api: api.name, brokerId: brokerIdOf(conn.nodeId), what: `group ${groupId}` })!
    }
    return res
  })
}

/** Ms left before `deadline`; a `RequestTimeoutError` when none. */
export function remaining (deadline: number, api: string): number {
  const ms = deadline - Date.now()
  if (ms <= 0) throw new RequestTimeoutError(`${api}: the admin call's timeout ran out`, 0, -1, { api })
  return ms
}
