import diagnostics_channel from 'node:diagnostics_channel'
import { decodeRequest, type ApiDefinition } from '../protocol/index.js'

/**
 * Tracing on `node:diagnostics_channel`. Subscribe with
 * `diagnostics_channel.subscribe(TRACE_CHANNELS.end, (msg) => ...)`. Nothing is built or
 * published while a channel has no subscriber, so tracing costs ~nothing when unused.
 *
 * | channel | message | when |
 * |---|---|---|
 * | `kshare:request:start` | {@link RequestTrace} | `send()` accepted a request (before queueing) |
 * | `kshare:request:end` | {@link RequestTrace} with `durationMs`, `response` | the response was decoded |
 * | `kshare:request:error` | {@link RequestTrace} with `durationMs`, `error` | timeout, connection loss, bad response |
 * | `kshare:request:wire` | {@link WireTrace} | each frame sent and received, with the codec's decoded body |
 * | `kshare:connection` | {@link ConnectionTrace} | connect attempts, ready, close |
 * | `kshare:share:records` | {@link FetchedRecordsTrace} | a share consumer received records (per topic) |
 * | `kshare:share:acknowledge` | {@link AcknowledgeTrace} | `acknowledge()` recorded an acknowledgement (sent with the next request) |
 * | `kshare:share:ack-result` | {@link AckResultTrace} | the outcome of a partition's acknowledgements |
 * | `kshare:producer:batch` | {@link ProducerBatchTrace} | a produced batch was written, will be retried, or failed |
 *
 * The same {@link RequestTrace} object travels through start and end/error of one request
 * (like `TracingChannel` contexts), so subscribers may stash data on it. A late response to
 * a request that timed out is published on `wire` only.
 */
export const TRACE_CHANNELS = Object.freeze({
  start: 'kshare:request:start',
  end: 'kshare:request:end',
  error: 'kshare:request:error',
  wire: 'kshare:request:wire',
  connection: 'kshare:connection',
  records: 'kshare:share:records',
  acknowledge: 'kshare:share:acknowledge',
  ackResult: 'kshare:share:ack-result',
  producerBatch: 'kshare:producer:batch'
})

/** The broker end of a connection. */
export interface TraceBroker {
  /** Node id; -1 for a bootstrap connection whose node id is not known. */
  nodeId: number
  /** Host as dialled. */
  host: string
  /** Port. */
  port: number
}

/** One request, as published on `kshare:request:start` / `end` / `error`. */
export interface RequestTrace {
  /** Kafka API name, e.g. `ShareFetch`. */
  api: string
  /** API key. */
  apiKey: number
  /** Version sent. */
  version: number
  /** Correlation id of the request on its connection. */
  correlationId: number
  /** The broker. */
  broker: TraceBroker
  /** Pool purpose of the connection (`default`, `fetch`, `coordinator`, ...). */
  purpose: string
  /** Process-unique id of the connection (a new one after every reconnect). */
  connectionId: number
  /** The request body as given to `send()` (the encoder's input; defaults are not filled in). */
  request: unknown
  /** Size of the request frame in bytes, size prefix included. */
  requestBytes: number
  /** `performance.now()` when `send()` was called. */
  startTime: number
  /** Milliseconds from `send()` to the response or error (end/error only). */
  durationMs?: number
  /** The decoded response body (end only). */
  response?: unknown
  /** Size of the response frame in bytes, size prefix included (end only). */
  responseBytes?: number
  /** Why the request failed (error only): a `KafkaError`. */
  error?: Error
}

/** One frame on the wire, published on `kshare:request:wire`. */
export interface WireTrace {
  /** `request` (sent) or `response` (received). */
  direction: 'request' | 'response'
  /** Kafka API name. */
  api: string
  /** Version. */
  version: number
  /** Correlation id. */
  correlationId: number
  /** The broker. */
  broker: TraceBroker
  /** Pool purpose of the connection. */
  purpose: string
  /** Connection id. */
  connectionId: number
  /** The whole frame; for requests the 4-byte size prefix is included, for responses not. */
  frame: Buffer
  /**
   * The codec's decoded body: for requests the frame is decoded again, so defaults are
   * filled in exactly as the broker sees them; render with `describeMessage(api, version,
   * direction, body)`. Undefined when the frame could not be decoded.
   */
  body: unknown
  /** True for a response that arrived after its request had timed out (discarded). */
  late?: boolean
}

/** A connection's life, published on `kshare:connection`. */
export interface ConnectionTrace {
  /** `connecting`: dialling; `ready`: ApiVersions (and SASL) done; `closed`: gone (with `error` unless closed by us). */
  event: 'connecting' | 'ready' | 'closed'
  /** The broker. */
  broker: TraceBroker
  /** Pool purpose. */
  purpose: string
  /** Connection id. */
  connectionId: number
  /** Why it closed or failed to open. */
  error?: Error
}

/** Records a share consumer received from one fetch response, for one topic. */
export interface FetchedRecordsTrace {
  /** Share group. */
  groupId: string
  /** Topic. */
  topic: string
  /** Records received. */
  count: number
}

/** One acknowledgement recorded by `ShareConsumer.acknowledge()`. */
export interface AcknowledgeTrace {
  /** Share group. */
  groupId: string
  /** Topic. */
  topic: string
  /** `accept`, `release`, `reject` or `renew`. */
  type: string
}

/** The outcome of one partition's acknowledgements (applied, or failed with `error`). */
export interface AckResultTrace {
  /** Share group. */
  groupId: string
  /** Topic. */
  topic: string
  /** Partition. */
  partition: number
  /** Offsets covered. */
  count: number
  /** `null` when applied. */
  error: Error | null
}

/** A produced batch's fate: `sent` (written), `retried` (will be sent again) or `failed` (given up). */
export interface ProducerBatchTrace {
  /** Topic. */
  topic: string
  /** Partition. */
  partition: number
  /** Records in the batch. */
  count: number
  /** What happened to it. */
  outcome: 'sent' | 'retried' | 'failed'
  /** Why it was retried or failed. */
  error?: Error
}

/** The channels, created once. */
export const channels = {
  start: diagnostics_channel.channel(TRACE_CHANNELS.start),
  end: diagnostics_channel.channel(TRACE_CHANNELS.end),
  error: diagnostics_channel.channel(TRACE_CHANNELS.error),
  wire: diagnostics_channel.channel(TRACE_CHANNELS.wire),
  connection: diagnostics_channel.channel(TRACE_CHANNELS.connection),
  records: diagnostics_channel.channel(TRACE_CHANNELS.records),
  acknowledge: diagnostics_channel.channel(TRACE_CHANNELS.acknowledge),
  ackResult: diagnostics_channel.channel(TRACE_CHANNELS.ackResult),
  producerBatch: diagnostics_channel.channel(TRACE_CHANNELS.producerBatch)
}

/** True when someone listens on start, end or error: only then is a {@link RequestTrace} built. */
export function requestTracing (): boolean {
  return channels.start.hasSubscribers || channels.end.hasSubscribers || channels.error.hasSubscribers
}

/** Publishes a connection event on `kshare:connection` (when someone listens). */
export function publishConnection (event: ConnectionTrace['event'], conn: { nodeId: number, host: string, port: number, purpose: string, id: number }, error?: Error): void {
  if (!channels.connection.hasSubscribers) return
  const trace: ConnectionTrace = { event, broker: { nodeId: conn.nodeId, host: conn.host, port: conn.port }, purpose: conn.purpose, connectionId: conn.id }
  if (error !== undefined) trace.error = error
  channels.connection.publish(trace)
}

/**
 * Publishes a frame on `kshare:request:wire`; callers check `channels.wire.hasSubscribers`
 * first. A request frame is decoded again so that its body shows every field as sent.
 */
export function publishWire (direction: WireTrace['direction'], source: Omit<WireTrace, 'direction' | 'api' | 'frame' | 'body' | 'late'> & { api: ApiDefinition },
  frame: Buffer, late: boolean, body?: unknown): void {
  if (direction === 'request') {
    try {
      body = decodeRequest(source.api, frame.subarray(4)).body
    } catch {
      body = undefined
    }
  }
  channels.wire.publish({ ...source, direction, api: source.api.name, frame, body, late })
}
