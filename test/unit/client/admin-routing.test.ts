import t from 'tap'
import { Admin } from '../../../client/admin.js'
import { DeleteGroups, FindCoordinator, encodeResponse } from '../../../protocol/index.js'
import { kafkaLike, peer } from './fixtures/fake-peer.js'

const DELETE_GROUPS: [number, number, number] = [DeleteGroups.apiKey, 0, 3]

t.test('a coordinator that does not answer is left after requestTimeoutMs and looked up again', async t => {
  // A broker that accepts connections and requests but never answers them.
  const hung = await peer(kafkaLike(() => {}, undefined, [DELETE_GROUPS]))
  t.teardown(() => hung.close())
  let finds = 0
  let deletes = 0
  const good = await peer(kafkaLike((s, apiKey, version, correlationId) => {
    if (apiKey === FindCoordinator.apiKey) {
      finds++
      // First the hung broker, then this one.
      const [nodeId, port] = finds === 1 ? [2, hung.port] : [1, good.port]
      s.write(encodeResponse(FindCoordinator, version, correlationId, {
        throttleTimeMs: 0, coordinators: [{ key: 'g', nodeId, host: '127.0.0.1', port, errorCode: 0, errorMessage: null }]
      }))
    } else if (apiKey === DeleteGroups.apiKey) {
      deletes++
      s.write(encodeResponse(DeleteGroups, version, correlationId, { throttleTimeMs: 0, results: [{ groupId: 'g', errorCode: 0, errorMessage: null }] }))
    }
  }, undefined, [DELETE_GROUPS]))
  t.teardown(() => good.close())
  const admin = new Admin({ bootstrapServers: good.address, requestTimeoutMs: 300 })
  t.teardown(() => admin.close())
  const start = Date.now()
  t.same(await admin.deleteGroups(['g'], { timeoutMs: 10_000 }), [{ groupId: 'g', error: null }])
  const ms = Date.now() - start
  t.equal(finds, 2, 'FindCoordinator asked again after the timeout')
  t.equal(deletes, 1, 'answered by the new coordinator')
  t.ok(ms < 3_000, `one attempt took requestTimeoutMs, not the call's 10 s (${ms} ms)`)
})
