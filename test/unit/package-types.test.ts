/**
 * kshare's declarations, as a TypeScript user gets them: prom-client, fastify, eta, uplot and
 * @opentelemetry/api are optional peer dependencies, so the `.d.ts` files reachable from the
 * package's "exports" must compile without them (and without `skipLibCheck`), and the structural
 * types standing in for them (`MetricsRegistry`, `Dashboard`, `WebDependencies`) must still
 * accept the real thing when it is installed.
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import t, { type Test } from 'tap'
import { repoRoot } from '../harness/paths.js'

const root = repoRoot()
const OPTIONAL_PEERS = ['prom-client', 'fastify', 'eta', 'uplot', '@opentelemetry/api']

interface PackageJson {
  name: string
  type: string
  types: string
  exports: Record<string, { types: string, default: string }>
  files: string[]
  peerDependencies: Record<string, string>
  peerDependenciesMeta: Record<string, { optional?: boolean }>
}
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson

/**
 * A project in a fresh directory that depends on kshare as npm would install it: the
 * declarations of what package.json "files" ships, @types/node, and `packages` (linked from
 * this checkout). Returns its directory.
 */
function consumerProject (t: Test, source: string, packages: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'kshare-types-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const kshare = join(dir, 'node_modules', 'kshare')
  for (const entry of pkg.files) {
    const base = entry.endsWith('.*') ? dirname(entry) : entry
    const names = readdirSync(join(root, base), { recursive: !entry.endsWith('.*'), encoding: 'utf8' })
    for (const name of names) {
      const file = join(base, name)
      if (!file.endsWith('.d.ts') || (entry.endsWith('.*') && !file.startsWith(entry.slice(0, -1)))) continue
      mkdirSync(dirname(join(kshare, file)), { recursive: true })
      copyFileSync(join(root, file), join(kshare, file))
    }
  }
  writeFileSync(join(kshare, 'package.json'), JSON.stringify({ name: pkg.name, type: pkg.type, types: pkg.types, exports: pkg.exports }))
  for (const name of ['@types/node', 'undici-types', ...packages]) {
    mkdirSync(dirname(join(dir, 'node_modules', name)), { recursive: true })
    symlinkSync(join(root, 'node_modules', name), join(dir, 'node_modules', name), 'dir')
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }))
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023'], types: ['node'], strict: true, noEmit: true, skipLibCheck: false
    },
    files: ['consumer.ts']
  }))
  writeFileSync(join(dir, 'consumer.ts'), source)
  return dir
}

/** `tsc -p dir`: its diagnostics, empty when the project compiles. */
function compile (dir: string): string {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  const run = spawnSync(process.execPath, [tsc, '-p', dir, '--pretty', 'false'], { cwd: dir, encoding: 'utf8', timeout: 120_000 })
  if (run.error !== undefined) throw run.error
  return `${run.stdout}${run.stderr}`.trim() + (run.status === 0 ? '' : `\n(tsc exit ${String(run.status)})`)
}

t.test('the optional peers are exactly the ones this test keeps out', async (t) => {
  const optional = Object.keys(pkg.peerDependencies).filter((name) => pkg.peerDependenciesMeta[name]?.optional === true)
  t.same(optional.sort(), [...OPTIONAL_PEERS].sort())
})

t.test('every entry point compiles without the optional peers, skipLibCheck off', async (t) => {
  const entries = Object.keys(pkg.exports).map((key) => key === '.' ? 'kshare' : `kshare/${key.slice(2)}`)
  t.same(entries, ['kshare', 'kshare/protocol', 'kshare/framework', 'kshare/web'], 'the entry points checked')
  const dir = consumerProject(t, `
${entries.map((e, i) => `import * as entry${i} from '${e}'`).join('\n')}
import { App, type MetricsRegistry } from 'kshare/framework'
import { createDashboard, loadWebDependencies, type Dashboard } from 'kshare/web'

// A registry of one's own: what the App uses of one, no prom-client needed to name it.
const registry: MetricsRegistry = { registerMetric: () => {}, metrics: async () => '', contentType: 'text/plain', getMetricsAsJSON: async () => [] }
const app = new App({ kafka: { bootstrapServers: ['127.0.0.1:9092'] }, registry })
const scraped: MetricsRegistry | undefined = app.registry
const dashboard: Dashboard = createDashboard(await loadWebDependencies(), { kafka: { bootstrapServers: ['127.0.0.1:9092'] } })
export const used = [${entries.map((_, i) => `entry${i}`).join(', ')}, scraped, dashboard.routing]
`, [])
  const resolve = createRequire(join(dir, 'consumer.ts')).resolve
  for (const name of OPTIONAL_PEERS) t.throws(() => resolve(name), `${name} cannot be resolved from the project`)
  t.equal(compile(dir), '', 'tsc reports nothing')
})

t.test('a real prom-client Registry, fastify and eta fit the types that stand in for them', async (t) => {
  const dir = consumerProject(t, `
import { Eta } from 'eta'
import fastify from 'fastify'
import { Registry } from 'prom-client'
import { App } from 'kshare/framework'
import type { Dashboard, WebDependencies } from 'kshare/web'

const app = new App({ kafka: { bootstrapServers: ['127.0.0.1:9092'] }, registry: new Registry() })
const dashboard: Dashboard = fastify()
const deps: WebDependencies = { fastify, Eta, uplot: { js: Buffer.alloc(0), css: Buffer.alloc(0) } }
export const used = [app, dashboard, deps]
`, ['prom-client', 'fastify', 'eta'])
  t.equal(compile(dir), '', 'tsc reports nothing')
})
