import t from 'tap'
import { ApiVersions, Metadata, Produce, ShareFetch, decodeResponse, encodeResponse, negotiateVersion, UnsupportedVersionError } from '../../../protocol/index.js'

const fake = { name: 'Fake', apiKey: 500, minVersion: 2, maxVersion: 5 }

t.test('picks the highest version both sides speak', async t => {
  t.equal(negotiateVersion(fake, [{ apiKey: 500, minVersion: 0, maxVersion: 9 }]), 5, 'broker newer: our max')
  t.equal(negotiateVersion(fake, [{ apiKey: 500, minVersion: 0, maxVersion: 3 }]), 3, 'broker older: its max')
  t.equal(negotiateVersion(fake, [{ apiKey: 500, minVersion: 5, maxVersion: 7 }]), 5, 'overlap of one version')
  t.equal(negotiateVersion(fake, [{ apiKey: 1, minVersion: 0, maxVersion: 0 }, { apiKey: 500, minVersion: 2, maxVersion: 2 }]), 2, 'finds the right key')
  // A Kafka 4.4 broker advertises Metadata 0-13.
  t.equal(negotiateVersion(Metadata, [{ apiKey: 3, minVersion: 0, maxVersion: 13 }]), 13)
})

t.test('takes the apiKeys of a decoded ApiVersions response as they are', async t => {
  // As a Kafka 4.4 broker answers: Produce advertised from v0 (KAFKA-18659), ShareFetch 1-2.
  const frame = encodeResponse(ApiVersions, 4, 1, {
    errorCode: 0,
    apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 13 }, { apiKey: 78, minVersion: 1, maxVersion: 2 }]
  })
  const { apiKeys } = decodeResponse(ApiVersions, 4, frame.subarray(4)).body
  t.equal(negotiateVersion(Produce, apiKeys), 13)
  t.equal(negotiateVersion(ShareFetch, apiKeys), 2)
  t.throws(() => negotiateVersion(Metadata, apiKeys), UnsupportedVersionError)
})

t.test('no overlap is a typed error naming the API and both ranges', async t => {
  const older = t.throws(() => negotiateVersion(fake, [{ apiKey: 500, minVersion: 0, maxVersion: 1 }])) as UnsupportedVersionError
  t.type(older, UnsupportedVersionError)
  t.match(older, { api: 'Fake', apiKey: 500, ours: [2, 5], broker: [0, 1] })
  t.equal(older.message, 'no common version of Fake (key 500): kshare speaks v2-v5, the broker v0-v1')

  const newer = t.throws(() => negotiateVersion(fake, [{ apiKey: 500, minVersion: 6, maxVersion: 8 }])) as UnsupportedVersionError
  t.match(newer, { ours: [2, 5], broker: [6, 8] })

  // A Kafka 4.0 broker has ShareFetch v0 only (early access); kshare speaks v1+.
  t.throws(() => negotiateVersion(ShareFetch, [{ apiKey: 78, minVersion: 0, maxVersion: 0 }]), UnsupportedVersionError)

  const missing = t.throws(() => negotiateVersion(fake, [])) as UnsupportedVersionError
  t.match(missing, { api: 'Fake', broker: null })
  t.equal(missing.message, 'the broker does not support Fake (key 500); kshare speaks v2-v5')

  t.throws(() => negotiateVersion(fake, [{ apiKey: 500, minVersion: 4, maxVersion: 3 }]), UnsupportedVersionError, 'an empty broker range')
})
