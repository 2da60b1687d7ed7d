import { ConnectionError, type ConnectionFailure, type KafkaErrorContext } from './errors.js'

const BY_CODE: Readonly<Record<string, ConnectionFailure>> = {
  ECONNREFUSED: 'refused',
  ENOTFOUND: 'unreachable',
  EAI_AGAIN: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
  ETIMEDOUT: 'timeout',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset'
}

const ADVICE: Readonly<Record<ConnectionFailure, string>> = {
  refused: 'is the broker running, and is this its client listener port?',
  unreachable: 'check the host name and the network',
  timeout: 'check the address, firewalls and connectTimeoutMs',
  reset: 'the broker may be restarting; if this listener needs TLS or SASL, configure tls / sasl',
  closed: 'the connection was closed',
  tls: 'check the tls options (ca, servername, rejectUnauthorized) and that the listener speaks TLS',
  protocol: 'is this a Kafka client listener? (a TLS listener reached without tls, or a proxy in between?)'
}

const WHAT: Readonly<Record<ConnectionFailure, string>> = {
  refused: 'connection refused',
  unreachable: 'host unreachable',
  timeout: 'connection timed out',
  reset: 'connection reset',
  closed: 'connection closed',
  tls: 'TLS failed',
  protocol: 'protocol violation'
}

/** The advice part of a connection error message. */
export function connectionAdvice (reason: ConnectionFailure): string {
  return ADVICE[reason]
}

/**
 * Classifies a socket error. Errors on a TLS socket that are not plain network errors
 * (certificate checks, `ERR_SSL_*`, EPROTO) are TLS failures: retrying will not fix them.
 */
export function socketError (err: NodeJS.ErrnoException, where: string, tls: boolean, context: KafkaErrorContext & { host: string, port: number }): ConnectionError {
  const code = err.code ?? ''
  const reason = BY_CODE[code] ?? (tls ? 'tls' : 'reset')
  const detail = reason === 'tls' || code === '' ? err.message : code
  return new ConnectionError(`${where}: ${WHAT[reason]} (${detail}); ${ADVICE[reason]}`, reason, context.host, context.port, { brokerId: context.brokerId, cause: err })
}
