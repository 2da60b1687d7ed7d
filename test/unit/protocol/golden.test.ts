import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import {
  AlterShareGroupOffsets, API_BY_KEY, ApiVersions, DeleteGroups, DeleteShareGroupOffsets, DescribeConfigs, DescribeShareGroupOffsets,
  FindCoordinator, IncrementalAlterConfigs, ListGroups, ShareAcknowledge, ShareFetch, ShareGroupDescribe, ShareGroupHeartbeat,
  decodeRequest, decodeResponse, encodeRequest, encodeResponse, isUuid, type ApiDefinition, type RequestOf, type ResponseOf
} from '../../../protocol/index.js'
import { GOLDEN_DIR, type GoldenFrame, type GoldenManifest } from '../../helpers/golden-manifest.js'

// Frames captured from a real broker by scripts/capture-golden.ts (Kafka's own tools through a
// raw TCP tee). Every fixture of a declared API and version must decode and re-encode to the
// very same bytes; then what the broker and the Java client are known to send is checked.

const manifest = JSON.parse(readFileSync(join(GOLDEN_DIR, 'manifest.json'), 'utf8')) as GoldenManifest
const { topic: TOPIC, group: GROUP } = manifest
const frameFile = (name: string): Buffer => readFileSync(join(GOLDEN_DIR, name))

/** The fixtures our declarations can read: declared API, version we speak. */
function readable (f: GoldenFrame): ApiDefinition | undefined {
  const api = API_BY_KEY.get(f.apiKey)
  return api !== undefined && f.apiVersion >= api.minVersion && f.apiVersion <= api.maxVersion ? api : undefined
}

t.test('the manifest names every fixture file, and every named file exists', async t => {
  const named = manifest.frames.flatMap(f => [f.request, ...(f.response !== null ? [f.response] : [])]).sort()
  t.same(readdirSync(GOLDEN_DIR).filter(f => f.endsWith('.bin')).sort(), named)
  t.ok(named.length > 0)
})

t.test('every readable fixture decodes and re-encodes to the same bytes', async t => {
  for (const f of manifest.frames) {
    const api = readable(f)
    if (api === undefined) {
      t.comment(`not checked: ${f.api} v${f.apiVersion} (${f.request}) is not declared at that version`)
      continue
    }
    const request = frameFile(f.request)
    t.equal(request.readInt32BE(0), request.length - 4, `${f.request}: size prefix`)
    const { header, body } = decodeRequest(api, request.subarray(4))
    t.same(header, { apiKey: f.apiKey, apiVersion: f.apiVersion, correlationId: f.correlationId, clientId: f.clientId }, `${f.request}: header`)
    t.ok(encodeRequest(api, f.apiVersion, header, body as never).equals(request), `${f.request}: re-encodes identically`)
    if (f.response === null) continue
    const response = frameFile(f.response)
    const decoded = decodeResponse(api, f.apiVersion, response.subarray(4))
    t.equal(decoded.correlationId, f.correlationId, `${f.response}: correlation id`)
    t.ok(encodeResponse(api, f.apiVersion, decoded.correlationId, decoded.body as never).equals(response), `${f.response}: re-encodes identically`)
  }
})

t.test('fixtures cover every share-group API and the group/config APIs', async t => {
  const covered = new Set(manifest.frames.filter(f => readable(f) !== undefined && f.response !== null).map(f => f.apiKey))
  for (const api of [ShareGroupHeartbeat, ShareGroupDescribe, ShareFetch, ShareAcknowledge, DescribeShareGroupOffsets,
    AlterShareGroupOffsets, DeleteShareGroupOffsets, FindCoordinator, ListGroups, DeleteGroups, DescribeConfigs, IncrementalAlterConfigs]) {
    t.ok(covered.has(api.apiKey), `${api.name} (key ${api.apiKey}) has a decodable request/response pair`)
  }
})

/** Decoded request/response pairs of `api` (optionally only fixtures with `feature`). */
function pairs<A extends ApiDefinition> (api: A, feature?: string): Array<{ file: string, request: RequestOf<A>, response: ResponseOf<A> }> {
  return manifest.frames
    .filter(f => f.apiKey === api.apiKey && readable(f) !== undefined && f.response !== null && (feature === undefined || f.features.includes(feature)))
    .map(f => ({
      file: f.request,
      request: decodeRequest(api, frameFile(f.request).subarray(4)).body,
      response: decodeResponse(api, f.apiVersion, frameFile(f.response!).subarray(4)).body
    }))
}

/** The first pair showing `feature`; throws (failing the test) when the capture has none. */
function one<A extends ApiDefinition> (api: A, feature: string): { request: RequestOf<A>, response: ResponseOf<A> } {
  const found = pairs(api, feature)[0]
  if (found === undefined) throw new Error(`no ${api.name} fixture with ${feature}: re-run scripts/capture-golden`)
  return found
}

/** The topic's id, as the broker reported it to the admin tools. */
function topicId (): string {
  const id = pairs(AlterShareGroupOffsets)[0]?.response.responses.find(r => r.topicName === TOPIC)?.topicId
  if (id === undefined) throw new Error('no AlterShareGroupOffsets fixture naming the topic')
  return id
}

/**
 * Walks the record batches v2 of a `records` field by their headers only (full decoding is
 * the records module's job): each batch's base offset and last offset delta.
 */
function batchOffsets (records: Buffer): Array<[first: bigint, last: bigint, magic: number]> {
  const out: Array<[bigint, bigint, number]> = []
  for (let at = 0; at + 61 <= records.length;) {
    const base = records.readBigInt64BE(at)
    const length = records.readInt32BE(at + 8)
    out.push([base, base + BigInt(records.readInt32BE(at + 23)), records[at + 16]!])
    at += 12 + length
  }
  return out
}

t.test('ShareGroupHeartbeat: join, steady state, assignment, leave', async t => {
  const all = pairs(ShareGroupHeartbeat)
  for (const { file, request, response } of all) {
    t.equal(request.groupId, GROUP, `${file}: group`)
    t.ok(isUuid(request.memberId), `${file}: the client generates a Kafka UUID member id`)
    t.equal(response.errorCode, 0, `${file}: no error`)
    t.equal(response.memberId, request.memberId, `${file}: the coordinator echoes the member id`)
  }
  const join = all.find(p => p.request.memberEpoch === 0)
  t.ok(join, 'a join (member epoch 0)')
  t.same(join?.request.subscribedTopicNames, [TOPIC], 'the join carries the subscription')
  t.ok((join?.response.memberEpoch ?? 0) > 0, 'the join is answered with a positive member epoch')
  t.ok((join?.response.heartbeatIntervalMs ?? 0) > 0, 'and a heartbeat interval')
  t.ok(all.some(p => p.request.memberEpoch > 0 && p.request.subscribedTopicNames === null), 'later heartbeats send a null subscription ("unchanged")')
  const assigned = one(ShareGroupHeartbeat, 'assignment')
  t.same(assigned.response.assignment?.topicPartitions, [{ topicId: topicId(), partitions: [0] }], 'the assignment names the topic by id')
  const leave = one(ShareGroupHeartbeat, 'leave')
  t.equal(leave.response.memberEpoch, -1, 'leaving is acknowledged with epoch -1')
})

t.test('ShareFetch: session open, acquired records, redelivery, piggy-backed acks', async t => {
  for (const { file, request, response } of pairs(ShareFetch)) {
    t.equal(request.groupId, GROUP, `${file}: group`)
    t.ok(isUuid(request.memberId ?? ''), `${file}: member id`)
    if (request.shareSessionEpoch === 0) {
      t.ok(request.topics.every(tp => tp.partitions.every(p => p.acknowledgementBatches.length === 0)), `${file}: epoch 0 opens a session and carries no acks`)
    }
    t.equal(response.errorCode, 0, `${file}: no error`)
    t.ok(response.acquisitionLockTimeoutMs > 0, `${file}: the lock timeout is reported`)
  }
  const fetched = one(ShareFetch, 'acquired records')
  const partition = fetched.response.responses[0]?.partitions[0]
  t.equal(fetched.response.responses[0]?.topicId, topicId())
  t.equal(partition?.errorCode, 0)
  t.equal(partition?.acquiredRecords[0]?.deliveryCount, 1, 'first delivery')
  const batches = batchOffsets(partition?.records ?? Buffer.alloc(0))
  t.ok(batches.length > 0 && batches.every(([, , magic]) => magic === 2), 'records hold v2 record batches')
  for (const a of partition?.acquiredRecords ?? []) {
    t.ok(batches.some(([first, last]) => first <= a.firstOffset && a.firstOffset <= last), `acquired offset ${a.firstOffset} is in a returned batch`)
  }
  const again = one(ShareFetch, 'redelivery')
  const ranges = again.response.responses.flatMap(tp => tp.partitions.flatMap(p => p.acquiredRecords))
  t.ok(ranges.some(a => a.deliveryCount === 2), 'a released record comes back with delivery count 2')
  const acks = one(ShareFetch, 'piggy-backed acks')
  t.ok(acks.request.shareSessionEpoch > 0, 'acks ride on an incremental fetch')
  const types = acks.request.topics.flatMap(tp => tp.partitions.flatMap(p => p.acknowledgementBatches.flatMap(b => b.acknowledgeTypes)))
  t.ok(types.length > 0 && types.every(x => x === 3), 'the console consumer with --reject rejects (type 3)')
  t.ok(acks.response.responses.every(tp => tp.partitions.every(p => p.acknowledgeErrorCode === 0)), 'the acks were applied')
})

t.test('ShareAcknowledge: close with the last acks', async t => {
  const closing = one(ShareAcknowledge, 'acks')
  t.equal(closing.request.shareSessionEpoch, -1, 'close() acknowledges with epoch -1, ending the session')
  const batches = closing.request.topics.flatMap(tp => tp.partitions.flatMap(p => p.acknowledgementBatches))
  t.same(batches.map(b => b.acknowledgeTypes), [[1]], 'one accept batch, one type for the whole range')
  t.equal(batches.reduce((n, b) => n + Number(b.lastOffset - b.firstOffset + 1n), 0), 2, '--max-messages 2 accepted two records')
  t.equal(closing.response.errorCode, 0)
  t.ok(closing.response.responses.every(tp => tp.partitions.every(p => p.errorCode === 0)))
  t.ok(closing.response.acquisitionLockTimeoutMs > 0, 'v2 responses report the lock timeout')
})

t.test('FindCoordinator: the share consumer looks up its group (key type 0) and is led back to the advertised port', async t => {
  const all = pairs(FindCoordinator)
  t.ok(all.length > 0)
  for (const { request } of all) t.same([request.keyType, request.coordinatorKeys], [0, [GROUP]])
  const found = all.flatMap(p => p.response.coordinators).filter(c => c.errorCode === 0)
  t.ok(found.length > 0, 'a successful lookup')
  for (const c of found) t.same([c.key, c.host, c.port], [GROUP, '127.0.0.1', manifest.advertisedPort])
})

t.test('admin APIs: group config, describe, offsets, list, delete', async t => {
  const alter = pairs(IncrementalAlterConfigs)[0]
  t.same(alter?.request.resources, [{ resourceType: 32, resourceName: GROUP, configs: [{ name: 'share.auto.offset.reset', configOperation: 0, value: 'earliest' }] }])
  t.equal(alter?.response.responses[0]?.errorCode, 0)
  const described = pairs(DescribeConfigs)[0]?.response.results[0]?.configs.find(c => c.name === 'share.auto.offset.reset')
  t.same([described?.value, described?.configSource], ['earliest', 8], 'the group config is reported with source GROUP_CONFIG (8)')
  for (const { response } of pairs(ShareGroupDescribe)) {
    t.same([response.groups[0]?.groupId, response.groups[0]?.errorCode, response.groups[0]?.groupState], [GROUP, 0, 'Empty'], 'described after the consumers left')
  }
  const offsets = pairs(DescribeShareGroupOffsets)[0]
  t.equal(offsets?.request.groups[0]?.topics, null, 'null topics: every partition the group has state for')
  const p0 = offsets?.response.groups[0]?.topics.find(x => x.topicName === TOPIC)?.partitions[0]
  t.ok(p0 !== undefined && p0.errorCode === 0 && p0.startOffset >= 0n && p0.lag >= 0n, 'start offset and lag (v1) of partition 0')
  const reset = pairs(AlterShareGroupOffsets)[0]
  t.same(reset?.request.topics, [{ topicName: TOPIC, partitions: [{ partitionIndex: 0, startOffset: 0n }] }], '--to-earliest resolves to offset 0')
  t.equal(reset?.response.errorCode, 0)
  const deleted = pairs(DeleteShareGroupOffsets)[0]
  t.same([deleted?.request.topics, deleted?.response.responses[0]?.errorCode], [[{ topicName: TOPIC }], 0])
  const listed = pairs(ListGroups).find(p => p.request.typesFilter.length > 0)
  t.same(listed?.request.typesFilter, ['Share'], 'the Java admin client filters on "Share" (the broker matches case-insensitively)')
  t.same(listed?.response.groups.find(g => g.groupId === GROUP)?.groupType, 'share')
  t.same(pairs(DeleteGroups)[0]?.response.results, [{ groupId: GROUP, errorCode: 0, errorMessage: null }], 'an empty share group is deleted with DeleteGroups')
})

t.test('the broker speaks the newest version we declare of each share-group and group/config API', async t => {
  const advertised = pairs(ApiVersions)[0]?.response
  t.ok(advertised, 'an ApiVersions fixture')
  for (const api of [ShareGroupHeartbeat, ShareGroupDescribe, ShareFetch, ShareAcknowledge, DescribeShareGroupOffsets,
    AlterShareGroupOffsets, DeleteShareGroupOffsets, FindCoordinator, ListGroups, DeleteGroups, DescribeConfigs, IncrementalAlterConfigs]) {
    const range = advertised?.apiKeys.find(k => k.apiKey === api.apiKey)
    t.ok(range !== undefined && range.minVersion <= api.minVersion && range.maxVersion === api.maxVersion,
      `${api.name}: broker v${range?.minVersion}-v${range?.maxVersion}, ours v${api.minVersion}-v${api.maxVersion}`)
  }
  const share = advertised?.finalizedFeatures.find(f => f.name === 'share.version')
  t.ok((share?.maxVersionLevel ?? 0) >= 1, `share groups are enabled (share.version ${share?.maxVersionLevel})`)
})
