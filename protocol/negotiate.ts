import type { ApiDefinition } from './api.js'

/**
 * Version negotiation: each request goes out in the highest version that both kshare and
 * the broker speak, as the broker's ApiVersions response advertises them.
 */

/** One entry of an ApiVersions response's `apiKeys`: an API and the versions a broker speaks. */
export interface BrokerApiVersions {
  /** API key. */
  apiKey: number
  /** Oldest version the broker speaks. */
  minVersion: number
  /** Newest version the broker speaks. */
  maxVersion: number
}

/** The part of an API declaration that negotiation needs. */
export type NegotiableApi = Pick<ApiDefinition, 'name' | 'apiKey' | 'minVersion' | 'maxVersion'>

/**
 * No version of an API is spoken by both sides: the broker lacks the API (e.g. share
 * groups on a Kafka 4.0 broker), or its versions are all older or newer than ours. The
 * client layer wraps it in its own error with the broker's address.
 */
export class UnsupportedVersionError extends Error {
  override readonly name = 'UnsupportedVersionError'

  /**
   * @param api Kafka's name for the API
   * @param apiKey API key
   * @param ours versions kshare speaks, [min, max]
   * @param broker versions the broker advertises, [min, max], or null when it does not advertise the API
   */
  constructor (
    readonly api: string,
    readonly apiKey: number,
    readonly ours: readonly [min: number, max: number],
    readonly broker: readonly [min: number, max: number] | null
  ) {
    super(broker === null
      ? `the broker does not support ${api} (key ${apiKey}); kshare speaks v${ours[0]}-v${ours[1]}`
      : `no common version of ${api} (key ${apiKey}): kshare speaks v${ours[0]}-v${ours[1]}, the broker v${broker[0]}-v${broker[1]}`)
  }
}

/**
 * The highest version of `api` that both kshare and the broker speak.
 *
 * @param api the declaration (its `minVersion`-`maxVersion` are what we speak)
 * @param brokerApiKeys the `apiKeys` of the broker's ApiVersions response
 * @throws UnsupportedVersionError when the ranges do not overlap or the broker lacks the API
 */
export function negotiateVersion (api: NegotiableApi, brokerApiKeys: readonly BrokerApiVersions[]): number {
  const entry = brokerApiKeys.find(k => k.apiKey === api.apiKey)
  const ours = [api.minVersion, api.maxVersion] as const
  if (entry === undefined) throw new UnsupportedVersionError(api.name, api.apiKey, ours, null)
  const version = Math.min(api.maxVersion, entry.maxVersion)
  if (version < api.minVersion || version < entry.minVersion) {
    throw new UnsupportedVersionError(api.name, api.apiKey, ours, [entry.minVersion, entry.maxVersion])
  }
  return version
}
