import { Monitor } from '../proxy/monitor.js'
import type { FrameFilter } from '../proxy/filter.js'
import type { Output } from '../output.js'
import { UsageError } from '../errors.js'
import { isCapture, readCapture } from './pcap-reader.js'
import { readJsonLog, replay } from './replay.js'
import { reassemble, type CapturedItem } from './tcp-streams.js'

/** A capture or log in which the conformance checker found violations (exit 1). */
export class ConformanceError extends Error {
  override readonly name = 'ConformanceError'
}

/** Options of {@link decodeCapture}. */
export interface CaptureOptions {
  /** Only streams with this TCP port (the broker's side). */
  port?: number
  /** What to show. */
  filter: FrameFilter
  /** Every field under each line. */
  verbose: boolean
  /** JSON lines. */
  json: boolean
}

/** True when `input` is a capture or a `proxy --json` log rather than hex or raw frames. */
export function isTrafficLog (input: Buffer): boolean {
  return isCapture(input) || /^\s*\{/.test(input.subarray(0, 64).toString('latin1'))
}

/**
 * `kshare decode` of a pcap/pcapng capture or a `proxy --json` log: the proxy's timeline,
 * conformance findings and summary, offline. Throws `ConformanceError` when the checker found
 * violations (after printing everything).
 */
export function decodeCapture (input: Buffer, opts: CaptureOptions, io: Output): void {
  let items: CapturedItem[]
  let notes = ''
  if (isCapture(input)) {
    const { items: found, dropped } = reassemble(readCapture(input), opts.port)
    items = found
    if (dropped > 0) notes += `${dropped} TCP streams dropped: segments missing or not framed as Kafka\n`
  } else {
    if (opts.port !== undefined) throw new UsageError('--port applies to pcap/pcapng captures only')
    items = readJsonLog(input.toString('utf8'))
  }
  const monitor = new Monitor(text => io.out.write(text), { filter: opts.filter, verbose: opts.verbose, json: opts.json })
  const { skipped } = replay(items, monitor)
  if (skipped > 0) notes += `${skipped} connections skipped: not Kafka\n`
  if (items.length === 0) throw new UsageError(opts.port !== undefined ? `no TCP traffic on port ${opts.port} in the capture` : 'no Kafka traffic in the input')
  const last = items.at(-1)?.at ?? 0
  const summary = monitor.summary(last)
  ;(opts.json ? io.err : io.out).write(summary + notes)
  const { violations } = monitor.findings
  if (violations > 0) throw new ConformanceError(`${violations} share-group protocol violations (see ✗ VIOLATION lines)`)
}
