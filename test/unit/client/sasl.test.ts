import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto'
import t from 'tap'
import { AuthenticationError } from '../../../client/errors.js'
import { oauthBearerExchange } from '../../../client/sasl/oauthbearer.js'
import { plainExchange } from '../../../client/sasl/plain.js'
import { scramExchange } from '../../../client/sasl/scram.js'

t.test('SCRAM-SHA-256 matches the RFC 7677 example exchange', async t => {
  const x = scramExchange({ mechanism: 'SCRAM-SHA-256', username: 'user', password: 'pencil' }, 'rOprNGfwEbeRWgbNEkqO')
  t.equal((await x.start()).toString(), 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO')
  const final = await x.next(Buffer.from('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'))
  t.equal(final?.toString(), 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=')
  t.equal(await x.next(Buffer.from('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')), null)
})

/** A SCRAM server side written from RFC 5802, to check the SHA-512 client end to end. */
function scramServer (password: string, iterations = 4096) {
  const salt = randomBytes(16)
  const salted = pbkdf2Sync(password, salt, iterations, 64, 'sha512')
  const hmac = (k: Buffer, s: string) => createHmac('sha512', k).update(s).digest()
  const storedKey = createHash('sha512').update(hmac(salted, 'Client Key')).digest()
  let clientFirstBare = ''
  let serverFirst = ''
  return {
    first (msg: string) {
      clientFirstBare = msg.slice(3)
      const nonce = /r=([^,]+)/.exec(msg)?.[1] ?? ''
      serverFirst = `r=${nonce}server,s=${salt.toString('base64')},i=${iterations}`
      return serverFirst
    },
    final (msg: string) {
      const withoutProof = msg.slice(0, msg.indexOf(',p='))
      const proof = Buffer.from(msg.slice(msg.indexOf(',p=') + 3), 'base64')
      const auth = `${clientFirstBare},${serverFirst},${withoutProof}`
      const sig = hmac(storedKey, auth)
      const clientKey = Buffer.from(proof.map((b, i) => b ^ (sig[i] as number)))
      const ok = createHash('sha512').update(clientKey).digest().equals(storedKey)
      return { ok, serverFinal: `v=${hmac(hmac(salted, 'Server Key'), auth).toString('base64')}` }
    }
  }
}

t.test('SCRAM-SHA-512: proof accepted by an RFC 5802 server, server signature verified', async t => {
  const server = scramServer('kshare-secret')
  const x = scramExchange({ mechanism: 'SCRAM-SHA-512', username: 'a=b,c', password: 'kshare-secret' })
  const first = (await x.start()).toString()
  t.match(first, /^n,,n=a=3Db=2Cc,r=/, 'user name escaped')
  const final = (await x.next(Buffer.from(server.first(first))))?.toString() ?? ''
  const { ok, serverFinal } = server.final(final)
  t.ok(ok, 'the server accepts the proof')
  t.equal(await x.next(Buffer.from(serverFinal)), null)
})

t.test('SCRAM rejects a forged server signature, a foreign nonce, too few iterations, an error', async t => {
  const opts = { mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p' } as const
  const server = scramServer('other-password')
  const x = scramExchange(opts)
  await x.next(Buffer.from(server.first((await x.start()).toString())))
  await t.rejects(x.next(Buffer.from(server.final('c=biws,r=x,p=AAAA').serverFinal)), { name: 'AuthenticationError', message: /server signature does not verify/ })

  const y = scramExchange(opts, 'abc')
  await y.start()
  await t.rejects(y.next(Buffer.from('r=zzzabc,s=AAAA,i=4096')), { message: /nonce does not extend ours/ })
  const z = scramExchange(opts, 'abc')
  await t.rejects(z.next(Buffer.from('r=abcdef,s=AAAA,i=1000')), { message: /1000 iterations/ })
  const w = scramExchange(opts, 'abc')
  await w.next(Buffer.from('r=abcdef,s=AAAA,i=4096'))
  const err = await w.next(Buffer.from('e=invalid-proof')).catch(e => e)
  t.type(err, AuthenticationError)
  t.equal(err.retriable, false)
})

t.test('PLAIN sends authzid NUL user NUL password once', async t => {
  const x = plainExchange({ mechanism: 'PLAIN', username: 'alice', password: 'pw' })
  t.same([...await x.start()], [0, ...Buffer.from('alice'), 0, ...Buffer.from('pw')])
  t.equal(await x.next(Buffer.alloc(0)), null)
})

t.test('OAUTHBEARER: RFC 7628 initial response, extensions, error challenge answered with ^A', async t => {
  const seen: unknown[] = []
  const x = oauthBearerExchange({ mechanism: 'OAUTHBEARER', token: (target) => { seen.push(target); return { value: 'tok', extensions: { cluster: 'c1' } } } },
    { host: 'h', port: 1, nodeId: 3 })
  t.equal((await x.start()).toString(), 'n,,\u0001auth=Bearer tok\u0001cluster=c1\u0001\u0001')
  t.same(seen, [{ host: 'h', port: 1, nodeId: 3 }])
  t.equal((await x.next(Buffer.from('{"status":"invalid_token"}')))?.toString(), '\u0001')
  await t.rejects(x.next(Buffer.from('{"status":"invalid_token"}')), { name: 'AuthenticationError', message: /invalid_token/ })
  const y = oauthBearerExchange({ mechanism: 'OAUTHBEARER', token: async () => 'abc' }, { host: 'h', port: 1, nodeId: -1 })
  await y.start()
  t.equal(await y.next(Buffer.alloc(0)), null, 'empty server reply = success')
  const failing = oauthBearerExchange({ mechanism: 'OAUTHBEARER', token: () => { throw new Error('idp down') } }, { host: 'h', port: 1, nodeId: -1 })
  await t.rejects(failing.start(), { name: 'AuthenticationError', message: /idp down/ })
  const badExt = oauthBearerExchange({ mechanism: 'OAUTHBEARER', token: () => ({ value: 't', extensions: { auth: 'x' } }) }, { host: 'h', port: 1, nodeId: -1 })
  await t.rejects(badExt.start(), AuthenticationError)
})
