import { AuthenticationError } from '../errors.js'
import type { OAuthBearerToken, SaslExchange, SaslOAuthBearerOptions, SaslTarget } from './types.js'

const SEP = '\u0001'
const EXTENSION_KEY = /^[A-Za-z]+$/

/**
 * OAUTHBEARER (RFC 7628 §3.1): the initial client response is
 * `n,,^Aauth=Bearer <token>^A[key=value^A...]^A`. On failure the broker first sends an error
 * JSON as a challenge; the RFC has the client answer with a lone `^A`, after which the broker
 * fails the exchange with SASL_AUTHENTICATION_FAILED (its message then reaches the user).
 */
export function oauthBearerExchange (options: SaslOAuthBearerOptions, target: SaslTarget): SaslExchange {
  let serverError: string | undefined
  return {
    async start () {
      let token
      try {
        token = await options.token(target)
      } catch (cause) {
        throw new AuthenticationError(`the OAUTHBEARER token callback failed for ${target.host}:${target.port}: ${cause instanceof Error ? cause.message : String(cause)}`, 'OAUTHBEARER', { cause })
      }
      const { value, extensions = {} }: OAuthBearerToken = typeof token === 'string' ? { value: token } : token
      if (typeof value !== 'string' || value === '') throw new AuthenticationError('the OAUTHBEARER token callback returned an empty token', 'OAUTHBEARER')
      let ext = ''
      for (const [k, v] of Object.entries(extensions)) {
        // RFC 7628 key = 1*(ALPHA); "auth" is reserved for the token itself.
        if (!EXTENSION_KEY.test(k) || k === 'auth') throw new AuthenticationError(`OAUTHBEARER extension name ${JSON.stringify(k)} is not allowed: letters only, not "auth"`, 'OAUTHBEARER')
        ext += `${k}=${v}${SEP}`
      }
      return Buffer.from(`n,,${SEP}auth=Bearer ${value}${SEP}${ext}${SEP}`, 'utf8')
    },
    async next (challenge) {
      if (challenge.length === 0) return null
      if (serverError !== undefined) throw new AuthenticationError(`OAUTHBEARER rejected by the broker: ${serverError}`, 'OAUTHBEARER')
      serverError = challenge.toString('utf8')
      return Buffer.from(SEP)
    }
  }
}
