import type { ApiDefinition, RequestInput, RequestOf, ResponseInput, ResponseOf } from './api.js'
import { KafkaProtocolError } from './protocol-error.js'
import { Reader } from './reader.js'
import { Writer } from './writer.js'

/**
 * Request and response frames: a 4-byte big-endian size, a header, the body.
 *
 * Request header v1: api_key int16, api_version int16, correlation_id int32, client_id nullable string (int16 length)
 * Request header v2: v1 + tagged fields
 * Response header v0: correlation_id int32
 * Response header v1: v0 + tagged fields
 */

/** Fields of a request header that the caller chooses. */
export interface RequestHeaderInput {
  /** Echoed by the broker; pairs a response with its request. */
  correlationId: number
  /** Shown in broker logs and quotas; null sends none. */
  clientId: string | null
}

/** A decoded request header. */
export interface RequestHeader extends RequestHeaderInput {
  /** API key. */
  apiKey: number
  /** API version. */
  apiVersion: number
}

/** Largest frame we accept or build by default (the broker's `socket.request.max.bytes` is 100 MiB). */
export const MAX_FRAME_SIZE = 100 * 1024 * 1024

function requestHeaderSize (clientId: string | null, flexible: boolean): number {
  return 8 + 2 + (clientId === null ? 0 : Buffer.byteLength(clientId)) + (flexible ? 1 : 0)
}

/** Encodes a size-prefixed request frame in one allocation. */
export function encodeRequest<A extends ApiDefinition> (
  api: A, version: number, header: RequestHeaderInput, body: RequestInput<A>
): Buffer {
  const codec = api.request(version)
  const flexible = api.requestHeaderVersion(version) === 2
  let bodySize: number
  try {
    bodySize = codec.size(body as never)
  } catch (e) {
    if (e instanceof KafkaProtocolError) e.setApi(api.name, version)
    throw e
  }
  const size = requestHeaderSize(header.clientId, flexible) + bodySize
  const w = Writer.alloc(4 + size)
  w.int32(size).int16(api.apiKey).int16(version).int32(header.correlationId).string(header.clientId)
  if (flexible) w.uvarint(0)
  try {
    codec.write(w, body as never)
  } catch (e) {
    if (e instanceof KafkaProtocolError) e.setApi(api.name, version)
    throw e
  }
  return w.finish()
}

/** Reads a request header (v1 or v2) from a frame without its size prefix. */
export function decodeRequestHeader (payload: Buffer, flexible: (apiKey: number, version: number) => boolean): { header: RequestHeader, bodyOffset: number } {
  const r = new Reader(payload)
  const apiKey = r.int16()
  const apiVersion = r.int16()
  const correlationId = r.int32()
  const clientId = r.string()
  if (flexible(apiKey, apiVersion)) skipTaggedFields(r)
  return { header: { apiKey, apiVersion, correlationId, clientId }, bodyOffset: r.offset }
}

/** Decodes the body of a request of `api`; `payload` is the frame without the size prefix. */
export function decodeRequest<A extends ApiDefinition> (api: A, payload: Buffer): { header: RequestHeader, body: RequestOf<A> } {
  const { header, bodyOffset } = decodeRequestHeader(payload, (_, v) => api.requestHeaderVersion(v) === 2)
  if (header.apiKey !== api.apiKey) {
    throw new KafkaProtocolError(`frame has API key ${header.apiKey}, expected ${api.apiKey}`, 0, 'apiKey', api.name)
  }
  const body = decodeBody(api.name, header.apiVersion, () => api.request(header.apiVersion), payload, bodyOffset)
  return { header, body: body as RequestOf<A> }
}

/** Encodes a size-prefixed response frame (for tests, recordings and the proxy). */
export function encodeResponse<A extends ApiDefinition> (
  api: A, version: number, correlationId: number, body: ResponseInput<A>
): Buffer {
  const codec = api.response(version)
  const flexible = api.responseHeaderVersion(version) === 1
  const size = 4 + (flexible ? 1 : 0) + codec.size(body as never)
  const w = Writer.alloc(4 + size)
  w.int32(size).int32(correlationId)
  if (flexible) w.uvarint(0)
  codec.write(w, body as never)
  return w.finish()
}

/** Reads the correlation id that starts every response frame (without the size prefix). */
export function peekCorrelationId (payload: Buffer): number {
  return new Reader(payload).int32()
}

/** Decodes a response frame (without its size prefix) of `api` at `version`. */
export function decodeResponse<A extends ApiDefinition> (api: A, version: number, payload: Buffer): { correlationId: number, body: ResponseOf<A> } {
  const r = new Reader(payload)
  let correlationId: number
  try {
    correlationId = r.int32()
    if (api.responseHeaderVersion(version) === 1) skipTaggedFields(r)
  } catch (e) {
    if (e instanceof KafkaProtocolError) {
      e.prependPath('header')
      e.setApi(api.name, version)
    }
    throw e
  }
  const body = decodeBody(api.name, version, () => api.response(version), payload, r.offset)
  return { correlationId, body: body as ResponseOf<A> }
}

function decodeBody (name: string, version: number, codec: () => { read: (r: Reader) => unknown }, payload: Buffer, offset: number): unknown {
  const r = new Reader(payload, offset)
  try {
    const body = codec().read(r)
    if (r.remaining !== 0) r.fail(`${r.remaining} byte(s) left after the message`)
    return body
  } catch (e) {
    if (e instanceof KafkaProtocolError) e.setApi(name, version)
    throw e
  }
}

function skipTaggedFields (r: Reader): void {
  const n = r.uvarint()
  for (let i = 0; i < n; i++) {
    r.uvarint()
    r.raw(r.uvarint())
  }
}

