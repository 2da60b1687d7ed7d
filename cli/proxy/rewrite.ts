/** A broker address as it appears in responses. */
export interface HostPort {
  /** Host name or IP. */
  host: string
  /** TCP port. */
  port: number
}

/**
 * Replaces every broker address in a decoded response body — any object with a string
 * `host` and a numeric `port`: Metadata and DescribeCluster brokers, FindCoordinator
 * coordinators, ShareFetch/ShareAcknowledge node endpoints — with what `map` returns.
 * Walking the body generically covers every API that carries addresses, including ones
 * added later. Returns true when something changed (the frame must then be re-encoded).
 */
export function rewriteAddresses (body: unknown, map: (address: HostPort) => HostPort): boolean {
  if (body === null || typeof body !== 'object') return false
  if (Array.isArray(body)) {
    let changed = false
    for (const element of body) changed = rewriteAddresses(element, map) || changed
    return changed
  }
  const o = body as Record<string, unknown>
  let changed = false
  if (typeof o.host === 'string' && typeof o.port === 'number' && o.host !== '' && o.port >= 0) {
    const to = map({ host: o.host, port: o.port })
    if (to.host !== o.host || to.port !== o.port) {
      o.host = to.host
      o.port = to.port
      changed = true
    }
  }
  for (const value of Object.values(o)) {
    if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) changed = rewriteAddresses(value, map) || changed
  }
  return changed
}

/** Every broker address in a decoded response body. */
export function findAddresses (body: unknown): HostPort[] {
  const found: HostPort[] = []
  rewriteAddresses(body, a => {
    found.push(a)
    return a
  })
  return found
}
