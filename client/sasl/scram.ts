import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'
import { AuthenticationError } from '../errors.js'
import type { SaslExchange, SaslScramOptions } from './types.js'

const pbkdf2Async = promisify(pbkdf2)

/** Kafka's broker refuses fewer iterations for both SHA variants; a server asking for fewer is not trusted either. */
const MIN_ITERATIONS = 4096

const HASHES = {
  'SCRAM-SHA-256': { hash: 'sha256', size: 32 },
  'SCRAM-SHA-512': { hash: 'sha512', size: 64 }
} as const

/** RFC 5802 §5.1 saslname: `=` and `,` escaped. */
function saslName (name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C')
}

/** Parses `k=v,k=v` attributes (values may contain `=`). */
function attributes (message: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const part of message.split(',')) {
    const eq = part.indexOf('=')
    if (eq === 1) out.set(part[0] as string, part.slice(2))
  }
  return out
}

/**
 * SCRAM-SHA-256/512 (RFC 5802, RFC 7677), client side: client-first, then client-final with
 * the proof, then the server signature is verified, so a broker that does not know the
 * password cannot pretend to. Passwords are used as UTF-8 without SASLprep, as Kafka's Java
 * `ScramFormatter` does (for ASCII passwords the two agree).
 *
 * @param nonce client nonce, for tests with RFC vectors; random by default
 */
export function scramExchange (options: SaslScramOptions, nonce: string = randomBytes(24).toString('base64')): SaslExchange {
  const { hash, size } = HASHES[options.mechanism]
  const fail = (why: string): never => { throw new AuthenticationError(`${options.mechanism}: ${why}`, options.mechanism) }
  const hmac = (key: Buffer, text: string): Buffer => createHmac(hash, key).update(text, 'utf8').digest()
  const clientFirstBare = `n=${saslName(options.username)},r=${nonce}`
  let expectedServerSignature: Buffer | undefined

  return {
    async start () {
      return Buffer.from(`n,,${clientFirstBare}`, 'utf8')
    },
    async next (challenge) {
      const text = challenge.toString('utf8')
      if (expectedServerSignature === undefined) {
        const attrs = attributes(text)
        const serverNonce = attrs.get('r')
        const salt = attrs.get('s')
        const iterations = Number(attrs.get('i'))
        if (attrs.has('m')) fail('the broker requires a SCRAM extension kshare does not know')
        if (serverNonce === undefined || salt === undefined || !Number.isInteger(iterations)) return fail(`malformed server-first message ${JSON.stringify(text)}`)
        if (!serverNonce.startsWith(nonce) || serverNonce.length <= nonce.length) fail('the server nonce does not extend ours: not a genuine SCRAM server')
        if (iterations < MIN_ITERATIONS) fail(`the server asks for ${iterations} iterations, fewer than the minimum ${MIN_ITERATIONS}`)
        const salted = await pbkdf2Async(Buffer.from(options.password, 'utf8'), Buffer.from(salt, 'base64'), iterations, size, hash)
        const clientKey = hmac(salted, 'Client Key')
        const storedKey = createHash(hash).update(clientKey).digest()
        const clientFinalWithoutProof = `c=biws,r=${serverNonce}` // biws = base64("n,,")
        const authMessage = `${clientFirstBare},${text},${clientFinalWithoutProof}`
        const signature = hmac(storedKey, authMessage)
        for (let i = 0; i < clientKey.length; i++) clientKey[i] = (clientKey[i] as number) ^ (signature[i] as number)
        expectedServerSignature = hmac(hmac(salted, 'Server Key'), authMessage)
        return Buffer.from(`${clientFinalWithoutProof},p=${clientKey.toString('base64')}`, 'utf8')
      }
      const attrs = attributes(text)
      const error = attrs.get('e')
      if (error !== undefined) fail(`the broker rejected the proof: ${error}`)
      const verifier = Buffer.from(attrs.get('v') ?? '', 'base64')
      if (verifier.length !== expectedServerSignature.length || !timingSafeEqual(verifier, expectedServerSignature)) {
        fail('the server signature does not verify: the broker does not know this password (or someone is in the middle)')
      }
      return null
    }
  }
}
