/**
 * A short subset of the chaos suite (`npm run chaos`) inside `npm test`, so that stranded or
 * lost records on a cluster cannot come back unnoticed: no fault in record_limit mode, a
 * leader SIGKILLed and restarted, a consumer process SIGKILLed while holding records. 3,000
 * records each; the three share one private 3-node cluster (fresh topic and group each; the
 * killed leader is restarted by its scenario) to save two cluster starts.
 */
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { startPrivateBroker, stopBroker, type BrokerHandle } from '../harness/index.js'
import { formatTable } from '../chaos/count.js'
import { runScenario } from '../chaos/runner.js'
import { scenario, SUBSET } from '../chaos/scenarios.js'

t.setTimeout(600_000)
let broker: BrokerHandle
t.before(async () => { broker = await startPrivateBroker({ brokers: 3 }) })
t.teardown(async () => { if (broker !== undefined) await stopBroker(broker, { graceMs: 0 }) })

for (const name of SUBSET) {
  t.test(name, async t => {
    const row = await runScenario(scenario(name), {
      records: 3000,
      recordsPerSec: 200,
      stallMs: 30_000,
      timeoutMs: 180_000,
      workDir: join(tmpdir(), 'kshare-chaos-subset'),
      broker,
      log: line => t.comment(line)
    })
    t.comment('\n' + formatTable([row]))
    t.equal(row.counts?.lost, 0, 'no record lost')
    t.equal(row.counts?.neverConsumed, 0, 'every record consumed by the workers (none left for the drain)')
    t.equal(row.counts?.writtenTwice, 0, 'no record written twice')
    t.ok(row.counts?.lagZero, 'the broker reports lag 0')
    t.same(row.problems, [], 'no failures')
  })
}
