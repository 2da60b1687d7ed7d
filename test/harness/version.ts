import { BrokerHarnessError } from './errors.js'

/**
 * The Kafka release the harness runs unless `KAFKA_VERSION` says otherwise. The newest 4.x on
 * Maven Central; `docker-compose.yml` defaults to the same tag (a unit test checks that).
 */
export const DEFAULT_KAFKA_VERSION = '4.4.0'

/** Oldest release line the harness accepts: share groups went GA in 4.2 with the v1+ RPCs. */
export const MIN_KAFKA_VERSION = '4.2.0'

/** A parsed `major.minor.patch` version. */
export interface KafkaVersion {
  /** As given, e.g. `4.2.1`. */
  readonly text: string
  readonly major: number
  readonly minor: number
  readonly patch: number
}

/**
 * The version to use: `KAFKA_VERSION` when set and not empty, else {@link DEFAULT_KAFKA_VERSION}.
 * @param env environment to read (tests pass their own)
 */
export function requestedKafkaVersion (env: NodeJS.ProcessEnv = process.env): string {
  const v = env.KAFKA_VERSION?.trim()
  return v === undefined || v === '' ? DEFAULT_KAFKA_VERSION : v
}

/**
 * Checks that `text` names a release the harness can run, or throws a one-line
 * {@link BrokerHarnessError}. It does not check that the release exists: Maven does that.
 * 4.0 and 4.1 are refused because their share-group RPCs (v0, early access / preview) are not
 * wire-compatible with the v1+ versions kshare speaks.
 */
export function validateKafkaVersion (text: string): KafkaVersion {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(text)
  if (m === null) {
    throw new BrokerHarnessError('UNSUPPORTED_VERSION',
      `KAFKA_VERSION=${JSON.stringify(text)} is not a Kafka release number like ${DEFAULT_KAFKA_VERSION}`)
  }
  const v: KafkaVersion = { text, major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) }
  if (v.major < 4) {
    throw new BrokerHarnessError('UNSUPPORTED_VERSION',
      `Kafka ${text} has no share groups (KIP-932 needs Kafka 4.2 or newer); use ${DEFAULT_KAFKA_VERSION}`)
  }
  if (v.major === 4 && v.minor < 2) {
    throw new BrokerHarnessError('UNSUPPORTED_VERSION',
      `Kafka ${text} is not supported: 4.0/4.1 speak older, incompatible share-group RPC versions; use 4.2.1 or newer (default ${DEFAULT_KAFKA_VERSION})`)
  }
  return v
}
