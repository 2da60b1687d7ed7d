import { createRequire } from 'node:module'
import { readFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'

/**
 * The dashboard, a fastify instance, as kshare's types show it: what serving or mounting it
 * takes. Declared here so that kshare's declarations compile without fastify.
 */
export interface Dashboard {
  /** Serves the dashboard; resolves with its address, e.g. `http://127.0.0.1:3000`. */
  listen (options: { host: string, port: number }): Promise<string>
  /** Runs the start-up hooks (the first sample of the reports): await it before mounting {@link routing}. */
  ready (): PromiseLike<unknown>
  /** The dashboard as a plain Node request handler, to mount it in another server. */
  routing (req: IncomingMessage, res: ServerResponse): void
  /** Stops serving and closes the dashboard's Kafka clients. */
  close (): PromiseLike<unknown>
}

/** The pages' template engine: an `eta` instance, as the dashboard uses it. */
export interface Templates {
  /** Adds a named template. */
  loadTemplate (name: string, template: string): void
  /** Renders a named template with `data`. */
  render (name: string, data: object): string
}

/**
 * What `kshare web` needs beyond kshare (optional peer dependencies, loaded on demand), typed by
 * what the dashboard calls so that kshare's declarations compile without them.
 */
export interface WebDependencies {
  /** `fastify`'s factory. */
  fastify: (options: { logger: false, bodyLimit: number }) => Dashboard
  /** `eta`'s class. */
  Eta: new (options: { autoEscape: boolean, autoTrim: false, cache: boolean }) => Templates
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
  const eta = await tryLoad('eta', (m) => (m as { Eta: WebDependencies['Eta'] }).Eta)
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
