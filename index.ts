/**
 * kshare: a pure-TypeScript Kafka client for share groups (KIP-932).
 */
export {
  ShareConsumer, DEFAULT_POLL_TIMEOUT_MS, type ShareConsumerOptions, type AcknowledgementMode, type AcquireMode, type PollOptions
} from './client/share-consumer.js'
export type { ShareRecord, RecordRef } from './client/share/share-record.js'
export type { AcknowledgeType } from './protocol/acknowledge-type.js'
export type { AcknowledgementResult } from './client/share/ack-results.js'
export type { Logger } from './client/share/logger.js'
export {
  ShareGroupsUnavailableError, WakeupError, InvalidAcknowledgementError, ShareSessionLostError, LeaderMovedError, LockExpiredError,
  NotSubscribedError, ConsumerClosedError
} from './client/share/share-errors.js'
export { InvalidTopicError } from './client/topic-name.js'
export {
  KafkaError, BrokerResponseError, ConnectionError, RequestTimeoutError, AuthenticationError, ConfigurationError,
  UnsupportedApiVersionError
} from './client/errors.js'
export {
  Producer, SendError, DeliveryTimeoutError, BufferFullError, ProducerClosedError,
  type SendInput, type SendResult, type SendFailure, type ProducerOptions, type Message, type MessageHeader
} from './client/producer.js'
export {
  Admin, AdminError, type AdminOptions, type AdminCallOptions, type ClusterDescription, type ClusterBroker, type ItemOutcome,
  type NewTopic, type CreateTopicsOptions, type CreatedTopic, type DeletedTopic, type NewPartitions, type CreatedPartitions,
  type ListGroupsOptions, type ListedGroup, type GroupType, type ShareGroupDescription, type ShareGroupMember, type DeletedGroup,
  type TopicPartitionsFilter, type ShareGroupPartitionOffset, type ShareGroupOffsetChange, type AlteredShareGroupOffset,
  type DeletedShareGroupOffsets, type ConfigEntry, type ConfigSource
} from './client/admin.js'
export { PartitionReader, type PartitionReaderOptions, type PartitionOffsets, type PartitionRead, type ReadLimits } from './client/partition-reader.js'
export { TRACE_CHANNELS, type RequestTrace, type WireTrace, type ConnectionTrace, type TraceBroker } from './client/tracing.js'
export type { ClusterOptions } from './client/cluster.js'
export type { PoolOptions } from './client/pool.js'
export type { ConnectionSettings } from './client/connection-options.js'
export type { SaslOptions, SaslPlainOptions, SaslScramOptions, SaslOAuthBearerOptions, OAuthBearerToken, SaslTarget } from './client/sasl/types.js'
export { App, BaseConsumer, type AppOptions } from './framework/index.js'
