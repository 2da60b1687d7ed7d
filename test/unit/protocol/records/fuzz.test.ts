import t, { type Test } from 'tap'
import { fuzzRecordsWatched, type FuzzRecordsReport } from '../../../helpers/fuzz-records.js'

/**
 * Record-batch decoder fuzzing (see test/helpers/fuzz-records.ts; `scripts/fuzz-records.ts`
 * runs millions). Each run is in a worker thread watched for a case that stops making
 * progress. zstd gets its own small run: on Node 20 it decodes with fzstd, whose cost on
 * corrupt input grows with the garbage sequence lengths (about 12 ms a case on average,
 * up to ~1 s), which would otherwise take most of the suite's time.
 */
const SEED = 20261126
const STALL_MS = 10_000

function check (t: Test, report: FuzzRecordsReport | undefined, cases: number, maxCaseMs: number): void {
  t.ok(report !== undefined, 'the run finished')
  if (report === undefined) return
  t.equal(report.cases, cases)
  t.equal(report.failureCount, 0, 'only typed errors: ' + JSON.stringify(report.failures.slice(0, 3)))
  t.ok(report.accepted > cases / 20, `some mutations still decode (${report.accepted})`)
  t.ok(report.rejected > cases / 20, `many are rejected (${report.rejected})`)
  for (const name of ['CorruptRecordError', 'RecordBatchError', 'CompressionError', 'UnsupportedRecordFormatError']) {
    t.ok((report.byError[name] ?? 0) > 0, `reaches ${name} (${report.byError[name] ?? 0})`)
  }
  t.ok(Object.keys(report.byError).some(k => k.startsWith('corrupt range')), 'share assembly reports corrupt ranges')
  t.ok(report.maxCaseMs < maxCaseMs, `slowest case ${report.maxCaseMs.toFixed(1)} ms < ${maxCaseMs} ms: ${report.slowest}`)
}

t.test('fuzz: batches in none/gzip/snappy/lz4, mutated, CRC as mutated / resealed / off', async t => {
  const { report, stalledCase } = await fuzzRecordsWatched({ cases: 40_000, seed: SEED, codecs: ['none', 'gzip', 'snappy', 'lz4'] }, STALL_MS)
  t.equal(stalledCase, undefined, `no case ran past ${STALL_MS} ms`)
  check(t, report, 40_000, 100)
  t.ok(Object.keys(report?.wrappedCodecErrors ?? {}).length > 0, 'codec failures arrive wrapped in CompressionError')
})

t.test('fuzz: zstd batches (Java-produced and ours where Node can encode zstd)', async t => {
  const { report, stalledCase } = await fuzzRecordsWatched({ cases: 300, seed: SEED, codecs: ['zstd'] }, STALL_MS)
  t.equal(stalledCase, undefined, `no case ran past ${STALL_MS} ms`)
  check(t, report, 300, 2000)
})
