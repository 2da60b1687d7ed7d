import net from 'node:net'
import type { HostPort } from '../proxy/rewrite.js'

/**
 * Writes the client side of proxied connections as a libpcap file (link type Ethernet) that
 * Wireshark and tshark open: real addresses and ports, IPv4 or IPv6 as the connection was,
 * a synthetic three-way handshake and FIN exchange, and seq/ack numbers that stay consistent
 * per direction so the TCP dissector reassembles frames spread over several segments.
 */

const LINKTYPE_ETHERNET = 1
/** Payload per segment: under the 65535-byte IPv4 total length with room for headers. */
const SEGMENT = 65_000
const SYN = 0x02
const FIN = 0x01
const ACK = 0x10
const PSH = 0x08

interface Flow { client: Endpoint, server: Endpoint, clientSeq: number, serverSeq: number }
interface Endpoint { ip: Buffer, port: number }

/** An address as the 4 or 16 bytes of its IP (IPv4-mapped IPv6 becomes IPv4). */
export function ipBytes (host: string): Buffer {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host)
  const h = mapped?.[1] ?? host
  if (net.isIPv4(h)) return Buffer.from(h.split('.').map(Number))
  if (!net.isIPv6(h)) return Buffer.from([127, 0, 0, 1])
  const [head = '', tail = ''] = h.split('::') as [string, string?]
  const groups = (s: string): number[] => s === '' ? [] : s.split(':').map(g => parseInt(g, 16))
  const left = groups(head)
  const right = h.includes('::') ? groups(tail) : []
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right]
  const out = Buffer.alloc(16)
  all.forEach((g, i) => out.writeUInt16BE(g, i * 2))
  return out
}

/** Internet checksum (RFC 1071) over buffers. */
function checksum (parts: Buffer[]): number {
  let sum = 0
  let odd: number | undefined
  for (const b of parts) {
    let i = 0
    if (odd !== undefined && b.length > 0) { sum += (odd << 8) | b[0]!; odd = undefined; i = 1 }
    for (; i + 1 < b.length; i += 2) sum += (b[i]! << 8) | b[i + 1]!
    if (i < b.length) odd = b[i]!
  }
  if (odd !== undefined) sum += odd << 8
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16)
  return (~sum) & 0xffff
}

/** One Ethernet+IP+TCP packet. */
export function tcpPacket (from: Endpoint, to: Endpoint, seq: number, ack: number, flags: number, payload: Buffer): Buffer {
  const v6 = from.ip.length === 16
  const tcp = Buffer.alloc(20)
  tcp.writeUInt16BE(from.port, 0)
  tcp.writeUInt16BE(to.port, 2)
  tcp.writeUInt32BE(seq >>> 0, 4)
  tcp.writeUInt32BE(ack >>> 0, 8)
  tcp[12] = 5 << 4
  tcp[13] = flags
  tcp.writeUInt16BE(65535, 14)
  const tcpLength = 20 + payload.length
  const pseudo = v6 ? Buffer.alloc(40) : Buffer.alloc(12)
  if (v6) {
    from.ip.copy(pseudo, 0); to.ip.copy(pseudo, 16); pseudo.writeUInt32BE(tcpLength, 32); pseudo[39] = 6
  } else {
    from.ip.copy(pseudo, 0); to.ip.copy(pseudo, 4); pseudo[9] = 6; pseudo.writeUInt16BE(tcpLength, 10)
  }
  tcp.writeUInt16BE(checksum([pseudo, tcp, payload]), 16)
  let ip: Buffer
  if (v6) {
    ip = Buffer.alloc(40)
    ip.writeUInt32BE(0x60000000, 0)
    ip.writeUInt16BE(tcpLength, 4)
    ip[6] = 6
    ip[7] = 64
    from.ip.copy(ip, 8)
    to.ip.copy(ip, 24)
  } else {
    ip = Buffer.alloc(20)
    ip[0] = 0x45
    ip.writeUInt16BE(20 + tcpLength, 2)
    ip[6] = 0x40 // don't fragment
    ip[8] = 64
    ip[9] = 6
    from.ip.copy(ip, 12)
    to.ip.copy(ip, 16)
    ip.writeUInt16BE(checksum([ip]), 10)
  }
  // Synthetic, locally administered MACs: 02:00:00:00:00:01 and :02.
  const ether = Buffer.alloc(14)
  ether[0] = 0x02
  ether[5] = 0x01
  ether[6] = 0x02
  ether[11] = 0x02
  ether.writeUInt16BE(v6 ? 0x86dd : 0x0800, 12)
  return Buffer.concat([ether, ip, tcp, payload])
}

/** Writes proxied connections as libpcap; see the module comment. */
export class PcapWriter {
  private readonly flows = new Map<number, Flow>()

  /** @param write receives the file's bytes in order (header first) */
  constructor (private readonly write: (bytes: Buffer) => void) {
    const header = Buffer.alloc(24)
    header.writeUInt32LE(0xa1b2c3d4, 0)
    header.writeUInt16LE(2, 4)
    header.writeUInt16LE(4, 6)
    header.writeUInt32LE(262_144, 16)
    header.writeUInt32LE(LINKTYPE_ETHERNET, 20)
    write(header)
  }

  /** A client connected to the proxy at `server`: writes SYN, SYN-ACK, ACK. */
  open (connection: number, client: HostPort, server: HostPort, at: number): void {
    let c: Endpoint = { ip: ipBytes(client.host), port: client.port }
    let s: Endpoint = { ip: ipBytes(server.host), port: server.port }
    // Both ends must be of one family (a dual-stack listener reports mapped addresses).
    if (c.ip.length !== s.ip.length) {
      c = { ip: c.ip.length === 4 ? c.ip : Buffer.from([127, 0, 0, 1]), port: c.port }
      s = { ip: s.ip.length === 4 ? s.ip : Buffer.from([127, 0, 0, 1]), port: s.port }
    }
    const flow: Flow = { client: c, server: s, clientSeq: 1000, serverSeq: 5000 }
    this.flows.set(connection, flow)
    this.packet(at, tcpPacket(c, s, flow.clientSeq - 1, 0, SYN, Buffer.alloc(0)))
    this.packet(at, tcpPacket(s, c, flow.serverSeq - 1, flow.clientSeq, SYN | ACK, Buffer.alloc(0)))
    this.packet(at, tcpPacket(c, s, flow.clientSeq, flow.serverSeq, ACK, Buffer.alloc(0)))
  }

  /** One frame (`payload` without its size prefix) in `direction` on `connection`. */
  frame (connection: number, direction: 'request' | 'response', payload: Buffer, at: number): void {
    const flow = this.flows.get(connection)
    if (flow === undefined) return
    const prefix = Buffer.alloc(4)
    prefix.writeUInt32BE(payload.length, 0)
    const data = Buffer.concat([prefix, payload])
    for (let o = 0; o < data.length; o += SEGMENT) {
      const segment = data.subarray(o, o + SEGMENT)
      if (direction === 'request') {
        this.packet(at, tcpPacket(flow.client, flow.server, flow.clientSeq, flow.serverSeq, ACK | PSH, segment))
        flow.clientSeq = (flow.clientSeq + segment.length) >>> 0
      } else {
        this.packet(at, tcpPacket(flow.server, flow.client, flow.serverSeq, flow.clientSeq, ACK | PSH, segment))
        flow.serverSeq = (flow.serverSeq + segment.length) >>> 0
      }
    }
  }

  /** The connection ended: FIN both ways and the last ACK. */
  close (connection: number, at: number): void {
    const flow = this.flows.get(connection)
    if (flow === undefined) return
    this.flows.delete(connection)
    const { client: c, server: s } = flow
    this.packet(at, tcpPacket(c, s, flow.clientSeq, flow.serverSeq, FIN | ACK, Buffer.alloc(0)))
    this.packet(at, tcpPacket(s, c, flow.serverSeq, flow.clientSeq + 1, FIN | ACK, Buffer.alloc(0)))
    this.packet(at, tcpPacket(c, s, flow.clientSeq + 1, flow.serverSeq + 1, ACK, Buffer.alloc(0)))
  }

  private packet (at: number, bytes: Buffer): void {
    const h = Buffer.alloc(16)
    h.writeUInt32LE(Math.floor(at / 1000), 0)
    h.writeUInt32LE(Math.floor((at % 1000) * 1000), 4)
    h.writeUInt32LE(bytes.length, 8)
    h.writeUInt32LE(bytes.length, 12)
    this.write(Buffer.concat([h, bytes]))
  }
}
