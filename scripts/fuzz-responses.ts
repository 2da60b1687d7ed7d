import { parseArgs } from 'node:util'
import { fuzzResponses } from '../test/helpers/fuzz-responses.js'

/**
 * Long fuzz run of every response decoder (the unit test runs 200k cases of the same):
 *
 *   npx tsc -p . && node dist/scripts/fuzz-responses.js --cases 5000000 [--seed 42] [--frames 32]
 *
 * Prints progress and a summary; exits 1 and prints the failing frames (hex, replayable
 * with `decodeResponse`) when a decoder throws anything but a KafkaProtocolError.
 */
const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '1000000' },
    seed: { type: 'string' },
    frames: { type: 'string', default: '32' }
  }
})
const cases = Number(values.cases)
const seed = values.seed === undefined ? Date.now() % 0x7fffffff : Number(values.seed)
const framesPerVersion = Number(values.frames)
if (!Number.isSafeInteger(cases) || cases <= 0 || !Number.isSafeInteger(seed) || !Number.isSafeInteger(framesPerVersion) || framesPerVersion <= 0) {
  console.error('usage: fuzz-responses [--cases N] [--seed S] [--frames K]  (positive integers)')
  process.exit(2)
}

console.log(`fuzzing response decoders: ${cases} cases, seed ${seed}, ${framesPerVersion} valid frames per API version`)
const report = fuzzResponses({
  cases,
  seed,
  framesPerVersion,
  progress: done => { if (done % 500_000 === 0) console.log(`  ${done} cases`) }
})
console.log(`${report.cases} cases over ${report.targets.length} API versions in ${(report.totalMs / 1000).toFixed(1)} s ` +
  `(${(report.cases / report.totalMs * 1000).toFixed(0)} cases/s)`)
console.log(`accepted ${report.accepted}, rejected ${report.rejected}; huge array counts ${report.hugeArrayCounts}, refused before allocation ${report.refusedBeforeAllocation}`)
console.log(`slowest case ${report.maxCaseMs.toFixed(2)} ms: ${report.slowest}`)
console.log(`by mutation: ${JSON.stringify(report.byMutation)}`)
if (report.failureCount > 0 || report.refusedBeforeAllocation !== report.hugeArrayCounts) {
  console.log(`${report.failureCount} FAILURE(S) (first ${report.failures.length}):`)
  for (const f of report.failures) console.log(`  ${f.api} v${f.version} ${f.mutation}: ${f.problem}\n    ${f.frame}`)
  process.exit(1)
}
console.log('no failures')
