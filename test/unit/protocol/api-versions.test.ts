import t from 'tap'
import { ApiVersions, decodeRequest, decodeResponse, encodeRequest, encodeResponse, KafkaProtocolError, UNKNOWN_TAGGED_FIELDS } from '../../../protocol/index.js'

const response = {
  errorCode: 0,
  apiKeys: [{ apiKey: 78, minVersion: 1, maxVersion: 2 }],
  throttleTimeMs: 5,
  supportedFeatures: [{ name: 'share.version', minVersion: 0, maxVersion: 2 }],
  finalizedFeaturesEpoch: 22n,
  finalizedFeatures: [{ name: 'share.version', maxVersionLevel: 2, minVersionLevel: 2 }],
  zkMigrationReady: false
}

t.test('ApiVersions response round-trips in every version, with defaults for absent fields', async t => {
  for (let v = 0; v <= 5; v++) {
    const frame = encodeResponse(ApiVersions, v, 42, response)
    t.equal(frame.readInt32BE(0), frame.length - 4, `v${v} size prefix`)
    const { correlationId, body } = decodeResponse(ApiVersions, v, frame.subarray(4))
    t.equal(correlationId, 42)
    if (v >= 3) t.same(body, response, `v${v} keeps every field`)
    else {
      t.same(body.apiKeys, response.apiKeys, `v${v} api keys`)
      t.equal(body.finalizedFeaturesEpoch, -1n, `v${v} tagged field absent → default`)
      t.equal(body.throttleTimeMs, v >= 1 ? 5 : 0)
    }
  }
})

t.test('ApiVersions request: header v2 with a classic client id, flexible body', async t => {
  const frame = encodeRequest(ApiVersions, 3, { correlationId: 9, clientId: 'kc' }, { clientSoftwareName: 'kshare', clientSoftwareVersion: '1' })
  // size, key 18, version 3, correlation 9, client id (int16 length) "kc", header tags 0, body
  t.same([...frame.subarray(4, 16)], [0, 18, 0, 3, 0, 0, 0, 9, 0, 2, 0x6b, 0x63])
  const { header, body } = decodeRequest(ApiVersions, frame.subarray(4))
  t.same(header, { apiKey: 18, apiVersion: 3, correlationId: 9, clientId: 'kc' })
  t.same(body, { clientSoftwareName: 'kshare', clientSoftwareVersion: '1', clusterId: null, nodeId: -1 })
})

t.test('unknown tagged fields are kept and re-encoded', async t => {
  const frame = encodeResponse(ApiVersions, 3, 1, response)
  // Append an unknown tag 9 (2 bytes) to the body's tagged fields: rewrite the count and add it.
  const base = decodeResponse(ApiVersions, 3, frame.subarray(4)).body
  const withUnknown = { ...base, [UNKNOWN_TAGGED_FIELDS]: [{ tag: 9, data: Buffer.from([7, 7]) }] }
  const again = decodeResponse(ApiVersions, 3, encodeResponse(ApiVersions, 3, 1, withUnknown).subarray(4)).body as Record<symbol, unknown>
  t.same(again[UNKNOWN_TAGGED_FIELDS], [{ tag: 9, data: Buffer.from([7, 7]) }])
})

t.test('errors name the API, version, field and byte offset', async t => {
  const frame = encodeResponse(ApiVersions, 3, 1, response).subarray(4)
  const err = t.throws(() => decodeResponse(ApiVersions, 3, frame.subarray(0, 12))) as KafkaProtocolError
  t.type(err, KafkaProtocolError)
  t.equal(err.api, 'ApiVersions')
  t.equal(err.version, 3)
  t.match(err.fieldPath, /^apiKeys\[0\]/)
  t.match(err.message, /ApiVersions v3, field apiKeys\[0\]\.\w+, byte \d+/)
  t.throws(() => encodeRequest(ApiVersions, 9, { correlationId: 1, clientId: null }, {}), /not supported/)
})
