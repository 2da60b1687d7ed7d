import { Cluster } from '../../client/cluster.js'
import { responseError } from '../../client/errors.js'
import { ErrorCode, errorCodeInfo, Metadata, type ResponseOf } from '../../protocol/index.js'
import type { CommandMain } from '../command.js'
import { closing, connectionOptions, NETWORK_HELP, parseNetworkArgs } from '../network.js'
import { toJson } from '../output.js'
import { table } from '../table.js'
import { traced } from '../trace.js'

/** Help text of `kshare metadata`. */
export const METADATA_HELP = `Usage: kshare metadata [--topic T ...] [options]

Asks a broker for cluster metadata (Metadata) and prints the cluster id, the controller,
the brokers and, per topic (all topics, or those named with --topic): its id, and per
partition the leader, the leader epoch, replicas, in-sync replicas and offline replicas.
A named topic that does not exist fails with UNKNOWN_TOPIC_OR_PARTITION.

Options:
  --topic T        only this topic (repeatable)
${NETWORK_HELP}`

/** A Metadata response. */
export type MetadataResponse = ResponseOf<typeof Metadata>

/**
 * Sends one Metadata request (all topics for `null`) to any broker. Throws the top-level
 * error, and a topic's error (e.g. UNKNOWN_TOPIC_OR_PARTITION for a named topic), except
 * LEADER_NOT_AVAILABLE, which a new topic has for a moment and which is printed instead.
 */
export async function fetchMetadata (cluster: Cluster, topics: readonly string[] | null): Promise<MetadataResponse> {
  const conn = await cluster.anyConnection()
  const res = await conn.send(Metadata, {
    topics: topics === null ? null : topics.map(name => ({ name })),
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: false
  })
  const brokerId = conn.nodeId < 0 ? undefined : conn.nodeId
  const error = responseError(res.errorCode, { api: 'Metadata', brokerId })
  if (error !== null) throw error
  for (const t of res.topics) {
    if (t.errorCode === ErrorCode.LEADER_NOT_AVAILABLE) continue
    const topicError = responseError(t.errorCode, { api: 'Metadata', brokerId, what: `topic ${t.name ?? t.topicId}` })
    if (topicError !== null) throw topicError
  }
  res.topics.sort((a, b) => (a.name ?? '') < (b.name ?? '') ? -1 : 1)
  return res
}

const nodes = (ids: readonly number[]): string => ids.length === 0 ? '-' : ids.join(',')

/** Renders a Metadata response as text. */
export function renderMetadata (res: MetadataResponse): string {
  let out = `cluster ${res.clusterId ?? '-'}, controller ${res.controllerId}\n\nbrokers:\n`
  out += table(res.brokers.map(b => [`${b.nodeId}`, `${b.host}:${b.port}`, b.rack !== null ? `rack ${b.rack}` : '']), '  ')
  out += `\ntopics (${res.topics.length}):\n`
  for (const t of res.topics) {
    out += `  ${t.name ?? '?'}${t.isInternal ? ' (internal)' : ''}  id ${t.topicId}  ${t.partitions.length} partition${t.partitions.length === 1 ? '' : 's'}`
    out += t.errorCode !== 0 ? `  ${errorCodeInfo(t.errorCode).name}\n` : '\n'
    out += table([
      ['partition', 'leader', 'epoch', 'replicas', 'isr', 'offline', ''],
      ...[...t.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex).map(p => [
        `${p.partitionIndex}`, `${p.leaderId}`, `${p.leaderEpoch}`, nodes(p.replicaNodes), nodes(p.isrNodes), nodes(p.offlineReplicas),
        p.errorCode !== 0 ? errorCodeInfo(p.errorCode).name : ''
      ])
    ], '    ')
  }
  return out
}

/** Runs `kshare metadata`. */
export const metadataMain: CommandMain = async (args, io) => {
  const parsed = parseNetworkArgs(args, { topic: { type: 'string', multiple: true } }, { help: METADATA_HELP, io })
  if (parsed === undefined) return
  const { values, net } = parsed
  await traced(io, net, () => closing(new Cluster(connectionOptions(net)), async cluster => {
    const res = await fetchMetadata(cluster, values.topic ?? null)
    io.out.write(net.json ? toJson(res) + '\n' : renderMetadata(res))
  }))
}
