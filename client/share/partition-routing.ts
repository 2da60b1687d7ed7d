import type { Cluster } from '../cluster.js'
import type { MetadataCache } from '../metadata.js'
import type { TopicIdPartition } from './ack-outbox.js'
import type { Assignment } from './share-membership.js'

/** The assigned partitions grouped by leader, and how many could not be placed yet. */
export interface RoutedPartitions {
  /** Partitions by leader node id. */
  byNode: Map<number, TopicIdPartition[]>
  /** Assigned partitions whose topic id or leader is not known yet (retry later). */
  unresolved: number
}

/**
 * The topic ids of `assignment` whose metadata must be fetched before every assigned
 * partition can be placed: topics not known or marked stale, topics that lack an assigned
 * partition (the broker assigns a partition added by CreatePartitions before this client's
 * metadata has it, and nothing else would refresh a topic whose other partitions work), and
 * topics with an assigned partition that had no leader (an election may have ended since).
 */
export function topicsToRefresh (metadata: MetadataCache, assignment: Assignment): string[] {
  return [...assignment].filter(([topicId, partitions]) => {
    const ref = { topicId }
    return metadata.needsRefresh(ref) || partitions.some(p => (metadata.partition(ref, p)?.leaderId ?? -1) < 0)
  }).map(([topicId]) => topicId)
}

/**
 * Places each assigned partition with its leader. Assignments name topics by id: topics
 * {@link topicsToRefresh} names are looked up first (one Metadata request for all of them);
 * a partition still without a leader (election in progress) or not yet in the metadata
 * waits for the next attempt.
 */
export async function routePartitions (cluster: Cluster, assignment: Assignment): Promise<RoutedPartitions> {
  const byNode = new Map<number, TopicIdPartition[]>()
  let unresolved = 0
  const refresh = topicsToRefresh(cluster.metadata, assignment)
  if (refresh.length > 0) await cluster.refreshMetadata(refresh.map(topicId => ({ topicId }))).catch(() => {})
  for (const [topicId, partitions] of assignment) {
    const topic = cluster.metadata.topic({ topicId })
    for (const partition of partitions) {
      const leaderId = topic?.partitions[partition]?.leaderId ?? -1
      if (topic === undefined || leaderId < 0) {
        unresolved++
        continue
      }
      let list = byNode.get(leaderId)
      if (list === undefined) byNode.set(leaderId, list = [])
      list.push({ topicId, topic: topic.name, partition })
    }
  }
  return { byNode, unresolved }
}
