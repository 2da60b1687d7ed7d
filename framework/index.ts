/**
 * kshare's job framework (Karafka-style) on share groups: routes, consumers, listeners,
 * accept/release/reject, backoff by holding, lock renewal, dead letter queues, a monitor.
 */
export { App, type AppOptions, type ShareGroupsOptions, type StopOptions } from './app.js'
export type { HttpEndpointOptions, RunOptions } from './ops/operations.js'
export type { HttpHandler, HttpRoutes } from './ops/http-server.js'
export type { MetricsRegistry } from './ops/metrics-registry.js'
export { SPAN_ATTRIBUTES } from './ops/span-attributes.js'
export { BaseConsumer, type ConsumerRoute } from './consumer/base-consumer.js'
export { Message } from './consumer/message.js'
export { deserializers, jsonDeserializer, stringDeserializer, rawDeserializer, type Deserializer } from './consumer/deserializers.js'
export { Routes, RoutesBuilder } from './routing/routes.js'
export { BaseGroup, type ConsumerClass, type GroupType, type TopicRoute } from './routing/base-group.js'
export { ShareGroup, ShareGroupBuilder, SHARE_GROUP_DEFAULTS, type ShareGroupDefaults } from './routing/share-group.js'
export {
  ShareTopic, ShareTopicBuilder, type AcknowledgementMode, type DeadLetterQueueOptions, type ShareTopicDefaults, type ShareTopicGroup
} from './routing/share-topic.js'
export type { ShareGroupKafkaSettings, ShareGroupConfigSettings, ShareConsumerKafkaSettings } from './kafka-settings.js'
export type { JobsBuilderKind, JobsBuilderSpec, CustomJobsBuilder } from './processing/jobs-builders.js'
export type { VirtualPartitionsOptions, VirtualPartitioner } from './processing/virtual-partitions.js'
export { DLQ_HEADERS } from './processing/dead-letter.js'
export {
  Monitor, type Counters, type FrameworkEvents, type FrameworkEventName, type RecordEvent, type ReleaseReason,
  type RejectReason, type ErrorSource
} from './monitor.js'
export { consoleLogger, silentLogger, type Logger, type LogLevel, type LogFields } from './logger.js'
export type { KafkaConnection } from './kafka-clients.js'
export type { KafkaClientFactory, ShareConsumerPort, ProducerPort, AdminPort, ShareRecordLike, AckResult, AckType } from './client-ports.js'
export type { Clock } from './processing/topic-runtime.js'
export {
  FrameworkError, RoutingError, UnsupportedOptionError, InvalidSettingError, GroupConfigError,
  BackoffExceedsLockDurationError, DeserializationError, ConsumerStateError, AttemptsExhaustedError,
  RejectedError, JobsBuilderError, LockLostError, AcknowledgementError, DeadLetterError, ShutdownTimeoutError,
  MissingDependencyError
} from './errors.js'
export type { ReportsOptions } from './reports/reporter.js'
export {
  REPORT_FORMAT, REPORT_LIMITS, decodeReport, type ProcessReport, type TopicCounters, type RunningJob, type HeldRecords, type ReportedError
} from './reports/report.js'
