import { createWriteStream, type WriteStream } from 'node:fs'
import { parseArgs } from 'node:util'
import { parseBrokerAddress, formatAddress } from '../../client/address.js'
import type { CommandMain } from '../command.js'
import { UsageError } from '../errors.js'
import { KafkaProxy } from '../proxy/proxy.js'
import { Monitor } from '../proxy/monitor.js'
import { FILTER_HELP, FILTER_OPTIONS, filterFromArgs, type FrameFilter } from '../proxy/filter.js'
import { PcapWriter } from '../capture/pcap-writer.js'
import type { Output } from '../output.js'

/** Help text of `kshare proxy`. */
export const PROXY_HELP = `Usage: kshare proxy --upstream HOST:PORT [--listen HOST:PORT] [--advertise HOST:PORT] [options]

A TCP proxy that any Kafka client (Java, librdkafka, kshare) can use as its bootstrap
server. Every frame is decoded both ways and printed as a timeline: connections opening and
closing (peer, client id, client software), session epochs, acquired ranges,
acknowledgement batches, admin requests' groups and topics, errors by name with their field
path, latency per request. A conformance checker follows every share-group member's records
and session epochs and prints violations and notable events as they happen; Ctrl-C prints
a summary (latencies per API, errors, records per member). Broker addresses in responses are
rewritten to proxy listeners, one per broker, so the client keeps talking through the proxy.
Plaintext listeners only.

Options:
  --upstream HOST:PORT   the real bootstrap broker
  --listen HOST:PORT     where clients connect (default 127.0.0.1:19092; port 0 picks one)
  --advertise HOST:PORT  the address clients are told (needed with --listen 0.0.0.0:P;
                         port 0: the listening port)
  --json                 one JSON line per frame (timestamp, connection, direction, bytes)
                         and per connection event; \`kshare decode --file\` reads them back
  --pcap FILE            also write the client side as a libpcap capture (Wireshark, tshark)
  --verbose              the timeline plus every field of every frame
${FILTER_HELP}`

/** Capture bytes waiting for the disk before `--pcap` gives up. */
const MAX_PCAP_BACKLOG = 256 << 20

/** Options of `kshare proxy`. */
export interface ProxyCommandOptions {
  /** Real broker, `host:port`. */
  upstream: string
  /** Listener, `host:port`. */
  listen: string
  /** Address told to clients, `host:port`. */
  advertise?: string
  /** JSON lines. */
  json: boolean
  /** Timeline plus full field trees. */
  verbose: boolean
  /** Capture file to write. */
  pcap?: string
  /** What to show. */
  filter: FrameFilter
}

/** Starts the proxy and prints frames until `signal` aborts, then the summary; resolves when stopped. */
export async function proxyCommand (opts: ProxyCommandOptions, io: Output, signal: AbortSignal): Promise<void> {
  const proxy = new KafkaProxy({
    listen: parseListen(opts.listen, '--listen'),
    upstream: parseBrokerAddress(opts.upstream, '--upstream'),
    advertise: opts.advertise !== undefined ? parseListen(opts.advertise, '--advertise') : undefined
  })
  const monitor = new Monitor(text => io.out.write(text), { filter: opts.filter, verbose: opts.verbose, json: opts.json })
  let file: WriteStream | undefined
  let pcap: PcapWriter | undefined
  if (opts.pcap !== undefined) {
    const out = file = createWriteStream(opts.pcap)
    out.on('error', e => io.err.write(`kshare proxy: --pcap ${opts.pcap}: ${e.message}\n`))
    pcap = new PcapWriter(bytes => {
      // Traffic is never held up for the capture: a disk that cannot keep up ends it, bounded.
      if (out.writableLength > MAX_PCAP_BACKLOG) {
        io.err.write(`kshare proxy: --pcap stopped: ${MAX_PCAP_BACKLOG >> 20} MiB waiting for the disk\n`)
        pcap = undefined
        return
      }
      out.write(bytes)
    })
  }
  proxy.on('warning', w => io.err.write(`kshare proxy: ${w}\n`))
  proxy.on('route', r => io.err.write(`kshare proxy: listening on ${formatAddress(r.local)} (advertised as ${formatAddress(r.advertised)}) → ${formatAddress(r.upstream)}\n`))
  proxy.on('connection', c => {
    const info = { connection: c.connection, at: c.at, peer: formatAddress(c.peer), upstream: c.upstream, closedBy: c.closedBy }
    if (c.event === 'open') {
      pcap?.open(c.connection, c.peer, c.local, c.at)
      monitor.opened(info)
    } else {
      pcap?.close(c.connection, c.at)
      monitor.closed(info)
    }
  })
  proxy.on('frame', p => {
    pcap?.frame(p.connection, p.direction, p.wire, p.at)
    monitor.frame(p)
  })
  await proxy.start()
  try {
    await new Promise<void>(resolve => {
      if (signal.aborted) resolve()
      signal.addEventListener('abort', () => resolve(), { once: true })
    })
  } finally {
    await proxy.close()
    ;(opts.json ? io.err : io.out).write(monitor.summary(Date.now()))
    if (file !== undefined) await new Promise<void>(resolve => file.end(() => resolve()))
  }
}

/** A listen or advertised address; unlike a broker address its port may be 0 (the one the system picks). */
function parseListen (text: string, option: string): { host: string, port: number } {
  const any = /:0$/.test(text.trim())
  const address = parseBrokerAddress(any ? text.trim().replace(/:0$/, ':1') : text, option)
  return any ? { host: address.host, port: 0 } : address
}

/** `kshare proxy --upstream HOST:PORT [options]`; runs until Ctrl-C. */
export const proxyMain: CommandMain = async (args, io, ctx) => {
  const { values } = parseArgs({
    args,
    options: {
      upstream: { type: 'string' },
      listen: { type: 'string', default: '127.0.0.1:19092' },
      advertise: { type: 'string' },
      json: { type: 'boolean', default: false },
      pcap: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      ...FILTER_OPTIONS,
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help) {
    io.out.write(PROXY_HELP)
    return
  }
  if (values.upstream === undefined) throw new UsageError('--upstream HOST:PORT is required')
  await proxyCommand({
    upstream: values.upstream,
    listen: values.listen,
    advertise: values.advertise,
    json: values.json,
    verbose: values.verbose,
    pcap: values.pcap,
    filter: filterFromArgs(values)
  }, io, ctx.signal())
}
