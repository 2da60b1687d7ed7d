import { defineApi } from '../api.js'
import { array, int16, string } from '../schema.js'

/**
 * SaslHandshake (key 17): pick a SASL mechanism. Never flexible: Kafka cannot bump it
 * because clients up to 2.4 negotiated it wrongly (KAFKA-9577).
 *
 * We speak v1 only: v0 means the SASL tokens then travel as raw size-prefixed frames,
 * v1 that they travel in SaslAuthenticate requests (KIP-152), which is what we send.
 *
 * SaslHandshake Request (Version: 0+) => mechanism
 * SaslHandshake Response (Version: 0+) => error_code [mechanisms]
 */
export const SaslHandshake = defineApi({
  name: 'SaslHandshake',
  apiKey: 17,
  versions: '1',
  flexibleVersions: 'none',
  request: {
    mechanism: string()
  },
  response: {
    errorCode: int16(),
    mechanisms: array(string())
  }
})
