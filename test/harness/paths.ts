import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The kshare checkout this module belongs to. Found by walking up to the `package.json` named
 * `kshare`, so it works from the compiled `dist/test/harness/` and from the sources alike.
 */
export function repoRoot (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'kshare') return dir
      } catch {
        // an unreadable package.json is not ours; keep walking
      }
    }
    const up = dirname(dir)
    if (up === dir) throw new Error('kshare harness: cannot find the kshare package.json above ' + fileURLToPath(import.meta.url))
    dir = up
  }
}

/** `test/broker/`: the pom, the server.properties template and the log4j2 config. */
export function brokerConfigDir (): string {
  return join(repoRoot(), 'test', 'broker')
}

/**
 * Where resolved Kafka jars live, outside the repository so `git clean` and fresh clones share
 * them: `$KSHARE_CACHE_DIR`, else `$XDG_CACHE_HOME/kshare`, else `~/.cache/kshare`.
 */
export function cacheDir (env: NodeJS.ProcessEnv = process.env): string {
  if (env.KSHARE_CACHE_DIR !== undefined && env.KSHARE_CACHE_DIR !== '') return resolve(env.KSHARE_CACHE_DIR)
  const xdg = env.XDG_CACHE_HOME
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'kshare')
}

/**
 * Where the shared broker's state file and lock live: `$KSHARE_STATE_DIR`, else `.kshare/` in
 * the repo root (gitignored). Everyone working in one checkout shares it on purpose.
 */
export function stateDir (env: NodeJS.ProcessEnv = process.env): string {
  if (env.KSHARE_STATE_DIR !== undefined && env.KSHARE_STATE_DIR !== '') return resolve(env.KSHARE_STATE_DIR)
  return join(repoRoot(), '.kshare')
}
