/**
 * The App's HTTP endpoint: a plain `node:http` server with a table of routes. The App adds
 * `/healthz`, `/readyz` and `/metrics`; others (a dashboard) add theirs with {@link OpsHttpServer.route}.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Serves one route. A handler that throws (or rejects) gets a 500. */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>

/** Writes `body` as JSON with `status`. */
export function sendJson (res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
  res.end(JSON.stringify(body, null, 2) + '\n')
}

/** Where routes are added: `app.http`. */
export interface HttpRoutes {
  /**
   * Serves `path` with `handler`: an exact path (`/healthz`), or a prefix ending in `/*`
   * (`/dashboard/*` serves `/dashboard` and everything under it). Routes may be added any time.
   */
  route (path: string, handler: HttpHandler): HttpRoutes
}

/** A `node:http` server dispatching on the request path (exact match, or a prefix route `'/x/*'`). */
export class OpsHttpServer implements HttpRoutes {
  readonly #routes = new Map<string, HttpHandler>()
  readonly #prefixes: Array<[string, HttpHandler]> = []
  #server: Server | undefined

  /** See {@link HttpRoutes.route}. */
  route (path: string, handler: HttpHandler): this {
    if (path.endsWith('/*')) this.#prefixes.push([path.slice(0, -2), handler])
    else this.#routes.set(path, handler)
    return this
  }

  /** Listens; resolves with the port (useful with port 0). */
  async listen (port: number, host: string): Promise<number> {
    const server = this.#server = createServer((req, res) => { void this.#handle(req, res) })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => { server.off('error', reject); resolve() })
    })
    return (server.address() as AddressInfo).port
  }

  /** Stops listening and ends idle keep-alive connections. */
  async close (): Promise<void> {
    const server = this.#server
    if (server === undefined) return
    this.#server = undefined
    await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeIdleConnections() })
  }

  async #handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    const handler = this.#routes.get(path) ?? this.#prefixes.find(([prefix]) => path === prefix || path.startsWith(prefix + '/'))?.[1]
    try {
      if (handler === undefined) sendJson(res, 404, { error: `no route ${path}` })
      else await handler(req, res)
    } catch (err) {
      if (!res.headersSent) sendJson(res, 500, { error: err instanceof Error ? err.message : String(err) })
      else res.destroy()
    }
  }
}
