import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls'
import { MAX_FRAME_SIZE } from '../protocol/index.js'
import { ConfigurationError } from './errors.js'
import type { SaslOptions } from './sasl/types.js'

/** Settings shared by every connection of a client (the pool passes them to each {@link Connection}). */
export interface ConnectionSettings {
  /** `client.id` sent in every request header (broker logs, quotas). Default `'kshare'`; `null` sends none. */
  clientId?: string | null
  /**
   * TLS: `true` for Node's defaults (system CAs, server name checked), or Node `tls.connect`
   * options passed through (`ca`, `cert`, `key`, `servername`, `rejectUnauthorized`, ...).
   * Default: plaintext. `servername` defaults to the broker host unless it is an IP address.
   */
  tls?: boolean | TlsConnectionOptions
  /** SASL mechanism and credentials (PLAIN, SCRAM-SHA-256/512, OAUTHBEARER). Default: none. */
  sasl?: SaslOptions
  /** Time allowed to connect: TCP, TLS, ApiVersions and SASL together. Default 10 000 ms. */
  connectTimeoutMs?: number
  /**
   * Default time a request may take from `send()` (queueing included) to its response,
   * unless the request gives its own `timeoutMs`. Default 30 000 ms. Long polls
   * (ShareFetch) should pass `timeoutMs` = this + their `maxWaitMs`.
   */
  requestTimeoutMs?: number
  /**
   * Requests written to the socket and not yet answered; more wait in a queue, in order.
   * A broker processes one request per connection at a time, so this bounds pipelining,
   * not parallelism. Default 5 (Java's `max.in.flight.requests.per.connection`).
   */
  maxInFlightRequests?: number
  /** Largest response frame accepted; a bigger size prefix closes the connection. Default 100 MiB. */
  maxFrameSize?: number
}

/** Options of one connection. */
export interface ConnectionOptions extends ConnectionSettings {
  /** Broker host. */
  host: string
  /** Broker port. */
  port: number
  /** Broker node id, for errors and tracing; default -1 (a bootstrap address). */
  nodeId?: number
  /** What the connection is for (`default`, `fetch`, `coordinator`, `produce`, ...), for tracing. Default `'default'`. */
  purpose?: string
}

/** {@link ConnectionSettings} with every default applied. */
export type ResolvedConnectionSettings = Required<Omit<ConnectionSettings, 'tls' | 'sasl'>> & Pick<ConnectionSettings, 'tls' | 'sasl'>

/** Default settings. */
export const CONNECTION_DEFAULTS = Object.freeze({
  clientId: 'kshare',
  connectTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxInFlightRequests: 5,
  maxFrameSize: MAX_FRAME_SIZE
})

/** A positive integer option, or a {@link ConfigurationError}. */
export function positiveInt (value: number, option: string, max = 2 ** 31 - 1): number {
  if (!Number.isInteger(value) || value <= 0 || value > max) {
    throw new ConfigurationError(`${option} must be an integer between 1 and ${max}, got ${String(value)}`, option)
  }
  return value
}

const SASL_MECHANISMS = new Set(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'])

/** Applies defaults and checks values; throws {@link ConfigurationError}. */
export function resolveConnectionSettings (s: ConnectionSettings): ResolvedConnectionSettings {
  const sasl = s.sasl
  if (sasl !== undefined) {
    if (!SASL_MECHANISMS.has(sasl.mechanism)) {
      throw new ConfigurationError(`sasl.mechanism ${JSON.stringify(sasl.mechanism)} is not supported; use PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER`, 'sasl.mechanism')
    }
    if (sasl.mechanism === 'OAUTHBEARER' ? typeof sasl.token !== 'function' : typeof sasl.username !== 'string' || typeof sasl.password !== 'string') {
      throw new ConfigurationError(sasl.mechanism === 'OAUTHBEARER' ? 'sasl.token must be a function returning a token' : `sasl.username and sasl.password must be strings for ${sasl.mechanism}`, 'sasl')
    }
  }
  return {
    clientId: s.clientId === undefined ? CONNECTION_DEFAULTS.clientId : s.clientId,
    tls: s.tls,
    sasl,
    connectTimeoutMs: positiveInt(s.connectTimeoutMs ?? CONNECTION_DEFAULTS.connectTimeoutMs, 'connectTimeoutMs'),
    requestTimeoutMs: positiveInt(s.requestTimeoutMs ?? CONNECTION_DEFAULTS.requestTimeoutMs, 'requestTimeoutMs'),
    maxInFlightRequests: positiveInt(s.maxInFlightRequests ?? CONNECTION_DEFAULTS.maxInFlightRequests, 'maxInFlightRequests'),
    maxFrameSize: positiveInt(s.maxFrameSize ?? CONNECTION_DEFAULTS.maxFrameSize, 'maxFrameSize')
  }
}
