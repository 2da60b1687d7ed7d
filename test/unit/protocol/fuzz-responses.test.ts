import t from 'tap'
import { API_BY_KEY } from '../../../protocol/index.js'
import { fuzzResponses } from '../../helpers/fuzz-responses.js'

// Every response decoder in the registry, every version we speak: valid frames, mutated and
// truncated, must decode or fail with a KafkaProtocolError, quickly. `scripts/fuzz-responses.ts`
// runs the same fuzzer for millions of cases.
const CASES = 200_000
// Decodes of these small frames take microseconds; the slowest case is re-timed (best of
// three) so that GC pauses on a busy machine do not count, while a hang or a quadratic
// blow-up would.
const MAX_CASE_MS = 50

t.test(`${CASES} mutated response frames over every decoder`, async t => {
  const report = fuzzResponses({ cases: CASES, seed: 0x6b736861 })
  t.comment(`${report.cases} cases over ${report.targets.length} API versions in ${report.totalMs.toFixed(0)} ms; ` +
    `slowest case ${report.maxCaseMs.toFixed(2)} ms (${report.slowest}); ${report.accepted} accepted, ${report.rejected} rejected`)
  t.comment(`by mutation: ${JSON.stringify(report.byMutation)}`)

  t.equal(report.cases, CASES)
  const expected = [...API_BY_KEY.values()].flatMap(api =>
    Array.from({ length: api.maxVersion - api.minVersion + 1 }, (_, i) => `${api.name} v${api.minVersion + i}`))
  t.same(report.targets, expected, 'every API version in the registry is fuzzed')
  t.same(report.failures, [], 'only KafkaProtocolError naming the API, version and an offset inside the frame')
  t.equal(report.failureCount, 0)
  t.ok(report.byMutation['truncate-sweep']! > 5000, 'short frames truncated at every length')
  t.ok(report.rejected > CASES / 2, 'most mutations are caught')
  t.ok(report.hugeArrayCounts > 1000, 'huge array counts were tried')
  t.equal(report.refusedBeforeAllocation, report.hugeArrayCounts, 'every huge array count is refused before allocating')
  t.ok(report.maxCaseMs < MAX_CASE_MS, `slowest decode ${report.maxCaseMs.toFixed(2)} ms < ${MAX_CASE_MS} ms`)
})
