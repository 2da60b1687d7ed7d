import {
  decodeAnyRequest, decodeResponse, KafkaProtocolError, peekCorrelationId,
  type ApiDefinition
} from '../protocol/index.js'
import { kafkaApiName } from './api-names.js'

/** One decoded frame, in either direction. */
export interface DecodedFrame {
  /** Which way the frame travelled. */
  direction: 'request' | 'response'
  /** API name, or `ApiKey <n>` for an API we do not declare. */
  apiName: string
  /** The API declaration, when known. */
  api: ApiDefinition | undefined
  /** API version (of the request this answers, for responses). */
  version: number | undefined
  /** Correlation id. */
  correlationId: number
  /** Client id (requests only). */
  clientId?: string | null
  /** Decoded body; undefined when the API is unknown (the frame is shown raw). */
  body: unknown
  /** Milliseconds since the request was seen (responses paired with a request). */
  latencyMs?: number
  /** The frame without its size prefix. */
  payload: Buffer
}

interface Pending {
  api: ApiDefinition | undefined
  apiKey: number
  version: number
  at: number
}

/** Requests awaiting responses we remember at most; a peer that never answers cannot grow this. */
const MAX_PENDING = 10_000

/**
 * Decodes a conversation: requests are self-describing; a response is decoded with the API
 * and version of the request that carried the same correlation id. Used by `kshare decode`
 * and `kshare proxy`.
 */
export class ExchangeDecoder {
  private readonly pending = new Map<number, Pending>()

  /** @param now clock, for latencies */
  constructor (private readonly now: () => number = () => performance.now()) {}

  /** Decodes a request and remembers it for its response. Throws `KafkaProtocolError`. */
  request (payload: Buffer): DecodedFrame {
    const { header, api, body } = decodeAnyRequest(payload)
    if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value!)
    this.pending.set(header.correlationId, { api, apiKey: header.apiKey, version: header.apiVersion, at: this.now() })
    return {
      direction: 'request',
      apiName: api?.name ?? kafkaApiName(header.apiKey),
      api,
      version: header.apiVersion,
      correlationId: header.correlationId,
      clientId: header.clientId,
      body,
      payload
    }
  }

  /** True when a request with this response's correlation id was seen. */
  isAwaited (payload: Buffer): boolean {
    return payload.length >= 4 && this.pending.has(peekCorrelationId(payload))
  }

  /**
   * Decodes a response. Its API and version come from the paired request, or from `hint`
   * when no request was seen (e.g. `kshare decode --api ShareFetch --version 2`).
   */
  response (payload: Buffer, hint?: { api: ApiDefinition, version: number }): DecodedFrame {
    const correlationId = peekCorrelationId(payload)
    const seen = this.pending.get(correlationId)
    this.pending.delete(correlationId)
    const api = seen !== undefined ? seen.api : hint?.api
    const version = seen?.version ?? hint?.version
    const latencyMs = seen !== undefined ? this.now() - seen.at : undefined
    const base = { direction: 'response' as const, correlationId, payload, latencyMs }
    if (api === undefined || version === undefined) {
      if (seen === undefined) {
        throw new KafkaProtocolError('response without a matching request: give --api and --version', 0, 'correlationId')
      }
      return { ...base, apiName: kafkaApiName(seen.apiKey), api: undefined, version, body: undefined }
    }
    return { ...base, apiName: api.name, api, version, body: decodeResponse(api, version, payload).body }
  }
}
