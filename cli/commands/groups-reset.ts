import { Admin, type ShareGroupOffsetChange } from '../../client/admin.js'
import { Cluster } from '../../client/cluster.js'
import { responseError } from '../../client/errors.js'
import { ErrorCode, ListOffsets } from '../../protocol/index.js'
import { singleArg, type CommandMain } from '../command.js'
import { UsageError } from '../errors.js'
import { adminOptions, closing, connectionOptions, NETWORK_HELP, parseNetworkArgs } from '../network.js'
import { toJson } from '../output.js'
import { table } from '../table.js'
import { traced } from '../trace.js'

/** Help text of `kshare groups reset`. */
export const GROUPS_RESET_HELP = `Usage: kshare groups reset G --to earliest|latest|OFFSET [--topic T ...] [options]

Sets share group G's start offset per partition (AlterShareGroupOffsets): the group's
next deliveries there start at that offset. earliest and latest are resolved per
partition with ListOffsets (timestamp -2 / -1) at each partition's leader; OFFSET is
used for every partition, and refused when it is past a partition's log end. Partitions:
all of each --topic, else every partition the
group has state for. The group must be empty (no running members), else the broker
refuses with NON_EMPTY_GROUP.

Options:
  --to WHERE       earliest, latest, or an offset (required)
  --topic T        reset every partition of T (repeatable)
${NETWORK_HELP}`

/** Where `--to` points. */
type ResetTarget = 'earliest' | 'latest' | bigint

function parseTarget (text: string | undefined): ResetTarget {
  if (text === undefined) throw new UsageError('--to earliest|latest|OFFSET is required')
  if (text === 'earliest' || text === 'latest') return text
  if (!/^\d+$/.test(text)) throw new UsageError(`--to must be earliest, latest or an offset, got ${JSON.stringify(text)}`)
  return BigInt(text)
}

/** ListOffsets' special timestamps. */
const LATEST = -1n
const EARLIEST = -2n

type TopicPartition = { topic: string, partition: number }

/**
 * The earliest or latest offset of each partition: one ListOffsets per leader (the request
 * must go to the partition's leader, or it fails with NOT_LEADER_OR_FOLLOWER).
 */
export async function listOffsets (cluster: Cluster, partitions: readonly TopicPartition[], timestamp: bigint, timeoutMs: number): Promise<ShareGroupOffsetChange[]> {
  const byLeader = new Map<number, TopicPartition[]>()
  for (const tp of partitions) {
    const { leaderId } = await cluster.leaderFor({ topic: tp.topic }, tp.partition)
    let list = byLeader.get(leaderId)
    if (list === undefined) byLeader.set(leaderId, list = [])
    list.push(tp)
  }
  const out: ShareGroupOffsetChange[] = []
  await Promise.all([...byLeader].map(async ([leaderId, list]) => {
    const topics = new Map<string, number[]>()
    for (const tp of list) topics.set(tp.topic, [...topics.get(tp.topic) ?? [], tp.partition])
    const conn = await cluster.connection(leaderId)
    const res = await conn.send(ListOffsets, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [...topics].map(([name, ps]) => ({ name, partitions: ps.map(partitionIndex => ({ partitionIndex, timestamp })) })),
      timeoutMs
    })
    for (const t of res.topics) {
      for (const p of t.partitions) {
        const error = responseError(p.errorCode, { api: 'ListOffsets', brokerId: leaderId, what: `partition ${t.name}-${p.partitionIndex}` })
        if (error !== null) throw error
        out.push({ topic: t.name, partition: p.partitionIndex, offset: p.offset })
      }
    }
  }))
  if (out.length !== partitions.length) throw responseError(ErrorCode.UNKNOWN_SERVER_ERROR, { api: 'ListOffsets', what: 'a partition missing from the response' })!
  return out.sort((a, b) => a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition)
}

/** Runs `kshare groups reset`. */
export const resetMain: CommandMain = async (args, io) => {
  const parsed = parseNetworkArgs(args, { to: { type: 'string' }, topic: { type: 'string', multiple: true } }, { help: GROUPS_RESET_HELP, io, positionals: true })
  if (parsed === undefined) return
  const { values, positionals, net } = parsed
  const group = singleArg(positionals, 'group id')
  const target = parseTarget(values.to)
  await traced(io, net, () => closing(new Admin(adminOptions(net)), admin =>
    closing(new Cluster(connectionOptions(net)), async cluster => {
      let partitions: TopicPartition[] = []
      if (values.topic !== undefined) {
        for (const topic of values.topic) partitions.push(...(await cluster.topic({ topic })).partitions.map(p => ({ topic, partition: p.partition })))
      } else {
        partitions = (await admin.describeShareGroupOffsets(group)).map(o => ({ topic: o.topic, partition: o.partition }))
        if (partitions.length === 0) throw new UsageError(`group ${group} has no offsets to reset; name the topics with --topic`)
      }
      const changes = typeof target === 'bigint'
        ? partitions.map(p => ({ ...p, offset: target }))
        : await listOffsets(cluster, partitions, target === 'earliest' ? EARLIEST : LATEST, net.timeoutMs)
      if (typeof target === 'bigint') {
        // The broker accepts an offset past the log end, and the group then skips every record
        // written until the log gets there: almost certainly a typo.
        const past = (await listOffsets(cluster, partitions, LATEST, net.timeoutMs)).filter(end => target > end.offset)
        if (past.length > 0) {
          throw new UsageError(`--to ${target} is past the log end of ${past.map(p => `${p.topic}-${p.partition} (${p.offset})`).join(', ')}; ` +
            'use --to latest to skip everything written so far')
        }
      }
      await admin.alterShareGroupOffsets(group, changes)
      if (net.json) {
        for (const c of changes) io.out.write(toJson({ groupId: group, ...c }) + '\n')
        return
      }
      io.out.write(`group ${group}: start offsets set\n`)
      io.out.write(table(changes.map(c => [`${c.topic}-${c.partition}`, `${c.offset}`]), '  '))
    })))
}
