import { Cluster } from '../../client/cluster.js'
import { singleArg, subcommand, type CommandMain } from '../command.js'
import { UsageError } from '../errors.js'
import { closing, connectionOptions, intOption, keyValue, NETWORK_HELP, parseNetworkArgs, withAdmin } from '../network.js'
import { toJson } from '../output.js'
import { table } from '../table.js'
import { traced } from '../trace.js'
import { fetchMetadata } from './metadata.js'

/** Help text of `kshare topics`. */
export const TOPICS_HELP = `Usage: kshare topics <create|delete|list> [options]

  kshare topics create NAME [--partitions N] [--replication-factor R] [--config k=v ...] [--if-not-exists]
  kshare topics delete NAME...
  kshare topics list [--internal]

Run 'kshare topics <subcommand> --help' for details.
`

/** Help text of `kshare topics create`. */
export const TOPICS_CREATE_HELP = `Usage: kshare topics create NAME [options]

Creates a topic (CreateTopics) and waits until every partition has a leader.

Options:
  --partitions N            partitions (default: the broker's num.partitions)
  --replication-factor R    replicas per partition (default: the broker's default.replication.factor)
  --config KEY=VALUE        a topic config, e.g. cleanup.policy=compact (repeatable)
  --if-not-exists           an existing topic is not an error
${NETWORK_HELP}`

/** Help text of `kshare topics delete`. */
export const TOPICS_DELETE_HELP = `Usage: kshare topics delete NAME... [options]

Deletes topics (DeleteTopics). An unknown topic fails with UNKNOWN_TOPIC_OR_PARTITION.
${NETWORK_HELP}`

/** Help text of `kshare topics list`. */
export const TOPICS_LIST_HELP = `Usage: kshare topics list [--internal] [options]

Lists topics (Metadata for all topics): name, id, partition count.

Options:
  --internal       include internal topics (__consumer_offsets, __share_group_state, ...)
${NETWORK_HELP}`

const SUBCOMMANDS: Record<string, CommandMain> = {
  create: async (args, io) => {
    const parsed = parseNetworkArgs(args, {
      partitions: { type: 'string' },
      'replication-factor': { type: 'string' },
      config: { type: 'string', multiple: true },
      'if-not-exists': { type: 'boolean', default: false }
    }, { help: TOPICS_CREATE_HELP, io, positionals: true })
    if (parsed === undefined) return
    const { values, positionals, net } = parsed
    const name = singleArg(positionals, 'topic name')
    const topic = {
      name,
      partitions: values.partitions === undefined ? undefined : intOption(values.partitions, '--partitions', 1),
      replicationFactor: values['replication-factor'] === undefined ? undefined : intOption(values['replication-factor'], '--replication-factor', 1),
      configs: Object.fromEntries((values.config ?? []).map(c => keyValue(c, '--config')))
    }
    await withAdmin(io, net, async admin => {
      const [created] = await admin.createTopics([topic], { ifNotExists: values['if-not-exists'] })
      const c = created!
      io.out.write(net.json
        ? toJson({ name: c.name, topicId: c.topicId, partitions: c.partitions, replicationFactor: c.replicationFactor, created: c.created }) + '\n'
        : `${c.created ? 'created' : 'exists already:'} topic ${c.name} (id ${c.topicId}, ${c.partitions} partitions, replication factor ${c.replicationFactor})\n`)
    })
  },
  delete: async (args, io) => {
    const parsed = parseNetworkArgs(args, {}, { help: TOPICS_DELETE_HELP, io, positionals: true })
    if (parsed === undefined) return
    const { positionals, net } = parsed
    if (positionals.length === 0) throw new UsageError('give the names of the topics to delete')
    await withAdmin(io, net, async admin => {
      for (const d of await admin.deleteTopics(positionals)) {
        io.out.write(net.json ? toJson({ name: d.name, topicId: d.topicId, deleted: true }) + '\n' : `deleted topic ${d.name} (id ${d.topicId})\n`)
      }
    })
  },
  list: async (args, io) => {
    const parsed = parseNetworkArgs(args, { internal: { type: 'boolean', default: false } }, { help: TOPICS_LIST_HELP, io })
    if (parsed === undefined) return
    const { values, net } = parsed
    await traced(io, net, () => closing(new Cluster(connectionOptions(net)), async cluster => {
      const topics = (await fetchMetadata(cluster, null)).topics.filter(t => values.internal || !t.isInternal)
      if (net.json) {
        for (const t of topics) io.out.write(toJson({ name: t.name, topicId: t.topicId, partitions: t.partitions.length, internal: t.isInternal }) + '\n')
        return
      }
      io.out.write(table(topics.map(t => [t.name ?? '?', t.topicId, `${t.partitions.length} partition${t.partitions.length === 1 ? '' : 's'}`])))
    }))
  }
}

/** Runs `kshare topics`. */
export const topicsMain: CommandMain = async (args, io, ctx) => {
  await subcommand('topics', SUBCOMMANDS, TOPICS_HELP, args, io, ctx)
}
