import { defineApi } from '../api.js'
import { bytes, int16, int64, string } from '../schema.js'

/**
 * SaslAuthenticate (key 36): one SASL token exchange after SaslHandshake v1.
 *
 * We speak v2 only: the one flexible version (v1 added `session_lifetime_ms`, which
 * re-authentication (KIP-368) needs, and every broker with v1 has v2). Unchanged in 4.2–4.4.
 *
 * SaslAuthenticate Request (Version: 2) => auth_bytes _tagged_fields
 * SaslAuthenticate Response (Version: 2) => error_code error_message auth_bytes session_lifetime_ms _tagged_fields
 *   error_message nullable; session_lifetime_ms: v1+
 */
export const SaslAuthenticate = defineApi({
  name: 'SaslAuthenticate',
  apiKey: 36,
  versions: '2',
  flexibleVersions: '2+',
  request: {
    authBytes: bytes()
  },
  response: {
    errorCode: int16(),
    errorMessage: string({ nullable: '0+' }),
    authBytes: bytes(),
    sessionLifetimeMs: int64({ versions: '1+', default: 0n, ignorable: true })
  }
})
