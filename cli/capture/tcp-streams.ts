import { FrameDecoder, MAX_FRAME_SIZE } from '../../protocol/index.js'
import type { TcpSegment } from './pcap-reader.js'

/**
 * Reassembles the TCP streams of a capture into Kafka frames per connection: segments are put
 * in sequence order (retransmissions dropped, out-of-order segments held), each direction is
 * split at the frames' size prefixes. The side that sent the SYN is the client; without a SYN
 * in the capture, the side on `port` (else the lower port) is the broker. A stream whose bytes
 * do not frame as Kafka is dropped.
 */

/** What a capture or a `proxy --json` log holds, in time order. */
export type CapturedItem =
  | { kind: 'open', connection: number, at: number, peer: string, upstream: string }
  | { kind: 'close', connection: number, at: number, peer: string, upstream: string, closedBy?: string }
  | { kind: 'frame', connection: number, at: number, direction: 'request' | 'response', wire: Buffer }

interface Direction { next?: number, held: Map<number, Buffer>, frames: FrameDecoder }
interface Stream { connection: number, client: string, server: string, toServer: Direction, toClient: Direction, broken: boolean, /** FIN seen: bit 1 from the client, bit 2 from the server. */ finished: number }

const SYN = 0x02
const ACK = 0x10
const FIN = 0x01
const RST = 0x04
/** Out-of-order segments held per direction before the stream is given up as lossy. */
const MAX_HELD = 1024

const endpoint = (host: string, port: number): string => `${host}:${port}`

/** Frames of the Kafka connections in a capture; `port` picks the broker side (and only those streams). */
export function reassemble (segments: TcpSegment[], port?: number): { items: CapturedItem[], dropped: number } {
  const streams = new Map<string, Stream>()
  const items: CapturedItem[] = []
  let connections = 0
  let dropped = 0
  const direction = (): Direction => ({ held: new Map(), frames: new FrameDecoder(MAX_FRAME_SIZE) })

  for (const s of segments) {
    if (port !== undefined && s.srcPort !== port && s.dstPort !== port) continue
    const from = endpoint(s.src, s.srcPort)
    const to = endpoint(s.dst, s.dstPort)
    const key = from < to ? `${from} ${to}` : `${to} ${from}`
    let stream = streams.get(key)
    if (stream === undefined || (stream.finished === 3 && (s.flags & SYN) !== 0)) {
      const fromIsClient = (s.flags & (SYN | ACK)) === SYN ||
        ((s.flags & SYN) === 0 && (port !== undefined ? s.dstPort === port : s.dstPort < s.srcPort))
      const syn = (s.flags & SYN) !== 0
      if ((s.flags & SYN) !== 0 && (s.flags & ACK) !== 0) {
        // The SYN itself was not captured: the SYN-ACK comes from the server.
        stream = { connection: ++connections, client: to, server: from, toServer: direction(), toClient: direction(), broken: false, finished: 0 }
      } else {
        stream = { connection: ++connections, client: fromIsClient ? from : to, server: fromIsClient ? to : from, toServer: direction(), toClient: direction(), broken: false, finished: 0 }
      }
      streams.set(key, stream)
      items.push({ kind: 'open', connection: stream.connection, at: s.at, peer: stream.client, upstream: stream.server })
      if (!syn && s.payload.length === 0 && (s.flags & (FIN | RST)) === 0) continue
    }
    const st = stream
    // The last ACK after both FINs, or stray segments of a finished connection.
    if (st.finished === 3) continue
    const toServer = from === st.client
    const d = toServer ? st.toServer : st.toClient
    if ((s.flags & SYN) !== 0) {
      d.next = (s.seq + 1) >>> 0
      continue
    }
    if (s.payload.length > 0 && !st.broken) {
      d.next ??= s.seq
      accept(d, s.seq, s.payload, payload => {
        items.push({ kind: 'frame', connection: st.connection, at: s.at, direction: toServer ? 'request' : 'response', wire: Buffer.from(payload) })
      }, () => { st.broken = true; dropped++ })
    }
    if ((s.flags & (FIN | RST)) !== 0) {
      // One bit per side, so a retransmitted FIN does not end the connection.
      st.finished = (s.flags & RST) !== 0 ? 3 : st.finished | (toServer ? 1 : 2)
      if (st.finished === 3) items.push({ kind: 'close', connection: st.connection, at: s.at, peer: st.client, upstream: st.server })
    }
  }
  return { items, dropped }
}

function accept (d: Direction, seq: number, payload: Buffer, onFrame: (p: Buffer) => void, onBroken: () => void): void {
  d.held.set(seq, payload)
  if (d.held.size > MAX_HELD) { d.held.clear(); onBroken(); return }
  for (;;) {
    let progressed = false
    for (const [at, data] of d.held) {
      const ahead = (at - d.next!) | 0
      if (ahead > 0) continue
      d.held.delete(at)
      const fresh = data.subarray(-ahead)
      if (fresh.length === 0) continue
      d.next = (d.next! + fresh.length) >>> 0
      try {
        d.frames.push(fresh, onFrame)
      } catch {
        d.held.clear()
        onBroken()
        return
      }
      progressed = true
    }
    if (!progressed) return
  }
}
