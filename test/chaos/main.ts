/**
 * `npm run chaos [-- [--records N] [--rate R] [--stall-ms MS] [--trace] [scenario...]]`: runs chaos scenarios (all by
 * default), one after the other, each on its own 3-node cluster; prints a table row per
 * scenario and one JSON line for the run; exits 1 when any scenario failed.
 */
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { formatTable, type Row } from './count.js'
import { runScenario } from './runner.js'
import { scenario, SCENARIOS } from './scenarios.js'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    records: { type: 'string', default: '20000' },
    rate: { type: 'string', default: '250' },
    'stall-ms': { type: 'string', default: '45000' },
    trace: { type: 'boolean', default: false },
    list: { type: 'boolean', default: false }
  }
})
if (values.list) {
  for (const s of SCENARIOS) process.stdout.write(`${s.name.padEnd(24)} ${s.about}\n`)
  process.exit(0)
}
const records = Number(values.records)
const rate = Number(values.rate)
const chosen = positionals.length > 0 ? positionals.map(scenario) : SCENARIOS
const workDir = join(tmpdir(), `kshare-chaos-${Date.now()}`)
const rows: Row[] = []
const began = Date.now()
for (const s of chosen) {
  // Consuming takes records / (workers × rate); faults, stalls, drain and cluster start on top.
  const timeoutMs = 300_000 + 2 * records * 1000 / (s.workers * rate)
  const row = await runScenario(s, { records, recordsPerSec: rate, stallMs: Number(values['stall-ms']), timeoutMs, workDir, trace: values.trace, log: line => process.stderr.write(line + '\n') })
  rows.push(row)
  process.stderr.write(`\n${formatTable([row])}\n\n`)
}
process.stdout.write(formatTable(rows) + '\n')
process.stdout.write(JSON.stringify({
  chaos: 'kshare', records, recordsPerSecPerWorker: rate, pass: rows.every(r => r.pass), durationMs: Date.now() - began, logs: workDir, scenarios: rows
}, (_k, v: unknown) => typeof v === 'bigint' ? String(v) : v) + '\n')
process.exit(rows.every(r => r.pass) ? 0 : 1)
