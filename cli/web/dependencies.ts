import { createRequire } from 'node:module'
import { readFile } from 'node:fs/promises'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import type { Eta } from 'eta'

/** What `kshare web` needs beyond kshare (optional peer dependencies, loaded on demand). */
export interface WebDependencies {
  /** `fastify`'s factory. */
  fastify: (options?: FastifyServerOptions) => FastifyInstance
  /** `eta`'s class. */
  Eta: typeof Eta
  /** uPlot's browser build and stylesheet, served from the package (no CDN). */
  uplot: { js: Buffer, css: Buffer }
}

/** One line naming what to install. */
export class MissingWebDependencyError extends Error {
  override name = 'MissingWebDependencyError'
  /** @param missing the packages that could not be loaded */
  constructor (readonly missing: readonly string[]) {
    super(`${missing.join(", ")} not installed (optional dependencies of kshare web): npm install fastify@5 eta@4 uplot@1`)
  }
}

/**
 * Loads fastify, eta and uplot, or throws {@link MissingWebDependencyError} naming every
 * missing one. `load` is the module loader (tests pass one that fails).
 */
export async function loadWebDependencies (load: (name: string) => Promise<unknown> = async (name) => await import(name)): Promise<WebDependencies> {
  const missing: string[] = []
  const tryLoad = async <T>(name: string, pick: (m: unknown) => T): Promise<T | undefined> => {
    try {
      return pick(await load(name))
    } catch {
      missing.push(name)
      return undefined
    }
  }
  const fastify = await tryLoad('fastify', (m) => (m as { default: WebDependencies['fastify'] }).default)
  const eta = await tryLoad('eta', (m) => (m as { Eta: typeof Eta }).Eta)
  let uplot: WebDependencies['uplot'] | undefined
  try {
    const require = createRequire(import.meta.url)
    const dir = require.resolve('uplot/package.json').replace(/package\.json$/, '')
    uplot = { js: await readFile(`${dir}dist/uPlot.iife.min.js`), css: await readFile(`${dir}dist/uPlot.min.css`) }
  } catch {
    missing.push('uplot')
  }
  if (fastify === undefined || eta === undefined || uplot === undefined) throw new MissingWebDependencyError(missing)
  return { fastify, Eta: eta, uplot }
}
