import { parseArgs } from 'node:util'
import { parseBrokerAddress, formatAddress } from '../../client/address.js'
import type { CommandMain } from '../command.js'
import { UsageError } from '../errors.js'
import { describeMessage, renderTree } from '../../protocol/index.js'
import { KafkaProxy, type ProxiedFrame } from '../proxy/proxy.js'
import { summarize, TopicNames } from '../proxy/timeline.js'
import { renderFrame } from './decode.js'
import { toJson, type Output } from '../output.js'

/** Help text of `kshare proxy`. */
export const PROXY_HELP = `Usage: kshare proxy --upstream HOST:PORT [--listen HOST:PORT] [--json] [--verbose]

A TCP proxy that any Kafka client (Java, librdkafka, kshare) can use as its bootstrap
server. Every frame is decoded both ways and printed as a timeline: session epochs,
acquired ranges, acknowledgement batches, error codes by name, latency per request.
Broker addresses in responses (Metadata, FindCoordinator, DescribeCluster, ShareFetch and
ShareAcknowledge node endpoints) are rewritten to proxy listeners, one per broker, so the
client keeps talking through the proxy. APIs kshare does not decode pass through
untouched and show as raw. Plaintext listeners only. Stop with Ctrl-C.

Options:
  --upstream HOST:PORT   the real bootstrap broker
  --listen HOST:PORT     where clients connect (default 127.0.0.1:19092)
  --json                 one JSON object per frame (every field) instead of the timeline
  --verbose              the timeline plus every field of every frame
`

/** Options of `kshare proxy`. */
export interface ProxyCommandOptions {
  /** Real broker, `host:port`. */
  upstream: string
  /** Listener, `host:port`. */
  listen: string
  /** JSON lines. */
  json: boolean
  /** Timeline plus full field trees. */
  verbose: boolean
}

/** Formats one proxied frame as a timeline line (and its fields when verbose). */
export function timelineLine (p: ProxiedFrame, names: TopicNames, verbose: boolean, t0: number): string {
  const time = `${((performance.now() - t0) / 1000).toFixed(3).padStart(8)}s`
  const arrow = p.direction === 'request' ? '→' : '←'
  if (p.frame === undefined) return `${time} #${p.connection} ${arrow} undecodable frame: ${p.decodeError?.message ?? ''}\n`
  const f = p.frame
  names.learn(f)
  const latency = f.latencyMs !== undefined ? ` ${f.latencyMs.toFixed(1)}ms` : ''
  const rewritten = p.rewritten ? ' (addresses rewritten)' : ''
  let line = `${time} #${p.connection} ${arrow} ${f.apiName}${f.version !== undefined ? ` v${f.version}` : ''} c=${f.correlationId}${latency} ${summarize(f, names)}${rewritten}\n`
  if (verbose && f.api !== undefined && f.body !== undefined && f.version !== undefined) {
    line += renderTree(describeMessage(f.api, f.version, f.direction, f.body as object), '      ')
  }
  return line
}

/** Starts the proxy and prints frames until `signal` aborts; resolves when stopped. */
export async function proxyCommand (opts: ProxyCommandOptions, io: Output, signal: AbortSignal): Promise<void> {
  const proxy = new KafkaProxy({
    listen: parseBrokerAddress(opts.listen, '--listen'),
    upstream: parseBrokerAddress(opts.upstream, '--upstream')
  })
  const names = new TopicNames()
  const t0 = performance.now()
  proxy.on('warning', w => io.err.write(`kshare proxy: ${w}\n`))
  proxy.on('route', r => io.err.write(`kshare proxy: ${formatAddress(r.local)} → ${formatAddress(r.upstream)}\n`))
  proxy.on('frame', p => {
    if (opts.json) {
      io.out.write(p.frame !== undefined
        ? renderFrame(p.frame, true).replace(/^\{/, `{"connection":${p.connection},"rewritten":${p.rewritten},`)
        : toJson({ connection: p.connection, direction: p.direction, error: p.decodeError?.message }) + '\n')
    } else {
      io.out.write(timelineLine(p, names, opts.verbose, t0))
    }
  })
  await proxy.start()
  try {
    await new Promise<void>(resolve => {
      if (signal.aborted) resolve()
      signal.addEventListener('abort', () => resolve(), { once: true })
    })
  } finally {
    await proxy.close()
  }
}

/** `kshare proxy --upstream HOST:PORT [options]`; runs until Ctrl-C. */
export const proxyMain: CommandMain = async (args, io, ctx) => {
  const { values } = parseArgs({
    args,
    options: {
      upstream: { type: 'string' },
      listen: { type: 'string', default: '127.0.0.1:19092' },
      json: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help) {
    io.out.write(PROXY_HELP)
    return
  }
  if (values.upstream === undefined) throw new UsageError('--upstream HOST:PORT is required')
  await proxyCommand({ upstream: values.upstream, listen: values.listen, json: values.json, verbose: values.verbose }, io, ctx.signal())
}
