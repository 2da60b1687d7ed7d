import type { ApiDefinition, RequestInput, ResponseOf } from '../../protocol/index.js'
import { SaslAuthenticate, SaslHandshake } from '../../protocol/index.js'
import { AuthenticationError } from '../errors.js'
import { oauthBearerExchange } from './oauthbearer.js'
import { plainExchange } from './plain.js'
import { scramExchange } from './scram.js'
import type { SaslExchange, SaslOptions, SaslTarget } from './types.js'

/** How the SASL conversation reaches the broker: the connection's own send, before it is ready. */
export type SaslSend = <A extends ApiDefinition>(api: A, body: RequestInput<A>) => Promise<ResponseOf<A>>

function exchangeFor (options: SaslOptions, target: SaslTarget): SaslExchange {
  switch (options.mechanism) {
    case 'PLAIN': return plainExchange(options)
    case 'SCRAM-SHA-256':
    case 'SCRAM-SHA-512': return scramExchange(options)
    case 'OAUTHBEARER': return oauthBearerExchange(options, target)
  }
}

/**
 * Authenticates a fresh connection: SaslHandshake v1 names the mechanism, then
 * SaslAuthenticate carries each token until the mechanism is satisfied (KIP-152). Every
 * failure is an {@link AuthenticationError}. Returns the broker's session lifetime (ms, 0 =
 * unlimited): past it the broker closes the connection unless it is re-authenticated.
 */
export async function authenticate (send: SaslSend, options: SaslOptions, target: SaslTarget): Promise<{ sessionLifetimeMs: number }> {
  const { mechanism } = options
  const ctx = { brokerId: target.nodeId < 0 ? undefined : target.nodeId }
  const where = `${target.host}:${target.port}`
  const handshake = await send(SaslHandshake, { mechanism })
  if (handshake.errorCode !== 0) {
    throw new AuthenticationError(`${where} does not enable SASL mechanism ${mechanism} on this listener (it offers ${handshake.mechanisms.join(', ') || 'none'}); set sasl.mechanism to one of those or enable ${mechanism} in sasl.enabled.mechanisms`,
      mechanism, { ...ctx, api: 'SaslHandshake' })
  }
  const exchange = exchangeFor(options, target)
  let message: Buffer | null = await exchange.start()
  let sessionLifetimeMs = 0
  while (message !== null) {
    const res = await send(SaslAuthenticate, { authBytes: message })
    if (res.errorCode !== 0) {
      throw new AuthenticationError(`${mechanism} authentication to ${where} failed: ${res.errorMessage ?? `error code ${res.errorCode}`}; check the user name and password (or token)`,
        mechanism, { ...ctx, api: 'SaslAuthenticate' })
    }
    sessionLifetimeMs = Number(res.sessionLifetimeMs)
    message = await exchange.next(res.authBytes)
  }
  return { sessionLifetimeMs }
}
