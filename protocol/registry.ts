import type { ApiDefinition } from './api.js'
import * as messages from './messages/index.js'

/** Every declared API by key: how a recorded or proxied frame finds its codec. */
export const API_BY_KEY: ReadonlyMap<number, ApiDefinition> = new Map(
  Object.values(messages).map(api => [api.apiKey, api as unknown as ApiDefinition])
)

/** Every declared API by name (`ShareFetch`). */
export const API_BY_NAME: ReadonlyMap<string, ApiDefinition> = new Map(
  [...API_BY_KEY.values()].map(api => [api.name, api])
)
