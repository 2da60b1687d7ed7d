import { FrameDecoder } from '../../protocol/frame-decoder.js'
import { decodeRequestHeader, MAX_FRAME_SIZE, peekCorrelationId } from '../../protocol/index.js'
import type { TeeChunk, TeeConnection } from './tcp-tee.js'

/** A request and its response (when one came), as size-prefixed frames. */
export interface Exchange {
  /** Tee connection number. */
  connection: number
  /** Label of the connection (the tool that opened it). */
  label: string
  apiKey: number
  apiVersion: number
  correlationId: number
  clientId: string | null
  /** The request frame, size prefix included. */
  request: Buffer
  /** The response frame, size prefix included; undefined when none came (e.g. acks=0). */
  response: Buffer | undefined
}

function withPrefix (payload: Buffer): Buffer {
  const frame = Buffer.alloc(4 + payload.length)
  frame.writeInt32BE(payload.length, 0)
  payload.copy(frame, 4)
  return frame
}

/**
 * Cuts recorded streams into frames and pairs each response with its request: per connection
 * the correlation id is unique, and request headers name the API and version (the first
 * fields of header v1 and v2 alike, so undeclared APIs pair too). Returns exchanges in
 * request order, plus the number of bytes left over after the last whole frame.
 */
export function pairExchanges (chunks: readonly TeeChunk[], connections: readonly TeeConnection[]): { exchanges: Exchange[], leftoverBytes: number } {
  const decoders = new Map<string, FrameDecoder>()
  const open = new Map<string, Exchange>()
  const exchanges: Exchange[] = []
  const labels = new Map(connections.map(c => [c.connection, c.label]))
  for (const { connection, direction, data } of chunks) {
    const key = `${connection}/${direction}`
    let decoder = decoders.get(key)
    if (decoder === undefined) decoders.set(key, decoder = new FrameDecoder(MAX_FRAME_SIZE))
    decoder.push(data, payload => {
      if (direction === 'request') {
        const { header } = decodeRequestHeader(payload, () => false)
        const exchange: Exchange = { connection, label: labels.get(connection) ?? '', ...header, request: withPrefix(payload), response: undefined }
        exchanges.push(exchange)
        open.set(`${connection}/${header.correlationId}`, exchange)
        return
      }
      const id = `${connection}/${peekCorrelationId(payload)}`
      const exchange = open.get(id)
      if (exchange === undefined) throw new Error(`connection ${connection}: response to unknown correlation id ${peekCorrelationId(payload)}`)
      exchange.response = withPrefix(payload)
      open.delete(id)
    })
  }
  const leftoverBytes = [...decoders.values()].reduce((n, d) => n + d.pendingBytes, 0)
  return { exchanges, leftoverBytes }
}
