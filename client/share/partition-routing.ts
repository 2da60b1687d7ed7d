import type { Cluster } from '../cluster.js'
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
 * Places each assigned partition with its leader. Assignments name topics by id: an id the
 * metadata does not know yet is looked up (one Metadata request for all of them); a
 * partition without a leader (election in progress) waits for the next attempt.
 */
export async function routePartitions (cluster: Cluster, assignment: Assignment): Promise<RoutedPartitions> {
  const byNode = new Map<number, TopicIdPartition[]>()
  let unresolved = 0
  const unknown = [...assignment.keys()].filter(topicId => cluster.metadata.needsRefresh({ topicId }))
  if (unknown.length > 0) await cluster.refreshMetadata(unknown.map(topicId => ({ topicId }))).catch(() => {})
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
