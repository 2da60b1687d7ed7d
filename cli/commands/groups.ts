import type { Admin } from '../../client/admin.js'
import { BrokerResponseError } from '../../client/errors.js'
import { ErrorCode } from '../../protocol/index.js'
import { singleArg, subcommand, type CommandMain } from '../command.js'
import { UsageError } from '../errors.js'
import { keyValue, NETWORK_HELP, parseNetworkArgs, withAdmin } from '../network.js'
import { toJson } from '../output.js'
import { table } from '../table.js'
import { resetMain } from './groups-reset.js'

/** Help text of `kshare groups`. */
export const GROUPS_HELP = `Usage: kshare groups <list|describe|offsets|reset|config|delete> [options]

  kshare groups list [--type share]
  kshare groups describe G
  kshare groups offsets G
  kshare groups reset G --to earliest|latest|OFFSET [--topic T]
  kshare groups config G [--set KEY=VALUE ...] [--delete KEY ...]
  kshare groups delete G

Run 'kshare groups <subcommand> --help' for details.
`

/** Help text of `kshare groups list`. */
export const GROUPS_LIST_HELP = `Usage: kshare groups list [--type TYPE] [options]

Lists the groups of every broker (ListGroups): id, type, state.

Options:
  --type TYPE      only groups of this type: share, consumer, classic, streams (repeatable)
${NETWORK_HELP}`

/** Help text of `kshare groups describe`. */
export const GROUPS_DESCRIBE_HELP = `Usage: kshare groups describe G [options]

Describes share group G (ShareGroupDescribe): state, group and assignment epochs, the
assignor, and each member with its client id, host, subscription and assigned partitions.
A group that does not exist (or is not a share group) fails with GROUP_ID_NOT_FOUND.
${NETWORK_HELP}`

/** Help text of `kshare groups offsets`. */
export const GROUPS_OFFSETS_HELP = `Usage: kshare groups offsets G [options]

Prints share group G's position per partition it has state for
(DescribeShareGroupOffsets): the start offset (everything below it is acknowledged or
archived) and the lag (records not yet acknowledged; '-' when the broker cannot tell).
A group that does not exist fails with GROUP_ID_NOT_FOUND.
${NETWORK_HELP}`

/** Help text of `kshare groups config`. */
export const GROUPS_CONFIG_HELP = `Usage: kshare groups config G [--set KEY=VALUE ...] [--delete KEY ...] [options]

Changes group G's configs (IncrementalAlterConfigs; waits until every broker applied
them), then prints all its configs (DescribeConfigs) with where each value comes from;
values set on the group are marked with *. Without --set/--delete it only prints.
Share-group configs: share.auto.offset.reset, share.record.lock.duration.ms,
share.isolation.level, share.heartbeat.interval.ms, share.session.timeout.ms, ...

Options:
  --set KEY=VALUE  set a config on the group (repeatable)
  --delete KEY     remove a config from the group, back to the broker default (repeatable)
${NETWORK_HELP}`

/** Help text of `kshare groups delete`. */
export const GROUPS_DELETE_HELP = `Usage: kshare groups delete G [options]

Deletes group G (DeleteGroups) with its offsets and configs. A share group must be empty
(no members): otherwise it fails with NON_EMPTY_GROUP.
${NETWORK_HELP}`

/** A subcommand on one group with no options of its own. */
function onGroup (help: string, run: (admin: Admin, group: string, json: boolean, out: NodeJS.WritableStream) => Promise<void>): CommandMain {
  return async (args, io) => {
    const parsed = parseNetworkArgs(args, {}, { help, io, positionals: true })
    if (parsed === undefined) return
    const { positionals, net } = parsed
    const group = singleArg(positionals, 'group id')
    await withAdmin(io, net, admin => run(admin, group, net.json, io.out))
  }
}

const nullable = (v: bigint | null): string => v === null ? '-' : `${v}`

/**
 * Members of share group `group`: null when no member ever joined it (GROUP_ID_NOT_FOUND),
 * undefined when the broker would not say (another error: the configs were printed anyway).
 */
async function memberCount (admin: Admin, group: string): Promise<number | null | undefined> {
  try {
    return (await admin.describeShareGroup(group)).members.length
  } catch (e) {
    if (!(e instanceof BrokerResponseError)) throw e
    return e.code === ErrorCode.GROUP_ID_NOT_FOUND ? null : undefined
  }
}

const SUBCOMMANDS: Record<string, CommandMain> = {
  list: async (args, io) => {
    const parsed = parseNetworkArgs(args, { type: { type: 'string', multiple: true } }, { help: GROUPS_LIST_HELP, io })
    if (parsed === undefined) return
    const { values, net } = parsed
    await withAdmin(io, net, async admin => {
      const groups = await admin.listGroups(values.type !== undefined ? { types: values.type } : {})
      if (net.json) for (const g of groups) io.out.write(toJson(g) + '\n')
      else io.out.write(table(groups.map(g => [g.groupId, g.type, g.state])))
    })
  },
  describe: onGroup(GROUPS_DESCRIBE_HELP, async (admin, group, json, out) => {
    const d = await admin.describeShareGroup(group)
    if (json) {
      out.write(toJson(d) + '\n')
      return
    }
    out.write(`group ${d.groupId}: ${d.state}, group epoch ${d.groupEpoch}, assignment epoch ${d.assignmentEpoch}, assignor ${d.assignor}, ${d.members.length} member${d.members.length === 1 ? '' : 's'}\n`)
    for (const m of d.members) {
      out.write(`  member ${m.memberId} epoch ${m.memberEpoch} client ${m.clientId} host ${m.clientHost}${m.rackId !== null ? ` rack ${m.rackId}` : ''}\n`)
      out.write(`    subscribed: ${m.subscribedTopics.join(', ')}\n`)
      out.write(`    assigned: ${m.assignment.length === 0 ? '-' : m.assignment.map(a => `${a.topic} [${a.partitions.join(',')}]`).join(', ')}\n`)
    }
  }),
  offsets: onGroup(GROUPS_OFFSETS_HELP, async (admin, group, json, out) => {
    const offsets = await admin.describeShareGroupOffsets(group)
    // The broker answers an unknown group with no partitions, not an error: ask whether it
    // exists, so a typo fails with GROUP_ID_NOT_FOUND as `groups describe` does.
    if (offsets.length === 0) await admin.describeShareGroup(group)
    if (json) {
      for (const o of offsets) out.write(toJson({ ...o, error: o.error?.message ?? null }) + '\n')
      return
    }
    out.write(table([
      ['topic', 'partition', 'start offset', 'lag', ''],
      ...offsets.map(o => [o.topic, `${o.partition}`, nullable(o.startOffset), nullable(o.lag), o.error !== null ? o.error.message : ''])
    ]))
  }),
  reset: resetMain,
  config: async (args, io) => {
    const parsed = parseNetworkArgs(args, { set: { type: 'string', multiple: true }, delete: { type: 'string', multiple: true } }, { help: GROUPS_CONFIG_HELP, io, positionals: true })
    if (parsed === undefined) return
    const { values, positionals, net } = parsed
    const group = singleArg(positionals, 'group id')
    const changes: Record<string, string | null> = Object.fromEntries((values.set ?? []).map(s => keyValue(s, '--set')))
    for (const key of values.delete ?? []) {
      if (Object.hasOwn(changes, key)) throw new UsageError(`${key} is both set and deleted`)
      changes[key] = null
    }
    await withAdmin(io, net, async admin => {
      if (Object.keys(changes).length > 0) await admin.alterGroupConfigs(group, changes)
      const configs = Object.entries(await admin.describeGroupConfigs(group)).sort(([a], [b]) => a < b ? -1 : 1)
      if (net.json) {
        for (const [name, c] of configs) io.out.write(toJson({ name, ...c }) + '\n')
        return
      }
      io.out.write(table(configs.map(([name, c]) => [c.source === 'GROUP_CONFIG' ? '*' : '', name, c.value ?? 'null', c.source])))
      // Configs may rightly be set before the group exists; say so, they are not a typo's.
      const members = await memberCount(admin, group)
      if (members === 0 || members === null) io.err.write(`kshare groups config: group ${group} has no members yet${members === null ? ' (no member has joined it)' : ''}\n`)
    })
  },
  delete: onGroup(GROUPS_DELETE_HELP, async (admin, group, json, out) => {
    await admin.deleteGroups([group])
    out.write(json ? toJson({ groupId: group, deleted: true }) + '\n' : `deleted group ${group}\n`)
  })
}

/** Runs `kshare groups`. */
export const groupsMain: CommandMain = async (args, io, ctx) => {
  await subcommand('groups', SUBCOMMANDS, GROUPS_HELP, args, io, ctx)
}
