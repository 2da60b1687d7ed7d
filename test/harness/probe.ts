import { connect, type Socket } from 'node:net'
import { ApiVersions, decodeResponse, encodeRequest, type ResponseOf } from '../../protocol/index.js'

/** A `host:port` pair. */
export interface HostPort {
  host: string
  port: number
}

/** Parses `host:port` (IPv6 in brackets: `[::1]:9092`). */
export function parseHostPort (text: string): HostPort {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text.trim())
  if (m === null || m[1] === undefined || m[2] === undefined) throw new Error(`not a host:port: ${JSON.stringify(text)}`)
  return { host: m[1], port: Number(m[2]) }
}

/** Parses a comma-separated bootstrap list. */
export function parseBootstrap (text: string): HostPort[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '').map(parseHostPort)
}

/**
 * Opens a TCP connection and closes it at once. True when something accepted it within
 * `timeoutMs`. A Kafka broker only opens its client port once it is started and unfenced
 * (SocketServer defers the acceptor), so this alone is a decent readiness signal.
 */
export function tcpProbe (target: HostPort, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port })
    const done = (ok: boolean): void => {
      clearTimeout(timer)
      socket.destroy()
      resolve(ok)
    }
    const timer = setTimeout(() => done(false), timeoutMs)
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

/** Time limits for {@link requestOnce}. */
export interface ProbeTimeouts {
  /** Until the TCP connection is up. */
  connectTimeoutMs?: number
  /** From sending the request until the whole response frame has arrived. */
  readTimeoutMs?: number
}

/**
 * Sends one already-framed request (4-byte size prefix included) on a fresh connection and
 * returns the bytes of the first response frame *after* its size prefix. The socket is always
 * destroyed, whatever happens. Rejects with a message naming the target and the stage.
 */
export function requestOnce (target: HostPort, frame: Buffer, timeouts: ProbeTimeouts = {}): Promise<Buffer> {
  const connectTimeoutMs = timeouts.connectTimeoutMs ?? 2000
  const readTimeoutMs = timeouts.readTimeoutMs ?? 5000
  const where = `${target.host}:${target.port}`
  return new Promise((resolve, reject) => {
    let socket: Socket | undefined
    let timer: NodeJS.Timeout | undefined
    let settled = false
    const finish = (err: Error | undefined, payload?: Buffer): void => {
      if (settled) return
      settled = true
      if (timer !== undefined) clearTimeout(timer)
      socket?.destroy()
      if (err !== undefined) reject(err)
      else if (payload !== undefined) resolve(payload)
    }
    timer = setTimeout(() => finish(new Error(`${where}: no connection within ${connectTimeoutMs} ms`)), connectTimeoutMs)
    socket = connect({ host: target.host, port: target.port })
    let buffered = Buffer.alloc(0)
    socket.once('connect', () => {
      clearTimeout(timer)
      timer = setTimeout(() => finish(new Error(`${where}: no complete response within ${readTimeoutMs} ms`)), readTimeoutMs)
      socket?.write(frame)
    })
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      if (buffered.length < 4) return
      const size = buffered.readInt32BE(0)
      if (size < 0 || size > 64 * 1024 * 1024) {
        finish(new Error(`${where}: implausible response size ${size}`))
        return
      }
      if (buffered.length >= 4 + size) finish(undefined, buffered.subarray(4, 4 + size))
    })
    socket.once('error', (err) => finish(new Error(`${where}: ${err.message}`)))
    socket.once('close', () => finish(new Error(`${where}: connection closed before a complete response`)))
  })
}

/** The decoded ApiVersions response body. */
export type ApiVersionsBody = ResponseOf<typeof ApiVersions>

/** ApiVersions version the harness sends: v3 is flexible and carries finalized features; every 4.x broker speaks it. */
export const PROBE_API_VERSIONS_VERSION = 3

/**
 * Sends ApiVersions v3 on a fresh connection and returns the decoded response. The
 * belt-and-braces readiness check (a broker that accepts TCP but cannot answer is not ready),
 * and what the integration test and the demo print.
 */
export async function probeApiVersions (target: HostPort, timeouts: ProbeTimeouts = {}): Promise<ApiVersionsBody> {
  const correlationId = 1 + Math.floor(Math.random() * 0x7ffffffe)
  const frame = encodeRequest(ApiVersions, PROBE_API_VERSIONS_VERSION, { correlationId, clientId: 'kshare-harness' },
    { clientSoftwareName: 'kshare', clientSoftwareVersion: '0.1.0' })
  const payload = await requestOnce(target, frame, timeouts)
  const res = decodeResponse(ApiVersions, PROBE_API_VERSIONS_VERSION, payload)
  if (res.correlationId !== correlationId) {
    throw new Error(`${target.host}:${target.port}: ApiVersions answered with correlation id ${res.correlationId}, sent ${correlationId}`)
  }
  return res.body
}

/** The finalized level of a cluster feature (e.g. `share.version`), or 0 when not finalized. */
export function finalizedFeatureLevel (body: ApiVersionsBody, name: string): number {
  return body.finalizedFeatures.find((f) => f.name === name)?.maxVersionLevel ?? 0
}
