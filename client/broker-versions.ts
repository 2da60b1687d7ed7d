import { ApiVersions, BrokerRegistration, ControllerRegistration, negotiateVersion, UnsupportedVersionError, type ApiDefinition, type BrokerApiVersions, type ResponseOf } from '../protocol/index.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { responseError, UnsupportedApiVersionError } from './errors.js'
import { CLIENT_SOFTWARE_NAME, CLIENT_SOFTWARE_VERSION } from './software.js'

/** Sends ApiVersions at a version; the connection's handshake path. */
export type ApiVersionsSend = (version: number, body: { clientSoftwareName: string, clientSoftwareVersion: string }) => Promise<ResponseOf<typeof ApiVersions>>

/**
 * What a broker said about itself in ApiVersions: the versions of each API it speaks and the
 * cluster's finalized features, and the version kshare picks per API (cached).
 */
export class BrokerVersions {
  /** API versions the broker advertised, by API key. */
  readonly apis = new Map<number, BrokerApiVersions>()
  /** Finalized feature levels (e.g. `share.version` → 2). */
  readonly features = new Map<string, number>()
  private readonly picked = new Map<number, number>()

  /**
   * @param where the broker, for error messages
   * @param brokerId its node id, when known
   */
  constructor (private readonly where: string, private readonly brokerId: number | undefined) {}

  /**
   * Asks the broker (ApiVersions with kshare's name and version, KIP-511). We send the
   * highest version we speak; a broker that does not speak it answers UNSUPPORTED_VERSION
   * with its own range, and we ask again at the highest common version.
   */
  async exchange (send: ApiVersionsSend): Promise<void> {
    const body = { clientSoftwareName: CLIENT_SOFTWARE_NAME, clientSoftwareVersion: CLIENT_SOFTWARE_VERSION }
    let res = await send(ApiVersions.maxVersion, body)
    if (res.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
      const theirs = res.apiKeys.find(k => k.apiKey === ApiVersions.apiKey)
      res = await send(Math.min(ApiVersions.maxVersion, theirs?.maxVersion ?? 0), body)
    }
    const error = responseError(res.errorCode, { api: 'ApiVersions', brokerId: this.brokerId })
    if (error !== null) throw error
    for (const k of res.apiKeys) this.apis.set(k.apiKey, { apiKey: k.apiKey, minVersion: k.minVersion, maxVersion: k.maxVersion })
    for (const f of res.finalizedFeatures) this.features.set(f.name, f.maxVersionLevel)
  }

  /** The highest version of `api` both sides speak; throws {@link UnsupportedApiVersionError}. */
  versionFor (api: ApiDefinition): number {
    const known = this.picked.get(api.apiKey)
    if (known !== undefined) return known
    try {
      const version = negotiateVersion(api, [...this.apis.values()])
      this.picked.set(api.apiKey, version)
      return version
    } catch (err) {
      if (!(err instanceof UnsupportedVersionError)) throw err
      // A KRaft controller listener answers ApiVersions with the controller's APIs (brokers
      // register with it); no broker advertises BrokerRegistration or ControllerRegistration.
      const advice = this.apis.has(BrokerRegistration.apiKey) || this.apis.has(ControllerRegistration.apiKey)
        ? 'this is a KRaft controller listener, not a broker: point the client at a broker listener'
        : 'upgrade the broker (kshare needs Kafka 4.2+)'
      throw new UnsupportedApiVersionError(`${this.where}: ${err.message}; ${advice}`, err.ours, err.broker,
        { brokerId: this.brokerId, api: api.name, cause: err })
    }
  }

  /** True when the broker speaks a version of `api` that kshare speaks too. */
  supports (api: ApiDefinition): boolean {
    const range = this.apis.get(api.apiKey)
    return range !== undefined && Math.min(api.maxVersion, range.maxVersion) >= Math.max(api.minVersion, range.minVersion)
  }
}
