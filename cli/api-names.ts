/**
 * Kafka's name of every API key (Kafka 4.4, `ApiMessageType`), index = key. `kshare
 * api-versions` lists what a broker advertises, most of which kshare does not declare.
 */
const NAMES: readonly string[] = [
  'Produce', 'Fetch', 'ListOffsets', 'Metadata', 'LeaderAndIsr', 'StopReplica', 'UpdateMetadata',
  'ControlledShutdown', 'OffsetCommit', 'OffsetFetch', 'FindCoordinator', 'JoinGroup', 'Heartbeat',
  'LeaveGroup', 'SyncGroup', 'DescribeGroups', 'ListGroups', 'SaslHandshake', 'ApiVersions', 'CreateTopics',
  'DeleteTopics', 'DeleteRecords', 'InitProducerId', 'OffsetForLeaderEpoch', 'AddPartitionsToTxn',
  'AddOffsetsToTxn', 'EndTxn', 'WriteTxnMarkers', 'TxnOffsetCommit', 'DescribeAcls', 'CreateAcls',
  'DeleteAcls', 'DescribeConfigs', 'AlterConfigs', 'AlterReplicaLogDirs', 'DescribeLogDirs',
  'SaslAuthenticate', 'CreatePartitions', 'CreateDelegationToken', 'RenewDelegationToken',
  'ExpireDelegationToken', 'DescribeDelegationToken', 'DeleteGroups', 'ElectLeaders',
  'IncrementalAlterConfigs', 'AlterPartitionReassignments', 'ListPartitionReassignments', 'OffsetDelete',
  'DescribeClientQuotas', 'AlterClientQuotas', 'DescribeUserScramCredentials', 'AlterUserScramCredentials',
  'Vote', 'BeginQuorumEpoch', 'EndQuorumEpoch', 'DescribeQuorum', 'AlterPartition', 'UpdateFeatures',
  'Envelope', 'FetchSnapshot', 'DescribeCluster', 'DescribeProducers', 'BrokerRegistration',
  'BrokerHeartbeat', 'UnregisterBroker', 'DescribeTransactions', 'ListTransactions', 'AllocateProducerIds',
  'ConsumerGroupHeartbeat', 'ConsumerGroupDescribe', 'ControllerRegistration', 'GetTelemetrySubscriptions',
  'PushTelemetry', 'AssignReplicasToDirs', 'ListConfigResources', 'DescribeTopicPartitions',
  'ShareGroupHeartbeat', 'ShareGroupDescribe', 'ShareFetch', 'ShareAcknowledge', 'AddRaftVoter',
  'RemoveRaftVoter', 'UpdateRaftVoter', 'InitializeShareGroupState', 'ReadShareGroupState',
  'WriteShareGroupState', 'DeleteShareGroupState', 'ReadShareGroupStateSummary', 'StreamsGroupHeartbeat',
  'StreamsGroupDescribe', 'DescribeShareGroupOffsets', 'AlterShareGroupOffsets', 'DeleteShareGroupOffsets',
  'StreamsGroupTopologyDescriptionUpdate', 'UnregisterController'
]

/** The APIs a share-group client uses (KIP-932): heartbeat, describe, fetch, acknowledge, offsets admin. */
export const SHARE_GROUP_API_KEYS: ReadonlySet<number> = new Set([76, 77, 78, 79, 90, 91, 92])

/** Kafka's name of an API key, or `ApiKey <n>` for a key newer than this table. */
export function kafkaApiName (key: number): string {
  return NAMES[key] ?? `ApiKey ${key}`
}
