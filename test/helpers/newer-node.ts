import { execFile } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { cacheDir } from '../harness/paths.js'

/** The Node installed from npm (the `node` package) when the running one lacks zstd in zlib. */
export const NEWER_NODE_VERSION = '22.21.0'

const run = promisify(execFile)

/** True when `version` (e.g. 'v22.15.0') is at least major.minor. */
export function atLeast (version: string, major: number, minor: number): boolean {
  const [maj, min] = version.replace(/^v/, '').split('.').map(Number) as [number, number]
  return maj > major || (maj === major && min >= minor)
}

/**
 * A Node ≥ 22.15 binary: this one if it qualifies, else `node@NEWER_NODE_VERSION` from npm,
 * installed once into `<kshare cache>/node-<version>` (like the harness's Kafka jars).
 */
export async function newerNode (): Promise<{ path: string, version: string }> {
  if (atLeast(process.version, 22, 15)) return { path: process.execPath, version: process.version }
  const dir = join(cacheDir(), `node-${NEWER_NODE_VERSION}`)
  const path = join(dir, 'node_modules', 'node', 'bin', 'node')
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true })
    await run('npm', ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', '--no-package-lock', `node@${NEWER_NODE_VERSION}`],
      { timeout: 300_000 })
  }
  const { stdout } = await run(path, ['--version'], { timeout: 30_000 })
  return { path, version: stdout.trim() }
}
