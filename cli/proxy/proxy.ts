import { EventEmitter } from 'node:events'
import net from 'node:net'
import { encodeResponse, KafkaProtocolError, MAX_FRAME_SIZE } from '../../protocol/index.js'
import { FrameDecoder } from '../../protocol/frame-decoder.js'
import { ExchangeDecoder, type DecodedFrame } from '../exchange.js'
import { rewriteAddresses, type HostPort } from './rewrite.js'

/** Options of {@link KafkaProxy}. */
export interface ProxyOptions {
  /** Where clients connect (their bootstrap address). */
  listen: HostPort
  /** The real bootstrap broker. */
  upstream: HostPort
  /**
   * The address clients are told for the bootstrap listener (its host also for the per-broker
   * listeners): needed when `listen` is a wildcard (0.0.0.0, ::) or behind NAT. Default: the
   * listen address, `localhost` for a wildcard.
   */
  advertise?: HostPort
  /** Largest frame passed through, size prefix excluded (default 100 MiB, the broker's own limit). */
  maxFrameSize?: number
  /** How long to wait for an upstream connection (default 10 s). */
  connectTimeoutMs?: number
}

/** A client connection opened or closed. */
export interface ProxiedConnection {
  /** What happened. */
  event: 'open' | 'close'
  /** Client connection number. */
  connection: number
  /** Wall-clock milliseconds. */
  at: number
  /** The client's address. */
  peer: HostPort
  /** The proxy's end of the client connection. */
  local: HostPort
  /** The upstream broker of that connection, `host:port`. */
  upstream: string
  /** Which side closed first (on close). */
  closedBy?: 'client' | 'broker' | 'proxy'
}

/** A frame that crossed the proxy, decoded when we could. */
export interface ProxiedFrame {
  /** Wall-clock milliseconds when the proxy saw it. */
  at: number
  /** The frame without its size prefix, as the client sent or received it (after rewriting). */
  wire: Buffer
  /** The decoded frame; absent when decoding failed. */
  frame?: DecodedFrame
  /** Why the frame could not be decoded (it was passed through untouched). */
  decodeError?: KafkaProtocolError
  /** Which way it went. */
  direction: 'request' | 'response'
  /** Client connection number (1, 2, ...), to tell clients and brokers apart in the timeline. */
  connection: number
  /** The upstream broker of that connection, `host:port`. */
  upstream: string
  /** True when broker addresses in this response were rewritten to point at the proxy. */
  rewritten: boolean
}

/** Events of {@link KafkaProxy}. */
export interface ProxyEvents {
  /** A frame crossed the proxy. */
  frame: [ProxiedFrame]
  /** A client connected or a connection ended. */
  connection: [ProxiedConnection]
  /** A connection-level problem (refused upstream, reset); the proxy keeps running. */
  warning: [string]
  /** A listener for a broker was opened: clients reach `upstream` through `local`, told as `advertised`. */
  route: [{ upstream: HostPort, local: HostPort, advertised: HostPort }]
}

const key = (a: HostPort): string => `${a.host}:${a.port}`
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', ''])

/**
 * A Kafka-aware TCP proxy: any client (Java, librdkafka, kshare) uses `listen` as its
 * bootstrap. Every frame is decoded both ways and reported; responses are paired with
 * requests by correlation id; broker addresses in responses are rewritten to proxy
 * listeners (one per broker, opened on first sight) so the client keeps talking through
 * the proxy. Frames we cannot decode pass through untouched. Plaintext only.
 */
export class KafkaProxy extends EventEmitter<ProxyEvents> {
  private readonly routes = new Map<string, Promise<HostPort>>()
  private readonly servers = new Set<net.Server>()
  private readonly sockets = new Set<net.Socket>()
  private connections = 0
  private closing = false
  private readonly maxFrameSize: number
  private readonly connectTimeoutMs: number

  /** @param options where to listen and which broker to front */
  constructor (private readonly options: ProxyOptions) {
    super()
    this.maxFrameSize = options.maxFrameSize ?? MAX_FRAME_SIZE
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000
  }

  /** Opens the bootstrap listener; resolves with its advertised address (port 0 picks a free one). */
  async start (): Promise<HostPort> {
    const local = this.route(this.options.upstream, this.options.listen)
    return await local
  }

  /** Stops listening and closes every connection; resolves after their `connection` close events. */
  async close (): Promise<void> {
    this.closing = true
    const closed = [...this.sockets].filter(s => !s.closed).map(async s => await new Promise(resolve => s.once('close', resolve)))
    for (const s of this.sockets) s.destroy()
    await Promise.all(closed)
    await Promise.all([...this.servers].map(async server => await new Promise<void>(resolve => server.close(() => resolve()))))
    this.servers.clear()
    this.routes.clear()
  }

  /** The local address that fronts `upstream`, opening a listener on first use. */
  private route (upstream: HostPort, at: HostPort = { host: this.options.listen.host, port: 0 }): Promise<HostPort> {
    let local = this.routes.get(key(upstream))
    if (local === undefined) {
      local = new Promise<HostPort>((resolve, reject) => {
        const server = net.createServer(client => this.accept(client, upstream))
        server.once('error', reject)
        server.listen(at.port, at.host, () => {
          server.off('error', reject)
          server.on('error', e => this.emit('warning', `listener for ${key(upstream)}: ${e.message}`))
          const address = server.address() as net.AddressInfo
          const local = { host: at.host, port: address.port }
          const bootstrap = at === this.options.listen
          // An advertised port 0 means the port the system chose.
          const advertise = this.options.advertise
          const mapped = bootstrap && advertise !== undefined && advertise.port !== 0
            ? advertise
            : { host: advertise?.host ?? (WILDCARDS.has(at.host) ? 'localhost' : at.host), port: address.port }
          this.emit('route', { upstream, local, advertised: mapped })
          resolve(mapped)
        })
        this.servers.add(server)
      })
      this.routes.set(key(upstream), local)
    }
    return local
  }

  private accept (client: net.Socket, upstream: HostPort): void {
    const connection = ++this.connections
    const broker = net.connect({ host: upstream.host, port: upstream.port, timeout: this.connectTimeoutMs })
    this.sockets.add(client)
    this.sockets.add(broker)
    const decoder = new ExchangeDecoder()
    const requests = new FrameDecoder(this.maxFrameSize)
    const responses = new FrameDecoder(this.maxFrameSize)
    const upstreamName = key(upstream)
    // Responses may wait for a new listener before they are forwarded: keep them in order.
    let responseChain = Promise.resolve()
    const ends = {
      connection,
      peer: { host: client.remoteAddress ?? '?', port: client.remotePort ?? 0 },
      local: { host: client.localAddress ?? '?', port: client.localPort ?? 0 },
      upstream: upstreamName
    }
    this.emit('connection', { event: 'open', at: Date.now(), ...ends })
    let closedBy: 'client' | 'broker' | 'proxy' | undefined

    const closeBoth = (why?: string): void => {
      if (why !== undefined) this.emit('warning', `connection ${connection} (${upstreamName}): ${why}`)
      closedBy ??= 'proxy'
      client.destroy()
      broker.destroy()
    }
    broker.once('connect', () => broker.setTimeout(0))
    broker.on('timeout', () => closeBoth('upstream connect timed out'))
    broker.on('error', e => closeBoth(`upstream: ${e.message}`))
    client.on('error', e => closeBoth(`client: ${e.message}`))
    broker.on('close', () => { closedBy ??= this.closing ? 'proxy' : 'broker'; this.sockets.delete(broker); client.end() })
    client.on('close', () => {
      closedBy ??= this.closing ? 'proxy' : 'client'
      this.sockets.delete(client)
      broker.end()
      this.emit('connection', { event: 'close', at: Date.now(), closedBy, ...ends })
    })

    client.on('data', chunk => {
      try {
        requests.push(chunk, payload => {
          const report: ProxiedFrame = { at: Date.now(), wire: payload, direction: 'request', connection, upstream: upstreamName, rewritten: false }
          try {
            report.frame = decoder.request(payload)
          } catch (e) {
            report.decodeError = asProtocolError(e)
          }
          this.emit('frame', report)
          forward(broker, client, payload)
        })
      } catch (e) {
        closeBoth(`client sent a bad frame: ${(e as Error).message}`)
      }
    })

    broker.on('data', chunk => {
      try {
        responses.push(chunk, payload => {
          responseChain = responseChain.then(async () => {
            const report: ProxiedFrame = { at: Date.now(), wire: payload, direction: 'response', connection, upstream: upstreamName, rewritten: false }
            let out = payload
            try {
              const frame = decoder.response(payload)
              report.frame = frame
              if (frame.api !== undefined && frame.body !== undefined && frame.version !== undefined) {
                const targets = new Map<string, HostPort>()
                rewriteAddresses(frame.body, a => { targets.set(key(a), a); return a })
                const mapped = new Map<string, HostPort>()
                for (const [k, a] of targets) mapped.set(k, await this.route(a))
                if (rewriteAddresses(frame.body, a => mapped.get(key(a)) ?? a)) {
                  out = encodeResponse(frame.api, frame.version, frame.correlationId, frame.body as never).subarray(4)
                  report.rewritten = true
                  report.wire = out
                }
              }
            } catch (e) {
              report.decodeError = asProtocolError(e)
            }
            this.emit('frame', report)
            forward(client, broker, out)
          }).catch(e => closeBoth(`forwarding a response: ${(e as Error).message}`))
        })
      } catch (e) {
        closeBoth(`broker sent a bad frame: ${(e as Error).message}`)
      }
    })
  }
}

/** Writes one frame with its size prefix; pauses the source while the destination is full. */
function forward (to: net.Socket, from: net.Socket, payload: Buffer): void {
  if (to.destroyed) return
  const prefix = Buffer.allocUnsafe(4)
  prefix.writeInt32BE(payload.length, 0)
  to.cork()
  to.write(prefix)
  const ok = to.write(payload)
  to.uncork()
  if (!ok) {
    from.pause()
    to.once('drain', () => from.resume())
  }
}

function asProtocolError (e: unknown): KafkaProtocolError {
  return e instanceof KafkaProtocolError ? e : new KafkaProtocolError(e instanceof Error ? e.message : String(e), 0)
}
