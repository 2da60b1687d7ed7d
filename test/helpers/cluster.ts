import { startPrivateBroker, stopBroker, testBroker } from '../harness/index.js'

/**
 * Bootstrap servers of a cluster of at least three brokers for a test file: the shared test
 * cluster when it has three nodes (the default), else a private one started for this file
 * and stopped at its end. Tests of leader or coordinator placement call this, so that they
 * test what they claim even when the suite runs on a single node (KSHARE_TEST_BROKERS=1).
 */
export async function threeNodeBootstrap (t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const shared = testBroker()
  if (shared.nodes.length >= 3) return shared.bootstrap
  const own = await startPrivateBroker({ brokers: 3 })
  t.teardown(async () => { await stopBroker(own, { graceMs: 0 }) })
  return own.bootstrap
}
