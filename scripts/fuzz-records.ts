import { parseArgs } from 'node:util'
import { COMPRESSION_CODECS, type CompressionCodec } from '../protocol/records/index.js'
import { fuzzRecordsWatched } from '../test/helpers/fuzz-records.js'

/**
 * Long fuzz run of the record-batch decoders (the unit test runs 40k cases without zstd and
 * 300 with it):
 *
 *   npx tsc -p . && node dist/scripts/fuzz-records.js --cases 5000000 [--seed 42] [--codecs none,gzip,snappy,lz4,zstd] [--stall-ms 30000]
 *
 * Runs in chunks of 100k cases (seed + chunk number) in a watched worker thread; prints
 * progress and a summary. Exits 1 on a case that throws anything but a typed error, or that
 * runs longer than --stall-ms (a hang), printing what is needed to replay it.
 */
const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '1000000' },
    seed: { type: 'string' },
    codecs: { type: 'string', default: COMPRESSION_CODECS.join(',') },
    'stall-ms': { type: 'string', default: '30000' }
  }
})
const cases = Number(values.cases)
const seed = values.seed === undefined ? Date.now() % 0x7fffffff : Number(values.seed)
const stallMs = Number(values['stall-ms'])
const codecs = values.codecs.split(',') as CompressionCodec[]
if (!Number.isSafeInteger(cases) || cases <= 0 || !Number.isSafeInteger(seed) || !(stallMs > 0) ||
  codecs.some(c => !COMPRESSION_CODECS.includes(c))) {
  console.error(`usage: fuzz-records [--cases N] [--seed S] [--codecs ${COMPRESSION_CODECS.join(',')}] [--stall-ms MS]`)
  process.exit(2)
}

const CHUNK = 100_000
console.log(`fuzzing record batches: ${cases} cases, seed ${seed}, codecs ${codecs.join(',')}`)
const started = Date.now()
const totals = { cases: 0, accepted: 0, rejected: 0, failures: 0, maxCaseMs: 0, slowest: '' }
const byError: Record<string, number> = {}
for (let chunk = 0; totals.cases < cases; chunk++) {
  const n = Math.min(CHUNK, cases - totals.cases)
  const chunkSeed = (seed + chunk) | 0
  const { report, stalledCase } = await fuzzRecordsWatched({ cases: n, seed: chunkSeed, codecs }, stallMs)
  if (report === undefined) {
    console.log(`HANG: case ${stalledCase} of seed ${chunkSeed} ran past ${stallMs} ms ` +
      `(replay: fuzzRecords({ seed: ${chunkSeed}, cases: ${stalledCase! + 1}, codecs: ${JSON.stringify(codecs)} }))`)
    process.exit(1)
  }
  totals.cases += report.cases
  totals.accepted += report.accepted
  totals.rejected += report.rejected
  totals.failures += report.failureCount
  for (const [k, v] of Object.entries(report.byError)) byError[k] = (byError[k] ?? 0) + v
  if (report.maxCaseMs > totals.maxCaseMs) {
    totals.maxCaseMs = report.maxCaseMs
    totals.slowest = `${report.slowest}, seed ${chunkSeed}`
  }
  for (const f of report.failures) console.log(`FAILURE seed ${chunkSeed} case ${f.index} (${f.what}): ${f.problem}\n  input ${f.input}`)
  console.log(`  ${totals.cases} cases, ${((Date.now() - started) / 1000).toFixed(0)} s`)
}
const seconds = (Date.now() - started) / 1000
console.log(`${totals.cases} cases in ${seconds.toFixed(1)} s (${(totals.cases / seconds).toFixed(0)} cases/s): ` +
  `accepted ${totals.accepted}, rejected ${totals.rejected}, failures ${totals.failures}`)
console.log(`errors: ${JSON.stringify(byError)}`)
console.log(`slowest case ${totals.maxCaseMs.toFixed(1)} ms: ${totals.slowest}`)
process.exit(totals.failures === 0 ? 0 : 1)
