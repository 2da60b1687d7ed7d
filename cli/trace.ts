import diagnostics_channel from 'node:diagnostics_channel'
import { TRACE_CHANNELS, type ConnectionTrace, type WireTrace } from '../client/tracing.js'
import { KafkaProtocolError } from '../protocol/index.js'
import { renderFrame } from './render-frame.js'
import { ExchangeDecoder, type DecodedFrame } from './exchange.js'
import { toJson, type Output } from './output.js'
import { TopicNames } from './proxy/timeline.js'
import { timelineLine } from './proxy/monitor.js'

/**
 * `--trace`: prints the traffic of kshare's own clients, as `kshare proxy` prints a foreign
 * client's. Frames come from the client's `kshare:request:wire` diagnostics channel and go
 * through the proxy's decoder (responses paired by correlation id per connection, for
 * latencies) and its timeline renderer, so both tools print the same thing.
 *
 * diagnostics_channel is process-wide: every kshare client in the process is traced while
 * a trace is on (in the CLI there is only the command's).
 */

/** How much `--trace` prints: nothing, one timeline line per frame, or the line plus every field. */
export type TraceMode = 'off' | 'summary' | 'full'

/** Starts printing to `io.err`; returns the function that stops it. */
export function startTrace (io: Output, mode: TraceMode, json: boolean): () => void {
  if (mode === 'off') return () => {}
  const names = new TopicNames()
  const decoders = new Map<number, ExchangeDecoder>()
  const onWire = (message: unknown): void => {
    const w = message as WireTrace
    let decoder = decoders.get(w.connectionId)
    if (decoder === undefined) decoders.set(w.connectionId, decoder = new ExchangeDecoder())
    let frame: DecodedFrame | undefined
    let decodeError: KafkaProtocolError | undefined
    try {
      // Request frames carry their size prefix on the channel, responses do not.
      frame = w.direction === 'request' ? decoder.request(w.frame.subarray(4)) : decoder.response(w.frame)
    } catch (e) {
      if (!(e instanceof KafkaProtocolError)) throw e
      decodeError = e
    }
    const broker = `${w.broker.host}:${w.broker.port}`
    if (json) {
      io.err.write(frame !== undefined
        ? renderFrame(frame, true).replace(/^\{/, `{"connection":${w.connectionId},"broker":${toJson(broker)},"purpose":${toJson(w.purpose)},`)
        : toJson({ connection: w.connectionId, broker, direction: w.direction, error: decodeError?.message }) + '\n')
      return
    }
    const wire = w.direction === 'request' ? w.frame.subarray(4) : w.frame
    const line = timelineLine({ at: Date.now(), frame, decodeError, direction: w.direction, connection: w.connectionId, wire }, `#${w.connectionId}`, names, mode === 'full')
    io.err.write(w.late === true ? line.replace(/\n/, ' (late: its request had timed out)\n') : line)
  }
  const onConnection = (message: unknown): void => {
    const c = message as ConnectionTrace
    if (c.event === 'closed') decoders.delete(c.connectionId)
    if (json || c.event === 'ready') return
    const node = c.broker.nodeId < 0 ? 'bootstrap' : `node ${c.broker.nodeId}`
    io.err.write(c.event === 'connecting'
      ? `#${c.connectionId} connecting to ${node} ${c.broker.host}:${c.broker.port} (${c.purpose})\n`
      : `#${c.connectionId} closed${c.error !== undefined ? `: ${c.error.message}` : ''}\n`)
  }
  diagnostics_channel.subscribe(TRACE_CHANNELS.wire, onWire)
  diagnostics_channel.subscribe(TRACE_CHANNELS.connection, onConnection)
  return () => {
    diagnostics_channel.unsubscribe(TRACE_CHANNELS.wire, onWire)
    diagnostics_channel.unsubscribe(TRACE_CHANNELS.connection, onConnection)
  }
}

/** Runs `run` with tracing on as `net.trace` says (off: just runs it). */
export async function traced<T> (io: Output, net: { trace: TraceMode, json: boolean }, run: () => Promise<T>): Promise<T> {
  const stop = startTrace(io, net.trace, net.json)
  try {
    return await run()
  } finally {
    stop()
  }
}
