import { Cluster } from '../../client/cluster.js'
import { responseError } from '../../client/errors.js'
import { CLIENT_SOFTWARE_NAME, CLIENT_SOFTWARE_VERSION } from '../../client/software.js'
import { API_BY_KEY, ApiVersions, HAND_WRITTEN_API_KEYS, type ApiDefinition, type ResponseOf } from '../../protocol/index.js'
import { kafkaApiName, SHARE_GROUP_API_KEYS } from '../api-names.js'
import type { CommandMain } from '../command.js'
import { closing, connectionOptions, NETWORK_HELP, parseNetworkArgs } from '../network.js'
import { toJson } from '../output.js'
import { table } from '../table.js'
import { traced } from '../trace.js'

/** Help text of `kshare api-versions`. */
export const API_VERSIONS_HELP = `Usage: kshare api-versions [options]

Asks a broker which API versions it speaks (ApiVersions) and prints them next to the
versions kshare speaks and the version kshare uses; share-group APIs (76-79, 90-92) are
marked with *. Then the cluster's finalized features, and whether share groups are on
(share.version >= 1).
${NETWORK_HELP}`

/** One API in the comparison. */
export interface ApiVersionRow {
  /** API key. */
  apiKey: number
  /** Kafka's name of the API. */
  name: string
  /** The broker's [min, max], or null when it does not advertise the API. */
  broker: [number, number] | null
  /** kshare's [min, max], or null when kshare does not declare the API. */
  kshare: [number, number] | null
  /** The version kshare sends, or null when there is none in common. */
  used: number | null
  /** A share-group client API. */
  shareGroup: boolean
}

/**
 * The broker's and kshare's versions of every API either side knows, by key; `used` gives
 * the negotiated version of an API kshare declares (the connection's choice).
 */
export function compareVersions (res: ResponseOf<typeof ApiVersions>, used: (api: ApiDefinition) => number | null): ApiVersionRow[] {
  const broker = new Map(res.apiKeys.map(k => [k.apiKey, [k.minVersion, k.maxVersion] as [number, number]]))
  const keys = [...new Set([...broker.keys(), ...HAND_WRITTEN_API_KEYS])].sort((a, b) => a - b)
  return keys.map(apiKey => {
    // Generated declarations only decode (decode, proxy): kshare's clients do not send them.
    const api = HAND_WRITTEN_API_KEYS.has(apiKey) ? API_BY_KEY.get(apiKey) : undefined
    const theirs = broker.get(apiKey) ?? null
    const ours: [number, number] | null = api !== undefined ? [api.minVersion, api.maxVersion] : null
    return { apiKey, name: kafkaApiName(apiKey), broker: theirs, kshare: ours, used: api !== undefined ? used(api) : null, shareGroup: SHARE_GROUP_API_KEYS.has(apiKey) }
  })
}

const range = (r: [number, number] | null): string => r === null ? '-' : r[0] === r[1] ? `${r[0]}` : `${r[0]}-${r[1]}`

/** Runs `kshare api-versions`. */
export const apiVersionsMain: CommandMain = async (args, io) => {
  const parsed = parseNetworkArgs(args, {}, { help: API_VERSIONS_HELP, io })
  if (parsed === undefined) return
  const { net } = parsed
  await traced(io, net, () => closing(new Cluster(connectionOptions(net)), async cluster => {
    const conn = await cluster.anyConnection()
    const version = conn.versionFor(ApiVersions)
    const res = await conn.send(ApiVersions, { clientSoftwareName: CLIENT_SOFTWARE_NAME, clientSoftwareVersion: CLIENT_SOFTWARE_VERSION })
    const error = responseError(res.errorCode, { api: 'ApiVersions', brokerId: conn.nodeId < 0 ? undefined : conn.nodeId })
    if (error !== null) throw error
    const rows = compareVersions(res, api => conn.supports(api) ? conn.versionFor(api) : null)
    const features = [...res.finalizedFeatures].sort((a, b) => a.name < b.name ? -1 : 1)
    const shareVersion = features.find(f => f.name === 'share.version')?.maxVersionLevel ?? 0
    const broker = `${conn.host}:${conn.port}`
    if (net.json) {
      io.out.write(toJson({ broker, apiVersionsVersion: version, apis: rows, finalizedFeaturesEpoch: res.finalizedFeaturesEpoch, finalizedFeatures: features, shareVersion }) + '\n')
      return
    }
    io.out.write(`broker ${broker}${conn.nodeId >= 0 ? ` (node ${conn.nodeId})` : ''}, ApiVersions v${version}\n\n`)
    io.out.write(table([
      ['', 'key', 'api', 'broker', 'kshare', 'used'],
      ...rows.map(r => [r.shareGroup ? '*' : '', String(r.apiKey), r.name, range(r.broker), range(r.kshare), r.used === null ? '-' : `v${r.used}`])
    ]))
    io.out.write('* share-group API (KIP-932)\n\n')
    io.out.write(`finalized features (epoch ${res.finalizedFeaturesEpoch}):\n`)
    io.out.write(table(features.map(f => [f.name, f.minVersionLevel === f.maxVersionLevel ? `${f.maxVersionLevel}` : `${f.minVersionLevel}-${f.maxVersionLevel}`]), '  '))
    io.out.write(shareVersion >= 1
      ? `\nshare groups: on (share.version ${shareVersion})\n`
      : '\nshare groups: OFF (share.version is 0; enable with kafka-features.sh upgrade --feature share.version=1)\n')
  }))
}
