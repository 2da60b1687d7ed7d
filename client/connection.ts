import net from 'node:net'
import { performance } from 'node:perf_hooks'
import tls from 'node:tls'
import Denque from 'denque'
import {
  ApiVersions, decodeResponse, encodeRequest, KafkaProtocolError, type ApiDefinition, type RequestInput, type ResponseOf
} from '../protocol/index.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { formatAddress } from './address.js'
import { BrokerVersions } from './broker-versions.js'
import { resolveConnectionSettings, type ConnectionOptions, type ResolvedConnectionSettings } from './connection-options.js'
import { ConnectionError, KafkaError, RequestTimeoutError, type ConnectionFailure } from './errors.js'
import { FrameDecoder } from '../protocol/frame-decoder.js'
import { authenticate } from './sasl/authenticate.js'
import type { SaslOptions } from './sasl/types.js'
import { connectionAdvice, socketError } from './socket-errors.js'
import { channels, publishConnection, publishWire, requestTracing, type RequestTrace, type TraceBroker } from './tracing.js'

/** Per-request options of {@link Connection.send}. */
export interface SendOptions {
  /**
   * Time from `send()` (queueing included) until the response, ms. Default: the
   * connection's `requestTimeoutMs`. On expiry the promise rejects with
   * {@link RequestTimeoutError}; the connection stays open and the late response is dropped.
   */
  timeoutMs?: number
  /** Version to send instead of the negotiated one (must be one kshare speaks). */
  version?: number
}

/** A request waiting to be written or answered. */
interface Pending {
  api: ApiDefinition
  version: number
  correlationId: number
  /** Encoded frame until written. */
  frame: Buffer | undefined
  timeoutMs: number
  resolve: (body: unknown) => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout | undefined
  /** Written to the socket. */
  sent: boolean
  /** Settled (answered, timed out or failed); a timed-out request stays in flight until its late response. */
  done: boolean
  trace: RequestTrace | undefined
}

let nextConnectionId = 1

/**
 * One socket to one broker: framing, correlation ids, pipelining (at most
 * `maxInFlightRequests` written and unanswered, the rest queued in order), per-request
 * timeouts, write backpressure, ApiVersions negotiation and SASL when opening.
 *
 * Get one with {@link Connection.connect} (or from the pool). Requests:
 * `await conn.send(ShareFetch, body, { timeoutMs })` resolves to the decoded response body;
 * error codes inside the body are the caller's to read (see `responseError`). Rejections are
 * {@link KafkaError}s: {@link RequestTimeoutError}, {@link ConnectionError},
 * {@link UnsupportedApiVersionError}.
 *
 * Once closed — by {@link close}, by the peer, or by a protocol violation — a connection
 * stays closed: every pending request fails with a {@link ConnectionError}, listeners given
 * to {@link onClose} are told once, and the pool opens a new connection (with a new `id`)
 * when asked. A share session lives exactly as long as its connection (Kafka 4.1+).
 */
export class Connection {
  /** Process-unique id; a reconnect gives a new connection with a new id. */
  readonly id = nextConnectionId++
  /** Broker host. */
  readonly host: string
  /** Broker port. */
  readonly port: number
  /** Broker node id, -1 for a bootstrap address. */
  readonly nodeId: number
  /** Pool purpose (`default`, `fetch`, ...). */
  readonly purpose: string
  /** Settings in effect (defaults applied). */
  readonly settings: ResolvedConnectionSettings
  /** What the broker said in ApiVersions: API version ranges, finalized features. */
  readonly versions: BrokerVersions
  /** SASL session lifetime granted by the broker, ms (0: unlimited or no SASL). */
  saslSessionLifetimeMs = 0

  private readonly socket: net.Socket
  private readonly decoder: FrameDecoder
  private readonly queue = new Denque<Pending>()
  /** SASL re-authentication requests: written before the queue, even while it is held. */
  private readonly urgent = new Denque<Pending>()
  private readonly inFlight = new Denque<Pending>()
  private readonly closeListeners = new Set<(error: KafkaError) => void>()
  private readonly broker: TraceBroker
  private readonly where: string
  private nextCorrelationId = 1
  private writeBlocked = false
  private isReady = false
  /** The TCP connection was accepted (the handshake may still be waiting for an answer). */
  private tcpConnected = false
  private reauthenticating = false
  private reauthTimer: NodeJS.Timeout | undefined
  private closeError: KafkaError | undefined
  private readonly socketClosed: Promise<void>
  private opening: { resolve: () => void, reject: (err: KafkaError) => void, timer: NodeJS.Timeout } | undefined

  /**
   * Opens a connection: TCP (or TLS), then ApiVersions (v3+, naming kshare), then SASL when
   * configured, all within `connectTimeoutMs`. Rejects with {@link ConnectionError},
   * `AuthenticationError` or `ConfigurationError`; nothing stays open after a rejection.
   */
  static async connect (options: ConnectionOptions): Promise<Connection> {
    const conn = new Connection(options)
    await conn.opened
    return conn
  }

  private readonly opened: Promise<void>

  private constructor (options: ConnectionOptions) {
    this.settings = resolveConnectionSettings(options)
    this.host = options.host
    this.port = options.port
    this.nodeId = options.nodeId ?? -1
    this.purpose = options.purpose ?? 'default'
    this.broker = { nodeId: this.nodeId, host: this.host, port: this.port }
    this.where = `${this.nodeId >= 0 ? `broker ${this.nodeId} ` : ''}${formatAddress(this)}`
    this.decoder = new FrameDecoder(this.settings.maxFrameSize)
    this.versions = new BrokerVersions(this.where, this.brokerId)
    this.opened = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        // A listener that accepts TCP and then says nothing (not Kafka, a wedged broker, TLS
        // expected) is a different problem from one that cannot be reached.
        this.fail(this.connectionError(this.tcpConnected
          ? `${this.where} accepted the connection but did not complete the handshake (ApiVersions${this.settings.sasl !== undefined ? ', SASL' : ''}) within ${this.settings.connectTimeoutMs} ms (connectTimeoutMs): is it a Kafka listener, and does it expect TLS?`
          : `no connection to ${this.where} within ${this.settings.connectTimeoutMs} ms (connectTimeoutMs)`, 'timeout'))
      }, this.settings.connectTimeoutMs)
      timer.unref()
      this.opening = { resolve, reject, timer }
    })
    publishConnection('connecting', this)
    const useTls = this.settings.tls !== undefined && this.settings.tls !== false
    if (useTls) {
      const given = this.settings.tls === true ? {} : this.settings.tls as tls.ConnectionOptions
      this.socket = tls.connect({ servername: net.isIP(this.host) === 0 ? this.host : undefined, ...given, host: this.host, port: this.port })
      this.socket.once('connect', () => { this.tcpConnected = true })
      this.socket.once('secureConnect', () => { void this.handshake() })
    } else {
      this.socket = net.connect({ host: this.host, port: this.port })
      this.socket.once('connect', () => {
        this.tcpConnected = true
        void this.handshake()
      })
    }
    this.socket.setNoDelay(true)
    this.socketClosed = new Promise(resolve => this.socket.once('close', () => resolve()))
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk))
    this.socket.on('error', (err: NodeJS.ErrnoException) => {
      this.fail(socketError(err, this.where, useTls, { host: this.host, port: this.port, brokerId: this.brokerId }))
    })
    this.socket.on('close', () => {
      const midFrame = this.decoder.pendingBytes > 0
        ? ` in the middle of a response (${this.decoder.pendingBytes} of ${this.decoder.expectedFrameSize < 0 ? '?' : this.decoder.expectedFrameSize + 4} bytes received)`
        : ''
      this.fail(this.connectionError(`${this.where} closed the connection${midFrame}${this.isReady ? '' : ' while it was being set up'}; ${connectionAdvice('reset')}`, 'reset'))
    })
  }

  /** True once ApiVersions (and SASL) completed, until closed. */
  get ready (): boolean {
    return this.isReady && this.closeError === undefined
  }

  /** True once closed (by us, the peer or an error). */
  get closed (): boolean {
    return this.closeError !== undefined
  }

  /** Why the connection closed (a {@link ConnectionError} with reason `closed` after {@link close}); undefined while open. */
  get closeReason (): KafkaError | undefined {
    return this.closeError
  }

  /** Requests written and not yet answered (including timed-out ones whose late response is awaited). */
  get inFlightCount (): number {
    return this.inFlight.length
  }

  /**
   * True while the oldest unanswered request has timed out: the broker answers in order, so
   * nothing sent after it has been answered either. A hung or overloaded broker; callers that
   * may use any broker go elsewhere.
   */
  get stalled (): boolean {
    return this.inFlight.peekFront()?.done === true
  }

  /** Requests waiting to be written. */
  get queuedCount (): number {
    return this.queue.length + this.urgent.length
  }

  /**
   * Calls `listener` once when the connection closes, with the reason. For a share
   * consumer this means the broker dropped the share session (and released its records).
   * Called at once (in a microtask) if already closed. Returns a function that removes it.
   */
  onClose (listener: (error: KafkaError) => void): () => void {
    if (this.closeError !== undefined) {
      const err = this.closeError
      queueMicrotask(() => listener(err))
      return () => {}
    }
    this.closeListeners.add(listener)
    return () => { this.closeListeners.delete(listener) }
  }

  /** The cluster's finalized feature levels (e.g. `share.version` → 2), from ApiVersions. */
  get finalizedFeatures (): ReadonlyMap<string, number> {
    return this.versions.features
  }

  /**
   * The version `send` uses for `api`: the highest both sides speak.
   * Throws {@link UnsupportedApiVersionError} when there is none.
   */
  versionFor (api: ApiDefinition): number {
    return this.versions.versionFor(api)
  }

  /** True when the broker speaks a version of `api` that kshare speaks too. */
  supports (api: ApiDefinition): boolean {
    return this.versions.supports(api)
  }

  /**
   * Sends a request and resolves to the decoded response body. The body is encoded at once
   * (an invalid body throws `KafkaProtocolError` synchronously in the returned promise).
   */
  send<A extends ApiDefinition> (api: A, body: RequestInput<A>, options: SendOptions = {}): Promise<ResponseOf<A>> {
    if (this.closeError !== undefined) return Promise.reject(this.requestError(this.closeError, api))
    if (!this.isReady) return Promise.reject(new ConnectionError(`${this.where} is not ready; use Connection.connect()`, 'closed', this.host, this.port, { brokerId: this.brokerId, api: api.name }))
    let version: number
    try {
      version = options.version ?? this.versionFor(api)
    } catch (err) {
      return Promise.reject(err)
    }
    return this.enqueue(api, version, body, options.timeoutMs ?? this.settings.requestTimeoutMs) as Promise<ResponseOf<A>>
  }

  /**
   * Closes the socket. Requests not yet answered fail with a {@link ConnectionError} of
   * reason `closed`. Resolves once the socket is fully closed.
   */
  async close (): Promise<void> {
    this.fail(this.connectionError(`the connection to ${this.where} was closed by the client`, 'closed'))
    await this.socketClosed
  }

  private get brokerId (): number | undefined {
    return this.nodeId < 0 ? undefined : this.nodeId
  }

  private enqueue (api: ApiDefinition, version: number, body: unknown, timeoutMs: number, urgent = false): Promise<unknown> {
    const correlationId = this.nextCorrelationId
    this.nextCorrelationId = correlationId === 0x7fffffff ? 1 : correlationId + 1
    let frame: Buffer
    try {
      frame = encodeRequest(api, version, { correlationId, clientId: this.settings.clientId }, body as never)
    } catch (err) {
      return Promise.reject(err)
    }
    return new Promise((resolve, reject) => {
      const p: Pending = { api, version, correlationId, frame, timeoutMs, resolve, reject, timer: undefined, sent: false, done: false, trace: undefined }
      if (requestTracing()) {
        p.trace = {
          api: api.name, apiKey: api.apiKey, version, correlationId, broker: this.broker, purpose: this.purpose, connectionId: this.id,
          request: body, requestBytes: frame.length, startTime: performance.now()
        }
        channels.start.publish(p.trace)
      }
      if (Number.isFinite(timeoutMs)) {
        p.timer = setTimeout(() => this.onTimeout(p), timeoutMs)
        p.timer.unref()
      }
      ;(urgent ? this.urgent : this.queue).push(p)
      this.flush()
    })
  }

  /**
   * Writes queued requests while in-flight room remains and the socket is not pushing back;
   * during re-authentication only its own requests go out.
   */
  private flush (): void {
    if (this.writeBlocked || this.closeError !== undefined) return
    const max = this.settings.maxInFlightRequests
    let corked = false
    while (this.urgent.length > 0 || (!this.reauthenticating && this.inFlight.length < max && this.queue.length > 0)) {
      const p = (this.urgent.length > 0 ? this.urgent : this.queue).shift() as Pending
      if (p.done) continue // timed out while queued: never sent
      const frame = p.frame as Buffer
      p.frame = undefined
      p.sent = true
      this.inFlight.push(p)
      if (channels.wire.hasSubscribers) publishWire('request', this.wireSource(p), frame, false)
      if (!corked && (this.queue.length > 0 || this.urgent.length > 0)) {
        this.socket.cork()
        corked = true
      }
      if (!this.socket.write(frame)) {
        // The kernel buffer is full: hold further requests until it drains.
        this.writeBlocked = true
        this.socket.once('drain', () => {
          this.writeBlocked = false
          this.flush()
        })
        break
      }
    }
    if (corked) this.socket.uncork()
  }

  private onTimeout (p: Pending): void {
    if (p.done) return
    const sent = p.sent
    p.frame = undefined // never written now: flush skips it
    this.settle(p, new RequestTimeoutError(
      `${p.api.name} v${p.version} to ${this.where} got no response within ${p.timeoutMs} ms${sent ? '' : ' (still queued behind other requests)'}; ` +
      'the broker may be overloaded or the timeout too short for this request (long polls need timeoutMs > maxWaitMs)',
      p.timeoutMs, sent ? p.correlationId : -1, { brokerId: this.brokerId, api: p.api.name }))
  }

  private onData (chunk: Buffer): void {
    try {
      this.decoder.push(chunk, this.onFrame)
    } catch (err) {
      this.fail(this.protocolError(err, 'sent a frame with an impossible size'))
    }
  }

  private readonly onFrame = (payload: Buffer): void => {
    if (this.closeError !== undefined) return
    const correlationId = payload.readInt32BE(0)
    const p = this.inFlight.peekFront()
    // A broker answers the requests of one connection in order.
    if (p === undefined || p.correlationId !== correlationId) {
      this.fail(this.connectionError(`${this.where} sent a response with correlation id ${correlationId}, expected ${p === undefined ? 'none' : p.correlationId}; ${connectionAdvice('protocol')}`, 'protocol'))
      return
    }
    this.inFlight.shift()
    let body: unknown
    try {
      // A broker that does not speak our ApiVersions version answers in v0 (KIP-511) with UNSUPPORTED_VERSION.
      const version = p.api === ApiVersions && payload.length >= 6 && payload.readInt16BE(4) === ErrorCode.UNSUPPORTED_VERSION ? 0 : p.version
      body = decodeResponse(p.api, version, payload).body
    } catch (err) {
      this.fail(this.protocolError(err, `sent a ${p.api.name} v${p.version} response kshare cannot decode`))
      return
    }
    if (channels.wire.hasSubscribers) publishWire('response', this.wireSource(p), payload, p.done, body)
    if (!p.done) {
      if (p.trace !== undefined) {
        p.trace.response = body
        p.trace.responseBytes = payload.length + 4
      }
      this.settle(p, undefined, body)
    }
    this.flush()
  }

  private settle (p: Pending, error: KafkaError | undefined, body?: unknown): void {
    p.done = true
    if (p.timer !== undefined) clearTimeout(p.timer)
    if (p.trace !== undefined) {
      p.trace.durationMs = performance.now() - p.trace.startTime
      if (error === undefined) channels.end.publish(p.trace)
      else {
        p.trace.error = error
        channels.error.publish(p.trace)
      }
    }
    if (error === undefined) p.resolve(body)
    else p.reject(error)
  }

  /** ApiVersions, then SASL; the setup timer bounds both. */
  private async handshake (): Promise<void> {
    try {
      await this.versions.exchange(async (version, body) => await this.enqueue(ApiVersions, version, body, Infinity) as ResponseOf<typeof ApiVersions>)
      if (this.settings.sasl !== undefined) await this.saslExchange(true)
    } catch (err) {
      this.fail(this.setupError(err, 'setting up the connection'))
      return
    }
    if (this.closeError !== undefined || this.opening === undefined) return
    this.isReady = true
    clearTimeout(this.opening.timer)
    this.opening.resolve()
    this.opening = undefined
    publishConnection('ready', this)
  }

  /**
   * SaslHandshake + SaslAuthenticate, when connecting and again before the session lifetime
   * the broker grants runs out: a broker with `connections.max.reauth.ms` (or expiring
   * credentials) closes the connection then (KIP-368), which would end a share session with
   * it. Re-authentication happens on the open connection at a random 85–95 % of the lifetime,
   * as Java does (latency, clock drift); meanwhile new requests are held back (the broker
   * takes nothing but SASL until done) and requests in flight are answered first, in order.
   */
  private async saslExchange (connecting: boolean): Promise<void> {
    const timeoutMs = connecting ? Infinity : this.settings.requestTimeoutMs
    const send = <A extends ApiDefinition>(api: A, body: RequestInput<A>): Promise<ResponseOf<A>> =>
      this.enqueue(api, this.versionFor(api), body, timeoutMs, !connecting) as Promise<ResponseOf<A>>
    this.saslSessionLifetimeMs = (await authenticate(send, this.settings.sasl as SaslOptions, this.broker)).sessionLifetimeMs
    if (this.saslSessionLifetimeMs <= 0 || this.closeError !== undefined) return
    this.reauthTimer = setTimeout(() => {
      this.reauthenticating = true
      this.saslExchange(false).then(() => {
        this.reauthenticating = false
        this.flush()
      }, err => this.fail(this.setupError(err, 're-authenticating')))
    }, this.saslSessionLifetimeMs * (0.85 + 0.1 * Math.random()))
    this.reauthTimer.unref()
  }

  /** A handshake failure as a KafkaError (SASL and ApiVersions failures already are). */
  private setupError (err: unknown, what: string): KafkaError {
    if (err instanceof KafkaError) return err
    if (err instanceof KafkaProtocolError) return this.protocolError(err, `failed while ${what}`)
    return new KafkaError(`${what} to ${this.where} failed unexpectedly: ${String(err)}`, false, { brokerId: this.brokerId, cause: err })
  }

  /** Closes for good: destroys the socket, fails every pending request, tells listeners. Idempotent. */
  private fail (error: KafkaError): void {
    if (this.closeError !== undefined) return
    this.closeError = error
    this.isReady = false
    if (this.reauthTimer !== undefined) clearTimeout(this.reauthTimer)
    this.socket.destroy()
    if (this.opening !== undefined) {
      clearTimeout(this.opening.timer)
      this.opening.reject(error)
      this.opening = undefined
    }
    for (const list of [this.inFlight, this.urgent, this.queue]) {
      while (list.length > 0) {
        const p = list.shift() as Pending
        if (!p.done) this.settle(p, this.requestError(error, p.api))
      }
    }
    publishConnection('closed', this, error instanceof ConnectionError && error.reason === 'closed' ? undefined : error)
    for (const listener of this.closeListeners) queueMicrotask(() => listener(error))
    this.closeListeners.clear()
  }

  /** The error a pending request of `api` gets when the connection closes: the close reason, naming the API. */
  private requestError (error: KafkaError, api: ApiDefinition): KafkaError {
    if (!(error instanceof ConnectionError)) return error
    return new ConnectionError(error.message, error.reason, this.host, this.port, { brokerId: this.brokerId, api: api.name, cause: error.cause ?? error })
  }

  private wireSource (p: Pending): Parameters<typeof publishWire>[1] {
    return { api: p.api, version: p.version, correlationId: p.correlationId, broker: this.broker, purpose: this.purpose, connectionId: this.id }
  }

  private connectionError (message: string, reason: ConnectionFailure, cause?: unknown): ConnectionError {
    return new ConnectionError(message, reason, this.host, this.port, { brokerId: this.brokerId, cause })
  }

  private protocolError (err: unknown, what: string): ConnectionError {
    const detail = err instanceof Error ? err.message : String(err)
    if (!(err instanceof KafkaProtocolError)) throw err // a bug of ours, not of the peer: let it surface
    return this.connectionError(`${this.where} ${what} (${detail}); ${connectionAdvice('protocol')}`, 'protocol', err)
  }
}
