import { KafkaProtocolError } from '../../protocol/index.js'
import { UsageError } from '../errors.js'
import { ExchangeDecoder } from '../exchange.js'
import type { Monitor } from '../proxy/monitor.js'
import type { CapturedItem } from './tcp-streams.js'

/**
 * Reads back what `kshare proxy --json` wrote: connection open/close lines and frame lines
 * (their `frame` field is the frame's bytes in hex). Lines without bytes (findings, decode
 * output of other tools) are skipped.
 */
export function readJsonLog (text: string): CapturedItem[] {
  const items: CapturedItem[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line === '') continue
    let o: Record<string, unknown>
    try {
      o = JSON.parse(line) as Record<string, unknown>
    } catch (e) {
      throw new UsageError(`line ${i + 1} is not JSON: ${(e as Error).message}`)
    }
    const at = typeof o.ts === 'string' ? Date.parse(o.ts) : 0
    const connection = typeof o.connection === 'number' ? o.connection : 0
    if (o.event === 'open') {
      items.push({ kind: 'open', connection, at, peer: String(o.peer ?? '?'), upstream: String(o.upstream ?? '?') })
    } else if (o.event === 'close') {
      items.push({ kind: 'close', connection, at, peer: String(o.peer ?? '?'), upstream: String(o.upstream ?? '?'), closedBy: typeof o.closedBy === 'string' ? o.closedBy : undefined })
    } else if (typeof o.frame === 'string' && (o.direction === 'request' || o.direction === 'response')) {
      items.push({ kind: 'frame', connection, at, direction: o.direction, wire: Buffer.from(o.frame, 'hex') })
    }
  }
  return items
}

/**
 * Feeds captured traffic to a monitor: frames are decoded per connection (responses paired
 * by correlation id, latencies by capture time). A connection whose first request does not
 * decode is not Kafka: it is skipped. Returns how many connections were skipped.
 */
export function replay (items: CapturedItem[], monitor: Monitor): { skipped: number } {
  let now = 0
  const decoders = new Map<number, ExchangeDecoder>()
  const opens = new Map<number, CapturedItem & { kind: 'open' }>()
  const skipped = new Set<number>()
  for (const item of items) {
    now = item.at
    if (skipped.has(item.connection)) continue
    if (item.kind === 'open') {
      opens.set(item.connection, item)
      continue
    }
    if (item.kind === 'close') {
      const open = opens.get(item.connection)
      if (open !== undefined) monitor.closed({ connection: item.connection, at: item.at, peer: open.peer, upstream: open.upstream, closedBy: item.closedBy })
      opens.delete(item.connection)
      decoders.delete(item.connection)
      continue
    }
    let decoder = decoders.get(item.connection)
    // Until a request decodes, the stream is not known to be Kafka (or was caught mid-way).
    if (decoder === undefined && item.direction === 'response') continue
    const first = decoder === undefined
    if (decoder === undefined) decoders.set(item.connection, decoder = new ExchangeDecoder(() => now))
    try {
      const frame = item.direction === 'request' ? decoder.request(item.wire) : decoder.response(item.wire)
      if (first && frame.api === undefined && frame.apiName.startsWith('ApiKey ')) {
        skipped.add(item.connection)
        decoders.delete(item.connection)
        continue
      }
      if (first) {
        const open = opens.get(item.connection)
        if (open !== undefined) monitor.opened({ connection: item.connection, at: open.at, peer: open.peer, upstream: open.upstream })
      }
      monitor.frame({ at: item.at, connection: item.connection, direction: item.direction, frame, wire: item.wire })
    } catch (e) {
      if (!(e instanceof KafkaProtocolError)) throw e
      if (first) {
        skipped.add(item.connection)
        decoders.delete(item.connection)
        continue
      }
      monitor.frame({ at: item.at, connection: item.connection, direction: item.direction, decodeError: e, wire: item.wire })
    }
  }
  return { skipped: skipped.size }
}
