/**
 * What went wrong while getting a broker, as a machine-readable kind. Tests assert on it; the
 * CLI only prints the message.
 */
export type BrokerHarnessErrorCode =
  | 'UNSUPPORTED_VERSION' // 4.0/4.1, or not a version string at all
  | 'UNKNOWN_VERSION' // well-formed but not on Maven Central
  | 'NO_JAVA'
  | 'NO_MAVEN'
  | 'RESOLVE_FAILED' // mvn failed for another reason (network, repository)
  | 'FORMAT_FAILED' // kafka.tools.StorageTool format failed
  | 'BROKER_EXITED' // the JVM died before the broker answered
  | 'START_TIMEOUT'
  | 'PORT_IN_USE'
  | 'VERSION_MISMATCH' // a shared broker runs, but not the version asked for
  | 'NO_BROKER' // a test asked for the broker and none is available
  | 'DOCKER_FAILED'
  | 'PROBE_FAILED' // the port answers but ApiVersions fails
  | 'LOCKED' // another process holds the shared-broker lock for too long
  | 'BAD_OPTIONS'

/**
 * The one error type the harness throws. `message` is written to be printed as-is: its first
 * line says what failed and what to do; a broker that died adds the tail of its log below.
 */
export class BrokerHarnessError extends Error {
  override readonly name = 'BrokerHarnessError'

  /**
   * @param code kind of failure, for programs
   * @param message human-readable, first line self-sufficient
   * @param logTail last lines of the broker log, when a broker was involved
   */
  constructor (readonly code: BrokerHarnessErrorCode, message: string, readonly logTail?: string) {
    super(logTail === undefined || logTail === '' ? message : `${message}\n--- tail of the broker log ---\n${logTail}`)
  }
}
