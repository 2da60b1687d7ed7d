/**
 * kshare's client layer. The network layer (connections, pool, metadata, routing, SASL,
 * TLS, tracing, errors) is what the share consumer, the producer and the admin client are
 * built on; most applications use those instead.
 */
export { Cluster, CoordinatorType, type ClusterOptions, type LeaderHintResponse } from './cluster.js'
export { ConnectionPool, type ConnectionPurpose, type PoolOptions, type PoolTarget } from './pool.js'
export { Connection, type SendOptions } from './connection.js'
export { CONNECTION_DEFAULTS, type ConnectionOptions, type ConnectionSettings } from './connection-options.js'
export { MetadataCache, type BrokerNode, type LeaderHint, type PartitionInfo, type TopicInfo, type TopicRef } from './metadata.js'
export { parseBrokerAddress, parseBootstrapServers, type BrokerAddress } from './address.js'
export {
  KafkaError, BrokerResponseError, responseError, ConnectionError, RequestTimeoutError, AuthenticationError,
  ConfigurationError, UnsupportedApiVersionError, type ConnectionFailure, type KafkaErrorContext
} from './errors.js'
export type { SaslOptions, SaslPlainOptions, SaslScramOptions, SaslOAuthBearerOptions, OAuthBearerToken, SaslTarget } from './sasl/types.js'
export { TRACE_CHANNELS, type RequestTrace, type WireTrace, type ConnectionTrace, type TraceBroker } from './tracing.js'
