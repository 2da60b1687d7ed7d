import { ShareFetch } from '../../protocol/messages/share-fetch.js'
import { ShareGroupHeartbeat } from '../../protocol/messages/share-group-heartbeat.js'
import type { Connection } from '../connection.js'
import { ShareGroupsUnavailableError } from './share-errors.js'

/**
 * Throws {@link ShareGroupsUnavailableError} unless the broker behind `conn` can serve share
 * groups: it must speak ShareGroupHeartbeat v1 and ShareFetch v1+ (Kafka 4.1+; 4.0 had only
 * the incompatible early-access v0) and report the `share.version` feature at 1 or more.
 */
export function assertShareGroups (conn: Pick<Connection, 'supports' | 'finalizedFeatures' | 'nodeId'>): void {
  const brokerId = conn.nodeId >= 0 ? conn.nodeId : undefined
  if (!conn.supports(ShareGroupHeartbeat) || !conn.supports(ShareFetch)) {
    throw new ShareGroupsUnavailableError('the broker does not offer ShareGroupHeartbeat v1 / ShareFetch v1+ in ApiVersions', { brokerId })
  }
  const level = conn.finalizedFeatures.get('share.version') ?? 0
  if (level < 1) throw new ShareGroupsUnavailableError(`the cluster's share.version feature is ${level}`, { brokerId })
}
