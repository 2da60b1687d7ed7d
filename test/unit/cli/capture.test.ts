import t from 'tap'
import { ApiVersions, encodeRequest, encodeResponse } from '../../../protocol/index.js'
import { PcapWriter, tcpPacket, ipBytes } from '../../../cli/capture/pcap-writer.js'
import { readCapture } from '../../../cli/capture/pcap-reader.js'
import { reassemble } from '../../../cli/capture/tcp-streams.js'
import { frameMatches, isIdleExchange, mayBeIdle, requestFacts, responseFacts } from '../../../cli/proxy/filter.js'
import { ShareFrames } from '../../helpers/share-frames.js'

const request = encodeRequest(ApiVersions, 3, { correlationId: 7, clientId: 'me' }, { clientSoftwareName: 'kshare', clientSoftwareVersion: '0.1' })
const response = encodeResponse(ApiVersions, 3, 7, { errorCode: 0, apiKeys: [{ apiKey: 78, minVersion: 1, maxVersion: 2 }] })

t.test('pcap written by the proxy reads back as the same frames, IPv4 and IPv6', async t => {
  for (const [client, server] of [['127.0.0.1', '127.0.0.1'], ['::1', '::1'], ['::ffff:127.0.0.1', '127.0.0.1']] as const) {
    const parts: Buffer[] = []
    const w = new PcapWriter(b => parts.push(b))
    w.open(1, { host: client, port: 50_000 }, { host: server, port: 9092 }, 1_000)
    const big = Buffer.alloc(150_000, 7) // spans three segments
    w.frame(1, 'request', request.subarray(4), 1_001)
    w.frame(1, 'response', response.subarray(4), 1_002)
    w.frame(1, 'request', big, 1_003)
    w.close(1, 1_004)
    const segments = readCapture(Buffer.concat(parts))
    t.equal(segments[0]!.src, client === '::1' ? '[::1]' : '127.0.0.1', `${client}: address family kept`)
    const { items } = reassemble(segments)
    t.same(items.map(i => i.kind), ['open', 'frame', 'frame', 'frame', 'close'])
    const frames = items.filter(i => i.kind === 'frame')
    t.same(frames.map(f => f.direction), ['request', 'response', 'request'])
    t.ok(frames[0]!.wire.equals(request.subarray(4)) && frames[2]!.wire.equals(big), 'bytes intact across segments')
    t.equal(items[1]!.at, 1_001, 'timestamps kept')
  }
})

t.test('reassembly drops retransmissions and reorders segments; SLL2 and raw IP link types', async t => {
  const c = { ip: ipBytes('10.0.0.1'), port: 40_000 }
  const s = { ip: ipBytes('10.0.0.2'), port: 9092 }
  const data = request
  const a = data.subarray(0, 10)
  const b = data.subarray(10)
  // Ethernet packets re-wrapped as Linux SLL2 (20-byte header, protocol first) and raw IP.
  const strip = (p: Buffer): Buffer => p.subarray(14)
  const sll2 = (ip: Buffer): Buffer => { const h = Buffer.alloc(20); h.writeUInt16BE(0x0800, 0); return Buffer.concat([h, ip]) }
  const packets = [
    tcpPacket(c, s, 99, 0, 0x02, Buffer.alloc(0)),
    tcpPacket(c, s, 100 + 10, 1, 0x18, b), // arrives first
    tcpPacket(c, s, 100, 1, 0x18, a),
    tcpPacket(c, s, 100, 1, 0x18, a) // retransmitted
  ].map(strip)
  for (const [linkType, wrap] of [[276, sll2], [101, (p: Buffer) => p]] as const) {
    const file: Buffer[] = []
    const header = Buffer.alloc(24)
    header.writeUInt32LE(0xa1b2c3d4, 0); header.writeUInt16LE(2, 4); header.writeUInt16LE(4, 6); header.writeUInt32LE(65535, 16); header.writeUInt32LE(linkType, 20)
    file.push(header)
    for (const p of packets) {
      const body = wrap(p)
      const h = Buffer.alloc(16)
      h.writeUInt32LE(body.length, 8); h.writeUInt32LE(body.length, 12)
      file.push(h, body)
    }
    const { items } = reassemble(readCapture(Buffer.concat(file)))
    const frames = items.filter(i => i.kind === 'frame')
    t.equal(frames.length, 1, `link type ${linkType}: one frame`)
    t.ok(frames[0]!.kind === 'frame' && frames[0]!.wire.equals(request.subarray(4)), 'in order, once')
  }
})

t.test('filter predicate and idle exchanges', async t => {
  const f = new ShareFrames('AAAAAAAAAAAAAAAAAAAAAQ', 'm1', 'g1')
  const name = (id: string): string => id === 'AAAAAAAAAAAAAAAAAAAAAQ' ? 'orders' : id
  const fetch = f.fetch(1)
  const facts = requestFacts(fetch, name)
  t.ok(frameMatches({ apis: ['sharefetch', 'ShareAcknowledge'] }, facts, 'request'))
  t.notOk(frameMatches({ apis: ['Metadata'] }, facts, 'request'))
  t.ok(frameMatches({ group: 'g1', member: 'm1', topic: 'orders', clientId: 'c' }, facts, 'request'))
  t.notOk(frameMatches({ topic: 'other' }, facts, 'request'))
  t.notOk(frameMatches({ clientId: 'x' }, facts, 'request'))
  t.notOk(frameMatches({ errorsOnly: true }, facts, 'request'))
  const empty = f.fetched([])
  const emptyFacts = responseFacts(empty, facts, name)
  t.ok(frameMatches({ group: 'g1', topic: 'orders' }, emptyFacts, 'response'), 'a response inherits its request\'s group and topic')
  t.notOk(frameMatches({ errorsOnly: true }, emptyFacts, 'response'))
  t.ok(mayBeIdle(fetch) && isIdleExchange(fetch, empty), 'an empty fetch is idle')
  const fetch2 = f.fetch(2)
  t.notOk(isIdleExchange(fetch2, f.fetched([[0n, 1n, 1]])), 'a fetch that acquired is not')
  const failed = f.fetch(3)
  const failedResponse = f.fetched([], { errorCode: 6 })
  t.notOk(isIdleExchange(failed, failedResponse), 'an error is not idle')
  t.ok(frameMatches({ errorsOnly: true }, responseFacts(failedResponse, undefined, name), 'response'))
  t.notOk(mayBeIdle(f.fetch(4, [{ firstOffset: 0n, lastOffset: 1n, acknowledgeTypes: [1] }])), 'a fetch with acks is never idle')
  const [hb, hbOk] = f.heartbeat(3, 0)
  t.ok(isIdleExchange(hb, hbOk), 'a steady heartbeat is idle')
  const [hb2, hbFenced] = f.heartbeat(3, 110)
  t.notOk(isIdleExchange(hb2, hbFenced), 'a fenced heartbeat is not')
})
