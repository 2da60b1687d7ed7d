/**
 * `npm run demo`: gets a real Kafka broker through the test harness (reusing a running one),
 * asks it for its ApiVersions, and prints the APIs with the share-group ones (KIP-932)
 * highlighted, plus the finalized cluster features. Stops the broker again if it started it.
 *
 * A placeholder until the framework exists: it shows that the toolchain, the broker and the
 * protocol layer work end to end on this machine.
 */
import { API_BY_KEY } from '../protocol/index.js'
import {
  BrokerHarnessError, ensureSharedBroker, parseBootstrap, probeApiVersions, releaseSharedBroker, type ApiVersionsBody
} from '../test/harness/index.js'

/** Client-facing share-group APIs: membership, fetch/ack, describe, and the offset admin APIs. */
const SHARE_APIS = new Set([76, 77, 78, 79, 90, 91, 92])

/**
 * Names of the API keys a Kafka 4.x broker advertises, for the ones the protocol layer does
 * not declare yet (it knows its own by name).
 */
const KAFKA_API_NAMES: Readonly<Record<number, string>> = {
  0: 'Produce', 1: 'Fetch', 2: 'ListOffsets', 3: 'Metadata', 8: 'OffsetCommit', 9: 'OffsetFetch', 10: 'FindCoordinator',
  11: 'JoinGroup', 12: 'Heartbeat', 13: 'LeaveGroup', 14: 'SyncGroup', 15: 'DescribeGroups', 16: 'ListGroups',
  17: 'SaslHandshake', 18: 'ApiVersions', 19: 'CreateTopics', 20: 'DeleteTopics', 21: 'DeleteRecords', 22: 'InitProducerId',
  23: 'OffsetForLeaderEpoch', 24: 'AddPartitionsToTxn', 25: 'AddOffsetsToTxn', 26: 'EndTxn', 27: 'WriteTxnMarkers',
  28: 'TxnOffsetCommit', 29: 'DescribeAcls', 30: 'CreateAcls', 31: 'DeleteAcls', 32: 'DescribeConfigs', 33: 'AlterConfigs',
  34: 'AlterReplicaLogDirs', 35: 'DescribeLogDirs', 36: 'SaslAuthenticate', 37: 'CreatePartitions',
  38: 'CreateDelegationToken', 39: 'RenewDelegationToken', 40: 'ExpireDelegationToken', 41: 'DescribeDelegationToken',
  42: 'DeleteGroups', 43: 'ElectLeaders', 44: 'IncrementalAlterConfigs', 45: 'AlterPartitionReassignments',
  46: 'ListPartitionReassignments', 47: 'OffsetDelete', 48: 'DescribeClientQuotas', 49: 'AlterClientQuotas',
  50: 'DescribeUserScramCredentials', 51: 'AlterUserScramCredentials', 55: 'DescribeQuorum', 57: 'UpdateFeatures',
  60: 'DescribeCluster', 61: 'DescribeProducers', 64: 'UnregisterBroker', 65: 'DescribeTransactions',
  66: 'ListTransactions', 68: 'ConsumerGroupHeartbeat', 69: 'ConsumerGroupDescribe', 71: 'GetTelemetrySubscriptions',
  72: 'PushTelemetry', 74: 'ListConfigResources', 75: 'DescribeTopicPartitions', 76: 'ShareGroupHeartbeat',
  77: 'ShareGroupDescribe', 78: 'ShareFetch', 79: 'ShareAcknowledge', 80: 'AddRaftVoter', 81: 'RemoveRaftVoter',
  83: 'InitializeShareGroupState', 84: 'ReadShareGroupState', 85: 'WriteShareGroupState', 86: 'DeleteShareGroupState',
  87: 'ReadShareGroupStateSummary',
  88: 'StreamsGroupHeartbeat', 89: 'StreamsGroupDescribe', 90: 'DescribeShareGroupOffsets',
  91: 'AlterShareGroupOffsets', 92: 'DeleteShareGroupOffsets'
}

const tty = process.stdout.isTTY
const bold = (s: string): string => tty ? `\u001b[1m${s}\u001b[22m` : s
const green = (s: string): string => tty ? `\u001b[32m${s}\u001b[39m` : s

function apiName (key: number): string {
  return API_BY_KEY.get(key)?.name ?? KAFKA_API_NAMES[key] ?? `(api key ${key})`
}

function printApiVersions (version: string, bootstrap: string, body: ApiVersionsBody): void {
  console.log(bold(`Kafka ${version} at ${bootstrap}: ApiVersions v3 lists ${body.apiKeys.length} APIs`))
  console.log('  key  api                              versions')
  for (const k of [...body.apiKeys].sort((a, b) => a.apiKey - b.apiKey)) {
    const line = `  ${String(k.apiKey).padStart(3)}  ${apiName(k.apiKey).padEnd(32)} ${k.minVersion}-${k.maxVersion}`
    console.log(SHARE_APIS.has(k.apiKey) ? green(bold(`${line}   <- share groups (KIP-932)`)) : line)
  }
  const missing = [...SHARE_APIS].filter((key) => !body.apiKeys.some((k) => k.apiKey === key))
  if (missing.length > 0) console.log(`  not advertised: ${missing.map(apiName).join(', ')}`)
  console.log(bold(`Finalized features (epoch ${body.finalizedFeaturesEpoch}):`))
  for (const f of body.finalizedFeatures) {
    const line = `  ${f.name.padEnd(33)} ${f.maxVersionLevel}`
    console.log(f.name === 'share.version' ? green(bold(line)) : line)
  }
  const share = body.finalizedFeatures.find((f) => f.name === 'share.version')?.maxVersionLevel ?? 0
  console.log(share >= 1
    ? green(bold(`Share groups are enabled on this cluster (share.version=${share}).`))
    : bold('Share groups are NOT enabled on this cluster (share.version=0).'))
}

async function main (): Promise<void> {
  const { handle, startedNow } = await ensureSharedBroker({ who: 'demo', userPid: process.pid, userLabel: 'demo' })
  try {
    const first = parseBootstrap(handle.bootstrap)[0]
    if (first === undefined) throw new Error(`empty bootstrap ${handle.bootstrap}`)
    printApiVersions(handle.version, handle.bootstrap, await probeApiVersions(first))
  } finally {
    if (handle.mode !== 'external') {
      const stopped = await releaseSharedBroker(process.pid, () => {})
      console.log(stopped
        ? 'Stopped the broker the demo started.'
        : `Left the broker at ${handle.bootstrap} running (${startedNow ? 'now in use by another run' : 'it was already running'}).`)
    }
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof BrokerHarnessError ? `kshare demo: ${err.message}` : err)
  process.exit(1)
})
