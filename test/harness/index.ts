/**
 * The kshare test harness: a real Apache Kafka 4 broker for tests, the demo and benchmarks.
 *
 * - Integration tests: `testBootstrap()` (the shared broker that `npm test` starts).
 * - Tests that stop/restart brokers: `startPrivateBroker()` / `stopBroker()`, plus
 *   `stopNode()` / `restartNode()` for one node of a cluster.
 * - Kafka's own tools: `kafkaToolCommand()` / `runKafkaTool()`.
 */
export type { BrokerHandle, BrokerMode, BrokerNodeInfo, SecureListeners, StartTimings } from './broker-types.js'
export { startBroker, startPrivateBroker, stopBroker, type StartBrokerOptions } from './broker.js'
export { BrokerHarnessError, type BrokerHarnessErrorCode } from './errors.js'
export {
  kafkaLibDir, kafkaToolClass, kafkaToolCommand, resolveKafkaJars, runKafkaTool,
  type KafkaJars, type KafkaToolName, type ToolCommand, type ToolResult
} from './jars.js'
export { DEFAULT_BROKER_PORT, restartNode, stopNode, type LocalBrokerOptions, type StopOptions } from './local-broker.js'
export {
  finalizedFeatureLevel, parseBootstrap, parseHostPort, probeApiVersions, requestOnce, tcpProbe,
  type ApiVersionsBody, type HostPort, type ProbeTimeouts
} from './probe.js'
export { ensureSharedBroker, releaseSharedBroker, sharedBrokerCount, stopSharedBroker, testBootstrap, testBroker, type SharedBroker, type SharedBrokerOptions } from './shared.js'
export { SCRAM_PASSWORD, SCRAM_USERNAME } from './tls.js'
export { DEFAULT_KAFKA_VERSION, requestedKafkaVersion, validateKafkaVersion, type KafkaVersion } from './version.js'
