import t from 'tap'
import { ApiVersions, encodeRequest, encodeResponse } from '../../../protocol/index.js'
import { runCli, type CliRun } from '../../helpers/run-cli.js'

const run = async (args: string[], stdin = ''): Promise<CliRun> => await runCli(args, { stdin })

const request = encodeRequest(ApiVersions, 3, { correlationId: 7, clientId: 'me' }, { clientSoftwareName: 'kshare', clientSoftwareVersion: '0.1' })
const response = encodeResponse(ApiVersions, 3, 7, {
  errorCode: 0,
  apiKeys: [{ apiKey: 78, minVersion: 1, maxVersion: 2 }],
  finalizedFeatures: [{ name: 'share.version', maxVersionLevel: 2, minVersionLevel: 2 }]
})
const conversation = Buffer.concat([request, response]).toString('hex')

t.test('decodes a request and pairs its response by correlation id', async t => {
  const r = await run(['decode', conversation])
  t.equal(r.code, 0, r.err)
  t.match(r.out, /request ApiVersions v3 correlationId=7 clientId="me"/)
  t.match(r.out, /clientSoftwareName: "kshare"/)
  t.match(r.out, /response ApiVersions v3 correlationId=7/)
  t.match(r.out, /name: "share.version"\n\s+maxVersionLevel: 2/)
})

t.test('reads hex from stdin, and a response alone with --api/--version; --json', async t => {
  const r = await run(['decode', '--json', '--api', 'ApiVersions', '--version', '3'], response.subarray(4).toString('hex'))
  t.equal(r.code, 0, r.err)
  const parsed = JSON.parse(r.out) as { direction: string, body: { apiKeys: unknown[], finalizedFeaturesEpoch: string } }
  t.equal(parsed.direction, 'response')
  t.same(parsed.body.apiKeys, [{ apiKey: 78, minVersion: 1, maxVersion: 2 }])
  t.equal(parsed.body.finalizedFeaturesEpoch, '-1', 'int64 printed as a string')
})

t.test('garbage and truncated input: one line naming the byte offset and field, exit 1', async t => {
  const cut = await run(['decode', Buffer.concat([request, response]).subarray(0, request.length + 20).toString('hex')])
  t.equal(cut.code, 1)
  t.match(cut.err, /^kshare decode: frame cut short: its size prefix says \d+ bytes, \d+ follow \(field size, byte \d+\)\n$/)
  const bad = await run(['decode', '--api', 'ApiVersions', '--version', '3', '00000007000000'])
  t.equal(bad.code, 1)
  t.match(bad.err, /^kshare decode: .*\(ApiVersions v3, field apiKeys, byte \d+\)\n$/)
  t.notMatch(bad.err, /\n\s+at /, 'no stack trace')
})

t.test('usage errors exit 2', async t => {
  t.equal((await run(['decode', 'zz'])).code, 2)
  t.equal((await run(['decode', '--api', 'ApiVersions', '00'])).code, 2, '--api without --version')
  t.equal((await run(['decode', '--bogus'])).code, 2)
  t.equal((await run(['nope'])).code, 2)
  const help = await run(['decode', '--help'])
  t.equal(help.code, 0)
  t.match(help.out, /Usage: kshare decode/)
})
