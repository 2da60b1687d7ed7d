import type { ApiDefinition } from './api.js'
import { decodeRequest, decodeRequestHeader, type RequestHeader } from './frame.js'
import * as messages from './messages/index.js'
import * as generated from './messages/generated/index.js'

/** Every declared API by key: how a recorded or proxied frame finds its codec. */
export const API_BY_KEY: ReadonlyMap<number, ApiDefinition> = new Map(
  Object.values(messages).map(api => [api.apiKey, api as unknown as ApiDefinition])
)

const GENERATED: ReadonlySet<unknown> = new Set(Object.values(generated))

/**
 * Keys of the APIs declared by hand, the ones kshare's clients speak. The others in
 * `API_BY_KEY` are generated from Kafka's schemas (`messages/generated/`) so that every frame
 * decodes.
 */
export const HAND_WRITTEN_API_KEYS: ReadonlySet<number> = new Set(
  [...API_BY_KEY.values()].filter(api => !GENERATED.has(api)).map(api => api.apiKey)
)

/** Every declared API by name (`ShareFetch`). */
export const API_BY_NAME: ReadonlyMap<string, ApiDefinition> = new Map(
  [...API_BY_KEY.values()].map(api => [api.name, api])
)

/** A request frame decoded without knowing its API beforehand. */
export interface AnyRequest {
  /** The header (always readable, even for APIs we do not declare). */
  header: RequestHeader
  /** The API, when declared and the version is one we speak. */
  api: ApiDefinition | undefined
  /** The decoded body, when `api` is known. */
  body: unknown
}

/**
 * Decodes a request frame (without its size prefix) of any declared API: requests name
 * their API and version in the header. Undeclared APIs or versions yield the header only.
 */
export function decodeAnyRequest (payload: Buffer): AnyRequest {
  const { header } = decodeRequestHeader(payload, () => false)
  const api = API_BY_KEY.get(header.apiKey)
  if (api === undefined || header.apiVersion < api.minVersion || header.apiVersion > api.maxVersion) {
    return { header, api: undefined, body: undefined }
  }
  return { ...decodeRequest(api, payload), api }
}
