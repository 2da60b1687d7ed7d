import { createServer } from 'node:net'

/**
 * Ports handed to private test brokers come from this range: below Linux's ephemeral range
 * (32768-60999) so an outgoing connection cannot grab one between allocation and the broker
 * binding it, and away from the shared broker's 39092+.
 */
const PRIVATE_RANGE = { from: 20000, to: 29999 }

/** True when nothing listens on `port` of 127.0.0.1 (by binding it briefly). */
export function isPortFree (port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)))
  })
}

/**
 * Picks `n` distinct free ports for a private broker (see {@link PRIVATE_RANGE}). Free at the
 * time of the call; the broker binds them a second later, and a lost race shows up as a broker
 * that fails to start with "Address already in use" in its log.
 */
export async function allocatePorts (n: number): Promise<number[]> {
  const chosen = new Set<number>()
  for (let attempts = 0; chosen.size < n; attempts++) {
    if (attempts > 1000) throw new Error(`could not find ${n} free ports in ${PRIVATE_RANGE.from}-${PRIVATE_RANGE.to}`)
    const port = PRIVATE_RANGE.from + Math.floor(Math.random() * (PRIVATE_RANGE.to - PRIVATE_RANGE.from + 1))
    if (!chosen.has(port) && await isPortFree(port)) chosen.add(port)
  }
  return [...chosen]
}
