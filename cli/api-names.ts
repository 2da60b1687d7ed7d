import { API_BY_KEY } from '../protocol/index.js'

/**
 * APIs Kafka 4 removed (their schemas say validVersions "none"), so no declaration names them;
 * an old peer may still send them. Every other key is named by its declaration (hand-written
 * or generated from Kafka's schemas).
 */
const REMOVED: Readonly<Record<number, string>> = { 4: 'LeaderAndIsr', 5: 'StopReplica', 6: 'UpdateMetadata', 7: 'ControlledShutdown' }

/** The APIs a share-group client uses (KIP-932): heartbeat, describe, fetch, acknowledge, offsets admin. */
export const SHARE_GROUP_API_KEYS: ReadonlySet<number> = new Set([76, 77, 78, 79, 90, 91, 92])

/** Kafka's name of an API key, or `ApiKey <n>` for a key newer than Kafka 4.4. */
export function kafkaApiName (key: number): string {
  return API_BY_KEY.get(key)?.name ?? REMOVED[key] ?? `ApiKey ${key}`
}
