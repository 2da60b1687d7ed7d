import type { SaslExchange, SaslPlainOptions } from './types.js'

/** PLAIN (RFC 4616): one message `authzid NUL authcid NUL passwd`, authzid left empty. */
export function plainExchange (options: SaslPlainOptions): SaslExchange {
  return {
    start: async () => Buffer.from(`\u0000${options.username}\u0000${options.password}`, 'utf8'),
    next: async () => null
  }
}
