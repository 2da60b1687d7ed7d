import { formatAddress, type BrokerAddress } from './address.js'
import { backoffDelay, type BackoffOptions } from './backoff.js'
import { Connection } from './connection.js'
import { positiveInt, resolveConnectionSettings, type ConnectionSettings, type ResolvedConnectionSettings } from './connection-options.js'
import { Delays } from './delays.js'
import { AuthenticationError, ConfigurationError, ConnectionError, type KafkaError } from './errors.js'
import { singleFlight } from './single-flight.js'

/**
 * What a connection is for. The pool keeps one connection per (broker, purpose), so that a
 * long-polling ShareFetch never delays a heartbeat, an acknowledgement or a produce request
 * queued behind it on the same socket (a broker answers one request per connection at a time).
 * Any string works; these are the ones kshare uses.
 */
export type ConnectionPurpose = 'default' | 'fetch' | 'coordinator' | 'produce' | (string & {})

/** A broker to connect to: a known node, or a bootstrap address (`nodeId` -1). */
export interface PoolTarget extends BrokerAddress {
  /** Node id, or -1 for a bootstrap address. */
  nodeId: number
}

/** Options of a {@link ConnectionPool}: connection settings plus reconnect backoff. */
export interface PoolOptions extends ConnectionSettings {
  /** First delay before reconnecting to a broker after a failure, ms. Default 50 (Java's `reconnect.backoff.ms`). */
  reconnectBackoffMs?: number
  /**
   * Largest reconnect delay, ms; the delay doubles per consecutive failure up to this, with
   * ±20 % jitter. After an authentication failure the pool refuses to reconnect to that
   * broker for this long, failing at once with the same error. Default 1000.
   */
  reconnectBackoffMaxMs?: number
}

/** Per-broker reconnect state. */
interface BrokerState {
  failures: number
  notBefore: number
  authError: AuthenticationError | undefined
}

/**
 * Connections by (broker, purpose), opened on demand, shared by every caller. A connection
 * that closes is forgotten; the next {@link get} opens a new one (a new `Connection.id`),
 * waiting out the reconnect backoff of that broker first. Nothing reconnects in the
 * background, so nothing happens while nobody asks, and an authentication failure is
 * reported, not retried in a loop.
 */
export class ConnectionPool {
  /** Connection settings in effect (defaults applied). */
  readonly settings: ResolvedConnectionSettings
  /** Reconnect backoff in effect (`reconnectBackoffMs`, `reconnectBackoffMaxMs`). */
  readonly backoff: BackoffOptions
  private readonly connections = new Map<string, Connection>()
  private readonly opening = new Map<string, Promise<Connection>>()
  private readonly brokers = new Map<string, BrokerState>()
  private readonly delays = new Delays()
  private readonly failureListeners = new Set<(target: PoolTarget, error: KafkaError) => void>()
  private isClosed = false

  /** Throws {@link ConfigurationError} for bad option values. */
  constructor (options: PoolOptions = {}) {
    this.settings = resolveConnectionSettings(options)
    const initialMs = positiveInt(options.reconnectBackoffMs ?? 50, 'reconnectBackoffMs')
    const maxMs = positiveInt(options.reconnectBackoffMaxMs ?? 1000, 'reconnectBackoffMaxMs')
    if (maxMs < initialMs) throw new ConfigurationError(`reconnectBackoffMaxMs (${maxMs}) must not be below reconnectBackoffMs (${initialMs})`, 'reconnectBackoffMaxMs')
    this.backoff = { initialMs, maxMs }
  }

  /**
   * The open connection to `target` for `purpose`, connecting if there is none (concurrent
   * callers share one attempt). Rejects with `ConnectionError`, `AuthenticationError`, ...
   * A connection whose broker moved to another address is replaced.
   */
  get (target: PoolTarget, purpose: ConnectionPurpose = 'default'): Promise<Connection> {
    if (this.isClosed) return Promise.reject(this.closedError(target))
    const key = connectionKey(target, purpose)
    const existing = this.connections.get(key)
    if (existing !== undefined && !existing.closed) {
      if (existing.host === target.host && existing.port === target.port) return Promise.resolve(existing)
      void existing.close()
    }
    return singleFlight(this.opening, key, () => this.open(target, purpose, key))
  }

  /** The open connection to `nodeId` for `purpose`, without connecting. */
  peek (nodeId: number, purpose: ConnectionPurpose = 'default'): Connection | undefined {
    for (const c of this.connections.values()) if (c.nodeId === nodeId && c.purpose === purpose && !c.closed) return c
    return undefined
  }

  /** Every open connection. */
  list (): Connection[] {
    return [...this.connections.values()].filter(c => !c.closed)
  }

  /**
   * Calls `listener` each time connecting to a broker fails or an open connection to it is
   * lost — not when the client closed it, and not after an authentication failure (the
   * broker is there). Whoever routes requests learns here that a broker may be gone, whichever
   * caller hit the failure. Returns a function that removes the listener.
   */
  onBrokerFailure (listener: (target: PoolTarget, error: KafkaError) => void): () => void {
    this.failureListeners.add(listener)
    return () => { this.failureListeners.delete(listener) }
  }

  /** Closes every connection; pending and later calls fail with a `ConnectionError` (`closed`). */
  async close (): Promise<void> {
    this.isClosed = true
    this.delays.cancelAll(() => this.closedError())
    const all = [...this.connections.values()]
    this.connections.clear()
    await Promise.allSettled([...this.opening.values()])
    await Promise.all([...all, ...this.connections.values()].map(c => c.close()))
  }

  private async open (target: PoolTarget, purpose: string, key: string): Promise<Connection> {
    const addr = formatAddress(target)
    let state = this.brokers.get(addr)
    if (state === undefined) this.brokers.set(addr, state = { failures: 0, notBefore: 0, authError: undefined })
    const wait = state.notBefore - Date.now()
    if (state.authError !== undefined && wait > 0) throw state.authError
    if (wait > 0) await this.delays.sleep(wait)
    let conn: Connection
    try {
      conn = await Connection.connect({ ...this.settings, host: target.host, port: target.port, nodeId: target.nodeId, purpose })
    } catch (err) {
      state.failures++
      const auth = err instanceof AuthenticationError
      state.authError = auth ? err : undefined
      state.notBefore = Date.now() + (auth ? this.backoff.maxMs : backoffDelay(state.failures - 1, this.backoff))
      if (err instanceof ConnectionError && err.reason !== 'closed') this.brokerFailed(target, err)
      throw err
    }
    if (this.isClosed) {
      await conn.close()
      throw this.closedError(target)
    }
    state.authError = undefined
    const priorFailures = state.failures
    state.failures = 0
    const openedAt = Date.now()
    this.connections.set(key, conn)
    conn.onClose(error => {
      if (this.connections.get(key) === conn) this.connections.delete(key)
      if (error instanceof ConnectionError && error.reason === 'closed') return
      // A connection that dies soon after opening counts as a failure, so a broker that
      // accepts and then drops us is not hammered; one that lived a while starts afresh.
      const s = state as BrokerState
      s.failures = Date.now() - openedAt > this.backoff.maxMs ? 1 : priorFailures + 1
      s.notBefore = Date.now() + backoffDelay(s.failures - 1, this.backoff)
      this.brokerFailed(target, error)
    })
    return conn
  }

  private brokerFailed (target: PoolTarget, error: KafkaError): void {
    for (const listener of this.failureListeners) listener(target, error)
  }

  private closedError (target?: PoolTarget): ConnectionError {
    return new ConnectionError('the connection pool is closed', 'closed', target?.host ?? '', target?.port ?? 0)
  }
}

function connectionKey (target: PoolTarget, purpose: string): string {
  return `${target.nodeId < 0 ? formatAddress(target) : target.nodeId}/${purpose}`
}
