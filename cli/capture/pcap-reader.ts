import { UsageError } from '../errors.js'

/**
 * Reads packet captures: libpcap (micro- and nanosecond, either byte order) and pcapng
 * (section, interface and enhanced/simple packet blocks; per-interface link type and
 * timestamp resolution). Link layers: Ethernet (with VLAN tags), Linux cooked SLL and SLL2
 * (`tcpdump -i any`), raw IP, BSD loopback; network layers IPv4 and IPv6. Yields the TCP
 * segments; everything else is skipped.
 */

/** One TCP segment from a capture. */
export interface TcpSegment {
  /** Capture time, milliseconds since the epoch. */
  at: number
  /** Source address (text). */
  src: string
  /** Destination address (text). */
  dst: string
  srcPort: number
  dstPort: number
  seq: number
  /** TCP flags byte (SYN 0x02, FIN 0x01, RST 0x04, ACK 0x10). */
  flags: number
  payload: Buffer
}

interface Packet { at: number, linkType: number, data: Buffer }

const ipv4Text = (b: Buffer): string => [...b].join('.')
const ipv6Text = (b: Buffer): string => {
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16))
  return `[${groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::')}]`
}

function pcapPackets (file: Buffer): Packet[] {
  const magic = file.readUInt32LE(0)
  const little = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d
  const nano = magic === 0xa1b23c4d || magic === 0x4d3cb2a1
  const u32 = (o: number): number => little ? file.readUInt32LE(o) : file.readUInt32BE(o)
  const linkType = u32(20) & 0x0fffffff
  const packets: Packet[] = []
  for (let o = 24; o + 16 <= file.length;) {
    const seconds = u32(o)
    const fraction = u32(o + 4)
    const captured = u32(o + 8)
    if (o + 16 + captured > file.length) break
    packets.push({ at: seconds * 1000 + (nano ? fraction / 1e6 : fraction / 1e3), linkType, data: file.subarray(o + 16, o + 16 + captured) })
    o += 16 + captured
  }
  return packets
}

function pcapngPackets (file: Buffer): Packet[] {
  const packets: Packet[] = []
  let little = true
  let interfaces: Array<{ linkType: number, unitsPerSecond: number }> = []
  for (let o = 0; o + 12 <= file.length;) {
    const type = file.readUInt32LE(o)
    if (type === 0x0a0d0d0a) {
      little = file.readUInt32LE(o + 8) === 0x1a2b3c4d
      interfaces = []
    }
    const u32 = (at: number): number => little ? file.readUInt32LE(at) : file.readUInt32BE(at)
    const u16 = (at: number): number => little ? file.readUInt16LE(at) : file.readUInt16BE(at)
    const length = u32(o + 4)
    if (length < 12 || o + length > file.length) break
    const blockType = u32(o)
    if (blockType === 1) {
      let unitsPerSecond = 1e6
      // Options after LinkType(2) reserved(2) SnapLen(4): look for if_tsresol (9).
      for (let p = o + 16; p + 4 <= o + length - 4;) {
        const code = u16(p)
        const len = u16(p + 2)
        if (code === 0) break
        if (code === 9 && len >= 1) {
          const v = file[p + 4]!
          unitsPerSecond = (v & 0x80) !== 0 ? 2 ** (v & 0x7f) : 10 ** v
        }
        p += 4 + Math.ceil(len / 4) * 4
      }
      interfaces.push({ linkType: u16(o + 8), unitsPerSecond })
    } else if (blockType === 6) {
      const iface = interfaces[u32(o + 8)]
      const ticks = u32(o + 12) * 2 ** 32 + u32(o + 16)
      const captured = u32(o + 20)
      if (iface !== undefined) packets.push({ at: ticks / iface.unitsPerSecond * 1000, linkType: iface.linkType, data: file.subarray(o + 28, o + 28 + captured) })
    } else if (blockType === 3) {
      const iface = interfaces[0]
      const captured = Math.min(u32(o + 8), length - 16)
      if (iface !== undefined) packets.push({ at: 0, linkType: iface.linkType, data: file.subarray(o + 12, o + 12 + captured) })
    }
    o += length
  }
  return packets
}

/** The IP packet inside a link-layer frame, or undefined for other protocols. */
function ipOf (p: Packet): Buffer | undefined {
  const d = p.data
  let etherType: number
  let at: number
  switch (p.linkType) {
    case 1: // Ethernet
      etherType = d.readUInt16BE(12)
      at = 14
      while (etherType === 0x8100 || etherType === 0x88a8) { etherType = d.readUInt16BE(at + 2); at += 4 }
      break
    case 113: // Linux SLL
      etherType = d.readUInt16BE(14)
      at = 16
      break
    case 276: // Linux SLL2
      etherType = d.readUInt16BE(0)
      at = 20
      break
    case 0: { // BSD loopback: host-order address family
      const family = d.readUInt32LE(0) > 0xffff ? d.readUInt32BE(0) : d.readUInt32LE(0)
      etherType = family === 2 ? 0x0800 : 0x86dd
      at = 4
      break
    }
    case 101: case 228: case 229: case 12: // raw IP
      etherType = (d[0]! >> 4) === 6 ? 0x86dd : 0x0800
      at = 0
      break
    default:
      return undefined
  }
  if (etherType !== 0x0800 && etherType !== 0x86dd) return undefined
  return d.subarray(at)
}

function tcpOf (at: number, ip: Buffer): TcpSegment | undefined {
  let src: string
  let dst: string
  let tcp: Buffer
  const version = ip[0]! >> 4
  if (version === 4) {
    const ihl = (ip[0]! & 0x0f) * 4
    if (ip[9] !== 6 || (ip.readUInt16BE(6) & 0x1fff) !== 0) return undefined
    src = ipv4Text(ip.subarray(12, 16))
    dst = ipv4Text(ip.subarray(16, 20))
    tcp = ip.subarray(ihl, Math.min(ip.length, ip.readUInt16BE(2)))
  } else if (version === 6) {
    let next = ip[6]!
    let o = 40
    // Hop-by-hop, routing and destination options headers carry their length; skip them.
    while (next === 0 || next === 43 || next === 60) {
      next = ip[o]!
      o += (ip[o + 1]! + 1) * 8
    }
    if (next !== 6) return undefined
    src = ipv6Text(ip.subarray(8, 24))
    dst = ipv6Text(ip.subarray(24, 40))
    tcp = ip.subarray(o, 40 + ip.readUInt16BE(4))
  } else {
    return undefined
  }
  if (tcp.length < 20) return undefined
  const offset = (tcp[12]! >> 4) * 4
  return {
    at, src, dst,
    srcPort: tcp.readUInt16BE(0),
    dstPort: tcp.readUInt16BE(2),
    seq: tcp.readUInt32BE(4),
    flags: tcp[13]!,
    payload: tcp.subarray(offset)
  }
}

/** The TCP segments of a pcap or pcapng capture, in capture order. Throws `UsageError` for other files. */
export function readCapture (file: Buffer): TcpSegment[] {
  if (file.length < 24) throw new UsageError('not a packet capture: too short')
  const magic = file.readUInt32LE(0)
  let packets: Packet[]
  if (magic === 0x0a0d0d0a) packets = pcapngPackets(file)
  else if ([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1].includes(magic)) packets = pcapPackets(file)
  else throw new UsageError('not a pcap or pcapng capture (unknown magic number)')
  const segments: TcpSegment[] = []
  for (const p of packets) {
    try {
      const ip = ipOf(p)
      const segment = ip !== undefined ? tcpOf(p.at, ip) : undefined
      if (segment !== undefined) segments.push(segment)
    } catch (e) {
      if (!(e instanceof RangeError)) throw e
      // A packet cut short by the snap length: skipped like any non-TCP packet.
    }
  }
  return segments
}

/** True when `file` starts like a pcap or pcapng capture. */
export function isCapture (file: Buffer): boolean {
  return file.length >= 4 && [0x0a0d0d0a, 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1].includes(file.readUInt32LE(0))
}
