/**
 * The layer rule (README "Layout"), enforced: dependency-cruiser checks every source the build
 * compiles against `.dependency-cruiser.cjs`, and a miniature tree that breaks each rule once
 * proves the rules fire. By hand: `npm run lint:layers`.
 */
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import t from 'tap'
import { repoRoot } from '../harness/paths.js'

interface Violation {
  from: string
  to: string
  rule: { name: string, severity: 'error' | 'warn' | 'info' | 'ignore' }
  cycle?: Array<{ name: string }>
}

interface CruiseResult {
  modules: Array<{ source: string, coreModule?: boolean, dependencies: Array<{ resolved: string }> }>
  summary: { violations: Violation[], error: number, warn: number, totalCruised: number }
}

const root = repoRoot()
const config = join(root, '.dependency-cruiser.cjs')
/** The tree that breaks every rule on purpose; the config excludes it from the main check. */
const FIXTURE = join('test', 'fixtures', 'layers')

/** Runs the dependency-cruiser CLI in `cwd` over `paths`, as `npm run lint:layers` does. */
function cruise (cwd: string, paths: readonly string[]): CruiseResult {
  const bin = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs')
  const run = spawnSync(process.execPath, [bin, '--config', config, '--output-type', 'json', ...paths],
    { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 120_000 })
  if (run.error !== undefined) throw run.error
  if (run.stdout.trim() === '') throw new Error(`dependency-cruiser printed nothing (exit ${String(run.status)}): ${run.stderr}`)
  return JSON.parse(run.stdout) as CruiseResult
}

function describe (v: Violation): string {
  const path = v.cycle !== undefined && v.cycle.length > 0 ? [v.from, ...v.cycle.map((c) => c.name)].join(' → ') : `${v.from} → ${v.to}`
  return `${v.rule.name}: ${path}`
}

/** Every .ts file (not .d.ts) under `dir`, relative to the repository. */
function tsFiles (dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => relative(root, join(root, dir, f)))
}

t.test('the sources keep the layer rule: no forbidden import, no cycle of any kind', async (t) => {
  // tsconfig.json's "include" is the set of sources the build compiles: all of them are checked.
  const include = (JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as { include: string[] }).include
  const result = cruise(root, include)
  t.same(result.summary.violations.map(describe), [], 'no violation of .dependency-cruiser.cjs, not even a warning')
  // Whatever severity the config gives them: a cycle through type-only imports counts too.
  t.same(result.summary.violations.filter((v) => (v.cycle?.length ?? 0) > 0).map(describe), [], 'no import cycle')

  const expected = include.flatMap((p) => p.endsWith('.ts') ? [p] : tsFiles(p)).filter((f) => !f.startsWith(FIXTURE + '/'))
  const cruised = new Set(result.modules.map((m) => m.source))
  t.same(expected.filter((f) => !cruised.has(f)), [], `every compiled source was cruised (${expected.length} files)`)
  // Resolution works, else every rule would pass for want of edges: the layers do import each other.
  const edges = result.modules.flatMap((m) => m.dependencies.map((d) => [m.source, d.resolved] as const))
  for (const [from, to] of [['client/', 'protocol/'], ['framework/', 'client/'], ['cli/', 'client/']] as const) {
    t.ok(edges.some(([a, b]) => a.startsWith(from) && b.startsWith(to)), `${from} → ${to} imports resolved`)
  }
})

t.test('each rule fires on a tree that breaks it (test/fixtures/layers)', async (t) => {
  const result = cruise(join(root, FIXTURE), ['index.ts', 'protocol', 'client', 'framework', 'cli', 'test'])
  const found = new Set(result.summary.violations.filter((v) => v.rule.severity === 'error').map((v) => `${v.rule.name}: ${v.from} → ${v.to}`))
  for (const want of [
    'protocol-is-the-bottom: protocol/wire.ts → client/connection.ts',
    'client-uses-protocol-only: client/connection.ts → framework/app.ts',
    'framework-not-cli: framework/app.ts → cli/main.ts',
    'only-the-entry-imports-the-entry: cli/main.ts → index.ts',
    'product-not-to-dev-code: cli/main.ts → test/helper.ts'
  ]) t.ok(found.has(want), want)
  t.ok([...found].some((v) => v.startsWith('product-not-to-dev-deps: framework/app.ts → ') && v.includes('node_modules/tap/')),
    'product-not-to-dev-deps: framework/app.ts → tap')
  t.ok([...found].some((v) => v.startsWith('no-circular: client/connection.ts → ')), 'no-circular: client/connection.ts ↔ client/pool.ts')
  t.ok([...found].some((v) => /^no-circular: framework\/(group|topic)\.ts → /.test(v)), 'no-circular through type-only imports: framework/group.ts ↔ framework/topic.ts')
  t.notOk([...found].some((v) => !v.startsWith('no-circular:') && /: (index\.ts|test\/\S+) → /.test(v)), 'index.ts and test/ may import anything')
})
