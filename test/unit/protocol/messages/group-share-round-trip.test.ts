import t from 'tap'
import {
  AlterShareGroupOffsets, DeleteGroups, DeleteShareGroupOffsets, DescribeConfigs, DescribeShareGroupOffsets, FindCoordinator,
  IncrementalAlterConfigs, ListGroups, ShareAcknowledge, ShareFetch, ShareGroupDescribe, ShareGroupHeartbeat,
  UNKNOWN_TAGGED_FIELDS, decodeRequest, decodeResponse, encodeRequest, encodeResponse, type ApiDefinition
} from '../../../../protocol/index.js'
import { countNullable, nullifyNullables, projectToVersion } from '../../../helpers/random-message.js'

// decode(encode(x)) deep-equals x for the share-group and group/config APIs, every version we
// speak, both directions. Each value sets every field of the newest version (arrays of
// several elements, non-default scalars); older versions see it projected (fields they lack
// at their defaults), and a second variant has every nullable field null. None of these APIs
// declares a tagged field, so flexible versions carry unknown tagged fields instead, which
// must come back byte for byte.

const T1 = 'AAECAwQFBgcICQoLDA0ODw'
const T2 = 'ASNFZ4mrze_-3LqYdlQyEA'
const T3 = '3q2-78r-ur4AESIzRFVmdw'
const TAGS = [{ tag: 3, data: Buffer.from([1, 2]) }, { tag: 77, data: Buffer.alloc(0) }]

type Dict = Record<string | symbol, unknown>
interface Case { api: ApiDefinition, request: Dict, response: Dict }

const leader = (id: number, epoch: number): Dict => ({ leaderId: id, leaderEpoch: epoch })
const endpoints = [
  { nodeId: 1, host: 'broker-1.example', port: 9092, rack: 'rack-a' },
  { nodeId: 2, host: '10.0.0.2', port: 19092, rack: 'rack-b' },
  { nodeId: 3, host: 'broker-3', port: 9093, rack: 'r' }
]
const ackBatches = [
  { firstOffset: 0n, lastOffset: 9n, acknowledgeTypes: [1] },
  { firstOffset: 10n, lastOffset: 12n, acknowledgeTypes: [2, 0, 3] },
  { firstOffset: 2n ** 40n, lastOffset: 2n ** 40n + 1n, acknowledgeTypes: [4, 1] }
]

const CASES: Case[] = [
  {
    api: ShareGroupHeartbeat as unknown as ApiDefinition,
    request: { groupId: 'orders', memberId: 'q83vASNFZ4mrze8BI0VniQ', memberEpoch: 7, rackId: 'rack-a', subscribedTopicNames: ['orders', 'payments', 'émoji-🙂'], [UNKNOWN_TAGGED_FIELDS]: TAGS },
    response: {
      throttleTimeMs: 12,
      errorCode: 110,
      errorMessage: 'fenced',
      memberId: 'q83vASNFZ4mrze8BI0VniQ',
      memberEpoch: 8,
      heartbeatIntervalMs: 5000,
      assignment: { topicPartitions: [{ topicId: T1, partitions: [0, 1, 2] }, { topicId: T2, partitions: [5] }, { topicId: T3, partitions: [] }], [UNKNOWN_TAGGED_FIELDS]: TAGS }
    }
  },
  {
    api: ShareGroupDescribe as unknown as ApiDefinition,
    request: { groupIds: ['g1', 'g2', 'g3'], includeAuthorizedOperations: true },
    response: {
      throttleTimeMs: 1,
      groups: [{
        errorCode: 0,
        errorMessage: 'none',
        groupId: 'g1',
        groupState: 'Stable',
        groupEpoch: 3,
        assignmentEpoch: 3,
        assignorName: 'simple',
        members: [
          {
            memberId: 'm1',
            rackId: 'rack-a',
            memberEpoch: 3,
            clientId: 'kshare',
            clientHost: '/127.0.0.1',
            subscribedTopicNames: ['a', 'b'],
            assignment: { topicPartitions: [{ topicId: T1, topicName: 'a', partitions: [0, 1] }, { topicId: T2, topicName: 'b', partitions: [3] }] }
          },
          {
            memberId: 'm2',
            rackId: 'rack-b',
            memberEpoch: 2,
            clientId: 'java',
            clientHost: '/10.0.0.9',
            subscribedTopicNames: ['a'],
            assignment: { topicPartitions: [{ topicId: T1, topicName: 'a', partitions: [0, 1] }], [UNKNOWN_TAGGED_FIELDS]: TAGS }
          }
        ],
        authorizedOperations: 0x0f00
      }, {
        errorCode: 69,
        errorMessage: 'Group g2 not found.',
        groupId: 'g2',
        groupState: 'Dead',
        groupEpoch: -1,
        assignmentEpoch: -1,
        assignorName: '',
        members: [],
        authorizedOperations: -2147483648
      }]
    }
  },
  {
    api: ShareFetch as unknown as ApiDefinition,
    request: {
      groupId: 'orders',
      memberId: 'q83vASNFZ4mrze8BI0VniQ',
      shareSessionEpoch: 42,
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 52428800,
      maxRecords: 500,
      batchSize: 250,
      shareAcquireMode: 1,
      isRenewAck: true,
      topics: [
        { topicId: T1, partitions: [{ partitionIndex: 0, acknowledgementBatches: ackBatches }, { partitionIndex: 7, acknowledgementBatches: [] }] },
        { topicId: T2, partitions: [{ partitionIndex: 3, acknowledgementBatches: ackBatches.slice(1), [UNKNOWN_TAGGED_FIELDS]: TAGS }] }
      ],
      forgottenTopicsData: [{ topicId: T3, partitions: [0, 1, 2] }, { topicId: T2, partitions: [9] }]
    },
    response: {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: 'top',
      acquisitionLockTimeoutMs: 30000,
      responses: [{
        topicId: T1,
        partitions: [
          {
            partitionIndex: 0,
            errorCode: 0,
            errorMessage: 'fetch',
            acknowledgeErrorCode: 127,
            acknowledgeErrorMessage: 'Member is not the owner of offset',
            currentLeader: leader(1, 5),
            records: Buffer.from('000000000000000000000039', 'hex'),
            acquiredRecords: [{ firstOffset: 0n, lastOffset: 4n, deliveryCount: 1 }, { firstOffset: 5n, lastOffset: 5n, deliveryCount: 3 }]
          },
          {
            partitionIndex: 1,
            errorCode: 6,
            errorMessage: 'not leader',
            acknowledgeErrorCode: 0,
            acknowledgeErrorMessage: 'ack',
            currentLeader: leader(2, 6),
            records: Buffer.alloc(0),
            acquiredRecords: []
          }
        ]
      }, {
        topicId: T2,
        partitions: [{
          partitionIndex: 4,
          errorCode: 0,
          errorMessage: 'x',
          acknowledgeErrorCode: 0,
          acknowledgeErrorMessage: 'y',
          currentLeader: { ...leader(-1, -1), [UNKNOWN_TAGGED_FIELDS]: TAGS },
          records: Buffer.from([1, 2, 3, 4, 5]),
          acquiredRecords: [{ firstOffset: 2n ** 50n, lastOffset: 2n ** 50n + 99n, deliveryCount: 2 }]
        }]
      }],
      nodeEndpoints: endpoints
    }
  },
  {
    api: ShareAcknowledge as unknown as ApiDefinition,
    request: {
      groupId: 'orders',
      memberId: 'q83vASNFZ4mrze8BI0VniQ',
      shareSessionEpoch: -1,
      isRenewAck: true,
      topics: [
        { topicId: T1, partitions: [{ partitionIndex: 0, acknowledgementBatches: ackBatches }, { partitionIndex: 2, acknowledgementBatches: ackBatches.slice(0, 1) }] },
        { topicId: T3, partitions: [{ partitionIndex: 1, acknowledgementBatches: ackBatches.slice(2) }], [UNKNOWN_TAGGED_FIELDS]: TAGS }
      ]
    },
    response: {
      throttleTimeMs: 3,
      errorCode: 0,
      errorMessage: 'ok',
      acquisitionLockTimeoutMs: 15000,
      responses: [
        { topicId: T1, partitions: [{ partitionIndex: 0, errorCode: 0, errorMessage: 'a', currentLeader: leader(1, 1) }, { partitionIndex: 2, errorCode: 121, errorMessage: 'b', currentLeader: leader(3, 9) }] },
        { topicId: T3, partitions: [{ partitionIndex: 1, errorCode: 6, errorMessage: 'c', currentLeader: leader(2, 2) }] }
      ],
      nodeEndpoints: endpoints
    }
  },
  {
    api: DescribeShareGroupOffsets as unknown as ApiDefinition,
    request: {
      groups: [
        { groupId: 'g1', topics: [{ topicName: 'a', partitions: [0, 1, 2] }, { topicName: 'b', partitions: [] }] },
        { groupId: 'g2', topics: [{ topicName: 'c', partitions: [7] }] }
      ]
    },
    response: {
      throttleTimeMs: 0,
      groups: [{
        groupId: 'g1',
        topics: [
          {
            topicName: 'a',
            topicId: T1,
            partitions: [
              { partitionIndex: 0, startOffset: 100n, leaderEpoch: 4, lag: 17n, errorCode: 0, errorMessage: 'p0' },
              { partitionIndex: 1, startOffset: -1n, leaderEpoch: -1, lag: 0n, errorCode: 3, errorMessage: 'unknown' }
            ]
          },
          { topicName: 'b', topicId: T2, partitions: [{ partitionIndex: 0, startOffset: 2n ** 62n, leaderEpoch: 0, lag: 5n, errorCode: 0, errorMessage: '' }] }
        ],
        errorCode: 0,
        errorMessage: 'group ok'
      }, {
        groupId: 'g2',
        topics: [],
        errorCode: 69,
        errorMessage: 'not found'
      }]
    }
  },
  {
    api: AlterShareGroupOffsets as unknown as ApiDefinition,
    request: {
      groupId: 'g1',
      topics: [
        { topicName: 'a', partitions: [{ partitionIndex: 0, startOffset: 0n }, { partitionIndex: 1, startOffset: 42n }] },
        { topicName: 'b', partitions: [{ partitionIndex: 3, startOffset: 2n ** 40n }] }
      ]
    },
    response: {
      throttleTimeMs: 0,
      errorCode: 68,
      errorMessage: 'non-empty',
      responses: [
        { topicName: 'a', topicId: T1, partitions: [{ partitionIndex: 0, errorCode: 0, errorMessage: 'x' }, { partitionIndex: 1, errorCode: 68, errorMessage: 'y' }] },
        { topicName: 'b', topicId: T2, partitions: [{ partitionIndex: 3, errorCode: 3, errorMessage: 'z' }] }
      ]
    }
  },
  {
    api: DeleteShareGroupOffsets as unknown as ApiDefinition,
    request: { groupId: 'g1', topics: [{ topicName: 'a' }, { topicName: 'b' }, { topicName: 'ü' }] },
    response: {
      throttleTimeMs: 5,
      errorCode: 0,
      errorMessage: 'fine',
      responses: [
        { topicName: 'a', topicId: T1, errorCode: 0, errorMessage: 'deleted' },
        { topicName: 'b', topicId: T2, errorCode: 3, errorMessage: 'unknown topic' }
      ]
    }
  },
  {
    api: FindCoordinator as unknown as ApiDefinition,
    request: { keyType: 2, coordinatorKeys: ['g1', 'g2:AAECAwQFBgcICQoLDA0ODw:0', 'g3'] },
    response: {
      throttleTimeMs: 9,
      coordinators: [
        { key: 'g1', nodeId: 1, host: 'broker-1', port: 9092, errorCode: 0, errorMessage: 'ok' },
        { key: 'g2', nodeId: -1, host: '', port: -1, errorCode: 15, errorMessage: 'The coordinator is not available.' }
      ]
    }
  },
  {
    api: ListGroups as unknown as ApiDefinition,
    request: { statesFilter: ['Stable', 'Empty'], typesFilter: ['share', 'consumer'] },
    response: {
      throttleTimeMs: 2,
      errorCode: 0,
      groups: [
        { groupId: 'g1', protocolType: 'share', groupState: 'Stable', groupType: 'share' },
        { groupId: 'g2', protocolType: 'consumer', groupState: 'Empty', groupType: 'consumer' },
        { groupId: 'g3', protocolType: '', groupState: 'Dead', groupType: 'classic' }
      ]
    }
  },
  {
    api: DeleteGroups as unknown as ApiDefinition,
    request: { groupsNames: ['g1', 'g2', 'g3'] },
    response: {
      throttleTimeMs: 1,
      results: [
        { groupId: 'g1', errorCode: 0, errorMessage: 'deleted' },
        { groupId: 'g2', errorCode: 68, errorMessage: 'The group is not empty.' }
      ]
    }
  },
  {
    api: DescribeConfigs as unknown as ApiDefinition,
    request: {
      resources: [
        { resourceType: 32, resourceName: 'g1', configurationKeys: ['share.auto.offset.reset', 'share.record.lock.duration.ms'] },
        { resourceType: 2, resourceName: 'orders', configurationKeys: ['retention.ms'] }
      ],
      includeSynonyms: true,
      includeDocumentation: true
    },
    response: {
      throttleTimeMs: 0,
      results: [{
        errorCode: 0,
        errorMessage: 'no error',
        resourceType: 32,
        resourceName: 'g1',
        configs: [
          {
            name: 'share.auto.offset.reset',
            value: 'earliest',
            readOnly: false,
            configSource: 8,
            isSensitive: false,
            synonyms: [{ name: 'share.auto.offset.reset', value: 'earliest', source: 8 }, { name: 'x', value: 'latest', source: 5 }],
            configType: 2,
            documentation: 'Where to start'
          },
          {
            name: 'secret',
            value: 'hidden',
            readOnly: true,
            configSource: 4,
            isSensitive: true,
            synonyms: [{ name: 'secret', value: 'v', source: 4 }],
            configType: 9,
            documentation: 'doc'
          }
        ]
      }, {
        errorCode: 3,
        errorMessage: 'unknown topic',
        resourceType: 2,
        resourceName: 'gone',
        configs: []
      }]
    }
  },
  {
    api: IncrementalAlterConfigs as unknown as ApiDefinition,
    request: {
      resources: [
        { resourceType: 32, resourceName: 'g1', configs: [{ name: 'share.auto.offset.reset', configOperation: 0, value: 'earliest' }, { name: 'share.record.lock.duration.ms', configOperation: 1, value: '1' }] },
        { resourceType: 2, resourceName: 'orders', configs: [{ name: 'cleanup.policy', configOperation: 2, value: 'compact' }] }
      ],
      validateOnly: true
    },
    response: {
      throttleTimeMs: 0,
      responses: [
        { errorCode: 0, errorMessage: 'ok', resourceType: 32, resourceName: 'g1' },
        { errorCode: 40, errorMessage: 'Invalid config', resourceType: 2, resourceName: 'orders' }
      ]
    }
  }
]

/** Drops unknown tagged fields from a value meant for a non-flexible version (they have nowhere to go). */
function withoutTags (v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutTags)
  if (v === null || typeof v !== 'object' || Buffer.isBuffer(v)) return v
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutTags(x)]))
}

t.test('the cases cover every API of this part, each at its declared versions', async t => {
  t.same(CASES.map(c => c.api.apiKey).sort((a, b) => a - b), [10, 16, 32, 42, 44, 76, 77, 78, 79, 90, 91, 92])
  const ranges = Object.fromEntries(CASES.map(c => [c.api.name, `${c.api.minVersion}-${c.api.maxVersion}`]))
  t.same(ranges, {
    ShareGroupHeartbeat: '1-1',
    ShareGroupDescribe: '1-1',
    ShareFetch: '1-2',
    ShareAcknowledge: '1-2',
    DescribeShareGroupOffsets: '0-1',
    AlterShareGroupOffsets: '0-0',
    DeleteShareGroupOffsets: '0-0',
    FindCoordinator: '4-6',
    ListGroups: '0-5',
    DeleteGroups: '0-3',
    DescribeConfigs: '1-4',
    IncrementalAlterConfigs: '0-1'
  })
})

for (const { api, request, response } of CASES) {
  t.test(`${api.name} round-trips in every version we speak`, async t => {
    for (let v = api.minVersion; v <= api.maxVersion; v++) {
      for (const [dir, full] of [['request', request], ['response', response]] as const) {
        const def = api.spec[dir]
        const base = projectToVersion(def, v, (api.isFlexible(v) ? full : withoutTags(full)) as Dict)
        const variants: Array<[string, Dict]> = [['set', base]]
        if (countNullable(def, v) > 0) variants.push(['nulls', nullifyNullables(def, v, base)])
        for (const [label, x] of variants) {
          const frame = dir === 'request'
            ? encodeRequest(api, v, { correlationId: 11, clientId: 'kshare-test' }, x as never)
            : encodeResponse(api, v, 11, x as never)
          t.equal(frame.readInt32BE(0), frame.length - 4, `v${v} ${dir} ${label}: size prefix`)
          const back = dir === 'request' ? decodeRequest(api, frame.subarray(4)).body : decodeResponse(api, v, frame.subarray(4)).body
          t.strictSame(back, x, `v${v} ${dir} ${label}`)
          const again = dir === 'request'
            ? encodeRequest(api, v, { correlationId: 11, clientId: 'kshare-test' }, back as never)
            : encodeResponse(api, v, 11, back as never)
          t.ok(again.equals(frame), `v${v} ${dir} ${label}: re-encodes to the same bytes`)
        }
      }
    }
  })
}

t.test('version differences are where the spec puts them', async t => {
  const fetchV1 = decodeRequest(ShareFetch, encodeRequest(ShareFetch, 1, { correlationId: 1, clientId: null },
    { memberId: 'm', shareSessionEpoch: 0, maxWaitMs: 0, minBytes: 0, maxRecords: 1, batchSize: 1, shareAcquireMode: 1, topics: [], forgottenTopicsData: [] }).subarray(4)).body
  t.equal(fetchV1.shareAcquireMode, 0, 'ShareAcquireMode is ignorable: dropped in v1, decoded as its default')
  t.equal(fetchV1.maxBytes, 0x7fffffff, 'MaxBytes defaults to 0x7fffffff')
  t.equal(fetchV1.groupId, null, 'GroupId defaults to null')
  t.throws(() => encodeRequest(ShareFetch, 1, { correlationId: 1, clientId: null },
    { memberId: 'm', shareSessionEpoch: 0, maxWaitMs: 0, minBytes: 0, maxRecords: 0, batchSize: 0, isRenewAck: true, topics: [], forgottenTopicsData: [] }),
  /isRenewAck is not supported in version 1/, 'IsRenewAck is not ignorable: a v1 request refuses it')
  const hb = decodeRequest(ShareGroupHeartbeat, encodeRequest(ShareGroupHeartbeat, 1, { correlationId: 1, clientId: null },
    { groupId: 'g', memberId: 'm', memberEpoch: 3 }).subarray(4)).body
  t.equal(hb.subscribedTopicNames, null, 'SubscribedTopicNames defaults to null ("unchanged"), not []')
  t.equal(hb.rackId, null)
  const offsetsV0 = encodeResponse(DescribeShareGroupOffsets, 0, 1, {
    throttleTimeMs: 0, groups: [{ groupId: 'g', topics: [{ topicName: 't', topicId: T1, partitions: [{ partitionIndex: 0, startOffset: 5n, leaderEpoch: 0, lag: 9n, errorCode: 0 }] }], errorCode: 0 }]
  })
  t.equal(decodeResponse(DescribeShareGroupOffsets, 0, offsetsV0.subarray(4)).body.groups[0]?.topics[0]?.partitions[0]?.lag, -1n, 'Lag is v1+: v0 decodes -1')
  const ackV1 = decodeResponse(ShareAcknowledge, 1, encodeResponse(ShareAcknowledge, 1, 1,
    { throttleTimeMs: 0, errorCode: 0, acquisitionLockTimeoutMs: 30000, responses: [], nodeEndpoints: [] }).subarray(4)).body
  t.equal(ackV1.acquisitionLockTimeoutMs, 0, 'AcquisitionLockTimeoutMs is v2+ in ShareAcknowledge (ignorable)')
  const groups = (v: number): Buffer => encodeRequest(ListGroups, v, { correlationId: 1, clientId: null }, { statesFilter: [], typesFilter: [] })
  t.equal(groups(2).length, 4 + 10, 'ListGroups v0-2 requests have an empty body (header v1 with a null client id: 10 bytes)')
  t.equal(groups(5).length, 4 + 11 + 3, 'v5: header v2, then two empty compact arrays and the tag count')
  t.throws(() => encodeRequest(ListGroups, 3, { correlationId: 1, clientId: null }, { typesFilter: ['share'] }), /typesFilter is not supported in version 3/)
})
