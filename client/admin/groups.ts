import { DeleteGroups, ListGroups, ShareGroupDescribe } from '../../protocol/index.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { KafkaError, responseError } from '../errors.js'
import { throwOnItemErrors } from './errors.js'
import { eachBroker, remaining, toCoordinator, type AdminContext } from './requests.js'

/** Group types as ListGroups names them (lower case). */
export type GroupType = 'share' | 'consumer' | 'classic' | 'streams' | (string & {})

/** Filters of `Admin.listGroups`. */
export interface ListGroupsOptions {
  /** Only groups of these types, e.g. `['share']`. Default: all. */
  types?: readonly GroupType[]
  /** Only groups in these states (case-insensitive), e.g. `['Empty']`. Default: all. */
  states?: readonly string[]
  /** Time for the call, ms. Default: the admin's `apiTimeoutMs`. */
  timeoutMs?: number
}

/** A group as listed. */
export interface ListedGroup {
  groupId: string
  /** `share`, `consumer`, `classic`, `streams` (lower case). */
  type: GroupType
  /** e.g. `Empty`, `Stable`. */
  state: string
  /** Classic groups' protocol type (`consumer`, ...); empty for share groups. */
  protocolType: string
}

/** A member of a share group. */
export interface ShareGroupMember {
  memberId: string
  memberEpoch: number
  clientId: string
  clientHost: string
  rackId: string | null
  subscribedTopics: string[]
  /** Partitions assigned to the member. */
  assignment: Array<{ topic: string, topicId: string, partitions: number[] }>
}

/** A share group as its coordinator describes it. */
export interface ShareGroupDescription {
  groupId: string
  /** `Empty`, `Stable`, `Dead`, ... */
  state: string
  groupEpoch: number
  assignmentEpoch: number
  /** Name of the assignor, e.g. `simple`. */
  assignor: string
  members: ShareGroupMember[]
}

/** A group after `deleteGroups`. */
export interface DeletedGroup {
  groupId: string
  /** Null; set in the results of an `AdminError` (e.g. NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND). */
  error: KafkaError | null
}

/**
 * Lists groups on every broker (each coordinator answers for its own groups, so one broker
 * is not enough in a cluster). A broker that cannot be reached fails the call, unless it
 * leaves the cluster meanwhile (its groups move to brokers that are asked too).
 */
export async function listGroups (ctx: AdminContext, deadline: number, options: ListGroupsOptions): Promise<ListedGroup[]> {
  const { cluster } = ctx
  const byId = new Map<string, ListedGroup>()
  await eachBroker(ctx, deadline, async nodeId => {
    const conn = await cluster.connection(nodeId)
    const res = await conn.send(ListGroups, { statesFilter: [...options.states ?? []], typesFilter: [...options.types ?? []] }, { timeoutMs: remaining(deadline, 'ListGroups') })
    const error = responseError(res.errorCode, { api: 'ListGroups', brokerId: nodeId })
    if (error !== null) throw error
    for (const g of res.groups) {
      byId.set(g.groupId, { groupId: g.groupId, type: g.groupType.toLowerCase(), state: g.groupState, protocolType: g.protocolType })
    }
  })
  return [...byId.values()].sort((a, b) => a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0)
}

/**
 * Describes one share group. Rejects with a `BrokerResponseError`: GROUP_ID_NOT_FOUND when
 * there is no such share group (also when the id belongs to a group of another type).
 */
export async function describeShareGroup (ctx: AdminContext, deadline: number, groupId: string): Promise<ShareGroupDescription> {
  const res = await toCoordinator(ctx, deadline, groupId, ShareGroupDescribe, { groupIds: [groupId], includeAuthorizedOperations: false },
    r => r.groups.find(g => g.groupId === groupId)?.errorCode ?? ErrorCode.NONE, true)
  const g = res.groups.find(x => x.groupId === groupId)
  if (g === undefined) throw new KafkaError(`ShareGroupDescribe: the coordinator did not describe group ${groupId}`, true, { api: 'ShareGroupDescribe' })
  const error = responseError(g.errorCode, { api: 'ShareGroupDescribe', brokerMessage: g.errorMessage, what: `group ${groupId}` })
  if (error !== null) throw error
  return {
    groupId,
    state: g.groupState,
    groupEpoch: g.groupEpoch,
    assignmentEpoch: g.assignmentEpoch,
    assignor: g.assignorName,
    members: g.members.map(m => ({
      memberId: m.memberId,
      memberEpoch: m.memberEpoch,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rackId: m.rackId,
      subscribedTopics: m.subscribedTopicNames,
      assignment: m.assignment.topicPartitions.map(tp => ({ topic: tp.topicName, topicId: tp.topicId, partitions: tp.partitions }))
    }))
  }
}

/**
 * Deletes groups (share groups must be empty: no members). Each group is asked of its own
 * coordinator. Rejects with an `AdminError` naming each group that failed.
 */
export async function deleteGroups (ctx: AdminContext, deadline: number, groupIds: readonly string[]): Promise<DeletedGroup[]> {
  const results = await Promise.all(groupIds.map(async (groupId): Promise<DeletedGroup> => {
    const res = await toCoordinator(ctx, deadline, groupId, DeleteGroups, { groupsNames: [groupId] },
      r => r.results.find(x => x.groupId === groupId)?.errorCode ?? ErrorCode.NONE)
      .catch((err: unknown) => err instanceof KafkaError ? err : Promise.reject(err))
    if (res instanceof KafkaError) return { groupId, error: res }
    const r = res.results.find(x => x.groupId === groupId)
    const error = responseError(r === undefined ? ErrorCode.UNKNOWN_SERVER_ERROR : r.errorCode,
      { api: 'DeleteGroups', brokerMessage: r?.errorMessage, what: `group ${groupId}` })
    return { groupId, error }
  }))
  return throwOnItemErrors('deleteGroups', results, r => `group ${r.groupId}`)
}
