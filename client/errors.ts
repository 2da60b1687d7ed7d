import { errorCodeInfo } from '../protocol/error-codes.js'

/**
 * The client's typed errors. Every error the client layer raises extends {@link KafkaError},
 * so callers decide with `err instanceof KafkaError && err.retriable` whether trying again
 * can help, and learn which broker and API failed. Messages say what to do.
 *
 * Decoding failures inside the codec are `KafkaProtocolError` (protocol layer); a connection
 * that receives bytes it cannot decode closes with a {@link ConnectionError} of reason
 * `protocol` whose `cause` is that error.
 */

/** Where an error happened: the broker and API involved, and the underlying error. */
export interface KafkaErrorContext {
  /** Node id of the broker involved, when known (bootstrap connections have none). */
  brokerId?: number
  /** Kafka name of the API that failed, e.g. `ShareFetch`. */
  api?: string
  /** The error that caused this one. */
  cause?: unknown
}

/** Base class of every client error. */
export class KafkaError extends Error {
  override name = 'KafkaError'
  /** True when the same operation may succeed if tried again (after a metadata refresh, a reconnect, a wait). */
  readonly retriable: boolean
  /** Node id of the broker involved, when known. */
  brokerId: number | undefined
  /** Kafka name of the API that failed, when one was involved. */
  api: string | undefined

  /**
   * @param message what happened and what to do
   * @param retriable see {@link KafkaError.retriable}
   * @param context broker, API, cause
   */
  constructor (message: string, retriable: boolean, context: KafkaErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause })
    this.retriable = retriable
    this.brokerId = context.brokerId
    this.api = context.api
  }
}

/**
 * A broker answered with a non-zero error code (top-level, per partition, per group...).
 * `retriable` comes from Kafka's error table; `errorName` is Kafka's name, e.g.
 * `NOT_LEADER_OR_FOLLOWER`. Build one with {@link responseError}.
 */
export class BrokerResponseError extends KafkaError {
  override name = 'BrokerResponseError'

  /**
   * @param message what happened and what to do
   * @param code Kafka error code
   * @param errorName Kafka's name for the code
   * @param retriable from Kafka's error table
   * @param brokerMessage the error message the broker sent with the code, if any
   * @param context broker id, API
   */
  constructor (message: string, readonly code: number, readonly errorName: string, retriable: boolean, readonly brokerMessage: string | null, context: KafkaErrorContext = {}) {
    super(message, retriable, context)
  }
}

/**
 * The error for a response's error code, or `null` for 0 (NONE). `brokerMessage` is the
 * `errorMessage` field some responses carry; `what` names the subject (`partition jobs-0`).
 */
export function responseError (code: number, context: KafkaErrorContext & { brokerMessage?: string | null, what?: string } = {}): BrokerResponseError | null {
  if (code === 0) return null
  const info = errorCodeInfo(code)
  const where = [context.api, context.brokerId !== undefined ? `broker ${context.brokerId}` : undefined, context.what].filter(Boolean).join(', ')
  const detail = context.brokerMessage !== undefined && context.brokerMessage !== null && context.brokerMessage !== '' ? ` Broker says: ${context.brokerMessage}` : ''
  return new BrokerResponseError(`${info.name} (${code})${where !== '' ? ` from ${where}` : ''}: ${info.message}${detail}${info.retriable ? ' (retriable)' : ''}`,
    code, info.name, info.retriable, context.brokerMessage ?? null, context)
}

/**
 * The broker and kshare share no version of an API: the broker lacks it (share groups on a
 * broker before 4.1) or speaks only versions kshare does not. Not retriable against this
 * broker. `cause` is the protocol layer's `UnsupportedVersionError`.
 */
export class UnsupportedApiVersionError extends KafkaError {
  override name = 'UnsupportedApiVersionError'

  /**
   * @param message what is missing and what to do
   * @param ours versions kshare speaks, [min, max]
   * @param broker versions the broker advertises, or null when it does not offer the API
   * @param context broker id, API, cause
   */
  constructor (message: string, readonly ours: readonly [min: number, max: number], readonly broker: readonly [min: number, max: number] | null, context: KafkaErrorContext = {}) {
    super(message, false, context)
  }
}

/** Why a connection failed or ended. */
export type ConnectionFailure =
  /** Nothing listens on the port (ECONNREFUSED). */
  | 'refused'
  /** The host name does not resolve or the network is unreachable. */
  | 'unreachable'
  /** The TCP (and TLS) connection was not up within `connectTimeoutMs`. */
  | 'timeout'
  /** The peer reset or closed the connection. */
  | 'reset'
  /** We closed it (`close()`), or it was closed before the request could be sent. */
  | 'closed'
  /** The TLS handshake failed (certificate not trusted, wrong name, not a TLS peer). */
  | 'tls'
  /** The peer sent bytes that are not Kafka frames (bad size prefix, unknown correlation id, undecodable body). */
  | 'protocol'

/**
 * A connection could not be opened or was lost; requests in flight on it fail with this.
 * Retriable (a reconnect may work) except for TLS failures, which need a configuration change.
 */
export class ConnectionError extends KafkaError {
  override name = 'ConnectionError'

  /**
   * @param message what happened and what to do
   * @param reason see {@link ConnectionFailure}
   * @param host broker host
   * @param port broker port
   * @param context broker id, API, cause
   */
  constructor (message: string, readonly reason: ConnectionFailure, readonly host: string, readonly port: number, context: KafkaErrorContext = {}) {
    super(message, reason !== 'tls', context)
  }
}

/** A request got no response within its timeout. The connection stays usable. Retriable. */
export class RequestTimeoutError extends KafkaError {
  override name = 'RequestTimeoutError'

  /**
   * @param message what happened and what to do
   * @param timeoutMs the timeout that ran out
   * @param correlationId correlation id of the request (its late response is discarded), or -1 if it was never sent
   * @param context broker id, API
   */
  constructor (message: string, readonly timeoutMs: number, readonly correlationId: number, context: KafkaErrorContext = {}) {
    super(message, true, context)
  }
}

/**
 * SASL authentication failed: wrong credentials, a mechanism the broker does not enable, a
 * server signature that does not verify, a token callback that failed. Not retriable: the
 * pool does not reconnect in a loop after it (see `ConnectionPool`).
 */
export class AuthenticationError extends KafkaError {
  override name = 'AuthenticationError'

  /**
   * @param message what happened and what to do
   * @param mechanism SASL mechanism in use
   * @param context broker id, API (`SaslHandshake` / `SaslAuthenticate`), cause
   */
  constructor (message: string, readonly mechanism: string, context: KafkaErrorContext = {}) {
    super(message, false, context)
  }
}

/** An option has a value the client cannot use (a malformed `host:port`, a negative timeout). Not retriable. */
export class ConfigurationError extends KafkaError {
  override name = 'ConfigurationError'

  /**
   * @param message what is wrong and what is expected
   * @param option name of the option, e.g. `bootstrapServers`
   */
  constructor (message: string, readonly option: string) {
    super(message, false)
  }
}
