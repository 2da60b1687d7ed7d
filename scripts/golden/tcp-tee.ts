import net from 'node:net'

/** One chunk that crossed the tee. */
export interface TeeChunk {
  /** Connection number (1, 2, ...), in accept order. */
  connection: number
  /** `request`: client to broker; `response`: broker to client. */
  direction: 'request' | 'response'
  /** The bytes, as read from the socket. */
  data: Buffer
}

/** A connection the tee accepted, with what the caller said was running when it opened. */
export interface TeeConnection {
  /** Connection number. */
  connection: number
  /** Label given by {@link TcpTee.label} at accept time (e.g. the tool being run). */
  label: string
}

/**
 * A raw TCP tee: listens on one port, forwards every accepted connection to `upstream`
 * unchanged, and records every chunk in both directions. It neither parses nor rewrites, so
 * the recording is byte for byte what the client and the broker sent.
 */
export class TcpTee {
  /** Every chunk, in arrival order. */
  readonly chunks: TeeChunk[] = []
  /** Every accepted connection. */
  readonly connections: TeeConnection[] = []
  /** Stamped on connections accepted from now on. */
  label = ''
  private readonly server: net.Server
  private readonly sockets = new Set<net.Socket>()

  /**
   * @param listenPort local port the clients use
   * @param upstreamPort the broker port traffic is forwarded to (on 127.0.0.1)
   */
  constructor (private readonly listenPort: number, private readonly upstreamPort: number) {
    this.server = net.createServer(client => this.accept(client))
  }

  /** Starts listening. */
  async start (): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen({ port: this.listenPort, host: '127.0.0.1', exclusive: true }, () => resolve())
    })
  }

  /** Stops listening and drops every connection. */
  async close (): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>(resolve => this.server.close(() => resolve()))
  }

  private accept (client: net.Socket): void {
    const connection = this.connections.length + 1
    this.connections.push({ connection, label: this.label })
    const upstream = net.connect({ port: this.upstreamPort, host: '127.0.0.1' })
    for (const s of [client, upstream]) {
      this.sockets.add(s)
      s.setNoDelay(true)
      s.on('close', () => this.sockets.delete(s))
      // Either side failing ends both: the tool sees a dropped connection, as with a broker.
      s.on('error', () => { client.destroy(); upstream.destroy() })
    }
    this.pipe(client, upstream, connection, 'request')
    this.pipe(upstream, client, connection, 'response')
  }

  private pipe (from: net.Socket, to: net.Socket, connection: number, direction: TeeChunk['direction']): void {
    from.on('data', (data: Buffer) => {
      this.chunks.push({ connection, direction, data: Buffer.from(data) })
      if (!to.write(data)) {
        from.pause()
        to.once('drain', () => from.resume())
      }
    })
    from.on('end', () => to.end())
  }
}
