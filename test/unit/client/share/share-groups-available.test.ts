import t from 'tap'
import { assertShareGroups } from '../../../../client/share/share-groups-available.js'
import { ShareGroupsUnavailableError } from '../../../../client/share/share-errors.js'
import { ShareFetch } from '../../../../protocol/messages/share-fetch.js'
import { ShareGroupHeartbeat } from '../../../../protocol/messages/share-group-heartbeat.js'
import type { ApiDefinition } from '../../../../protocol/api.js'

function broker (apis: ApiDefinition[], shareVersion?: number): Parameters<typeof assertShareGroups>[0] {
  return {
    nodeId: 1,
    supports: (api: ApiDefinition) => apis.includes(api),
    finalizedFeatures: new Map(shareVersion === undefined ? [] : [['share.version', shareVersion]])
  }
}

t.test('share groups need ShareGroupHeartbeat v1, ShareFetch v1+ and share.version >= 1', async t => {
  t.doesNotThrow(() => assertShareGroups(broker([ShareGroupHeartbeat, ShareFetch], 1)))
  t.doesNotThrow(() => assertShareGroups(broker([ShareGroupHeartbeat, ShareFetch], 2)))
  const noApis = t.throws(() => assertShareGroups(broker([], 1))) as ShareGroupsUnavailableError
  t.type(noApis, ShareGroupsUnavailableError)
  t.match(noApis.message, /ShareFetch v1/)
  const off = t.throws(() => assertShareGroups(broker([ShareGroupHeartbeat, ShareFetch], 0))) as ShareGroupsUnavailableError
  t.type(off, ShareGroupsUnavailableError)
  t.match(off.message, /share\.version feature is 0.*kafka-features\.sh .*share\.version=1/s, 'says what to enable')
  t.throws(() => assertShareGroups(broker([ShareGroupHeartbeat, ShareFetch])), ShareGroupsUnavailableError, 'no share.version feature at all (Kafka 4.0)')
  t.equal(off.retriable, false)
})
