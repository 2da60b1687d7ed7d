import type { AdminPort } from './client-ports.js'
import { GroupConfigError } from './errors.js'
import { GROUP_CONFIGS_SINCE_4_3 } from './kafka-settings.js'
import type { Logger } from './logger.js'
import type { Monitor } from './monitor.js'
import type { ShareGroup } from './routing/share-group.js'

/** What the framework learnt about a share group's broker-side configuration at start. */
export interface GroupFacts {
  /** Whether locks may be renewed: the App allows it and the group does not disable it. */
  renew: boolean
  /** The group's lock duration, ms, when the broker told us. */
  lockDurationMs: number | undefined
  /** Deliveries before the broker archives a record, when known. */
  deliveryCountLimit: number | undefined
  /** The group has the broker's own dead letter queue (KIP-1191): we must not write dead letters too. */
  brokerDeadLetterQueue: boolean
}

/** How to set up groups. */
export interface GroupSetupOptions {
  /** The App allows lock renewal. */
  renew: boolean
  /** `fail` (default): a refused group config stops the start; `warn`: it is logged and reported, and the App runs. */
  onGroupConfigRefused: 'fail' | 'warn'
}

/**
 * Reads a share group's configuration, applies the group configs its routes set (only those:
 * an operator's other settings survive), and checks the routes against it. Kafka 4.3 made
 * `share.delivery.count.limit` and `share.renew.acknowledge.enable` group configs; a 4.2 broker
 * does not list them, and there the broker-level values apply.
 */
export async function setUpGroup (admin: AdminPort, group: ShareGroup, options: GroupSetupOptions, logger: Logger, monitor: Monitor): Promise<GroupFacts> {
  const refused = (message: string, cause?: unknown): void => {
    const error = new GroupConfigError(group.id, message, cause)
    if (options.onGroupConfigRefused === 'fail') throw error
    logger.warn(error.message, { groupId: group.id })
    monitor.emit('error.occurred', { source: 'group.config', error, groupId: group.id })
  }
  let current: Record<string, string | null> = {}
  try {
    current = await admin.describeGroupConfigs(group.id)
  } catch (err) {
    refused(`cannot read the configs of share group ${group.id}: ${errorText(err)}`, err)
  }
  const since43 = 'share.delivery.count.limit' in current
  const apply = { ...group.groupConfigs }
  if (!since43 && Object.keys(current).length > 0) {
    for (const name of GROUP_CONFIGS_SINCE_4_3.filter((n) => n in apply)) {
      delete apply[name]
      refused(`${name} is a group config from Kafka 4.3 on; this broker is older, so its broker-level setting (group.${name}, where one exists) applies instead`)
    }
  }
  let applied: Record<string, string> = {}
  if (Object.keys(apply).length > 0) {
    try {
      await admin.alterGroupConfigs(group.id, apply)
      applied = apply
      logger.info(`applied group configs to share group ${group.id}`, { configs: apply })
    } catch (err) {
      refused(`the broker refused the group configs ${JSON.stringify(apply)} of share group ${group.id}: ${errorText(err)}`, err)
    }
  }
  const effective = { ...current, ...applied }
  const facts: GroupFacts = {
    renew: options.renew && (!since43 || effective['share.renew.acknowledge.enable'] !== 'false'),
    lockDurationMs: int(effective['share.record.lock.duration.ms']),
    deliveryCountLimit: since43 ? int(effective['share.delivery.count.limit']) : int(await admin.describeBrokerConfig?.('group.share.delivery.count.limit')),
    brokerDeadLetterQueue: (effective['errors.deadletterqueue.topic.name'] ?? '') !== ''
  }
  checkMaxAttempts(group, facts)
  monitor.emit('group.configured', { groupId: group.id, applied, ...facts })
  return facts
}

// A record reaching the delivery count limit is archived by the broker before we could
// dead-letter it, so maxAttempts must stay below the limit.
function checkMaxAttempts (group: ShareGroup, facts: GroupFacts): void {
  if (facts.brokerDeadLetterQueue) return
  const limit = facts.deliveryCountLimit ?? 5 // Kafka's default when the broker does not say
  for (const topic of group.topics) {
    const max = topic.deadLetterQueue?.maxAttempts
    if (max !== undefined && max >= limit) {
      throw new GroupConfigError(group.id, `topic ${topic.name}: deadLetterQueue.maxAttempts (${max}) must be below the delivery count limit (${limit}) of share group ${group.id}, else the broker archives records before they can be dead-lettered`)
    }
  }
}

function int (value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || value === '') return undefined
  const n = Number(value)
  return Number.isInteger(n) ? n : undefined
}

function errorText (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
