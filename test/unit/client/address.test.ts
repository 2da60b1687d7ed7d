import t from 'tap'
import { formatAddress, parseBootstrapServers, parseBrokerAddress } from '../../../client/address.js'
import { ConfigurationError } from '../../../client/errors.js'
import { backoffDelay } from '../../../client/backoff.js'

t.test('host:port, IPv6 in brackets, comma-separated lists', async t => {
  t.same(parseBrokerAddress('localhost:9092'), { host: 'localhost', port: 9092 })
  t.same(parseBrokerAddress(' 10.0.0.1:1 '), { host: '10.0.0.1', port: 1 })
  t.same(parseBrokerAddress('[::1]:9092'), { host: '::1', port: 9092 })
  t.equal(formatAddress({ host: '::1', port: 9092 }), '[::1]:9092')
  t.same(parseBootstrapServers('a:1, b:2'), [{ host: 'a', port: 1 }, { host: 'b', port: 2 }])
})

t.test('malformed addresses are configuration errors naming the option', async t => {
  for (const bad of ['localhost', 'localhost:', ':9092', 'host:0', 'host:65536', 'host:port', '::1:9092', 'a b:1', 'kafka://h:1']) {
    const err = t.throws(() => parseBrokerAddress(bad)) as ConfigurationError
    t.type(err, ConfigurationError, bad)
    t.equal(err.option, 'bootstrapServers')
    t.equal(err.retriable, false)
    t.match(err.message, /write host:port/)
  }
  t.throws(() => parseBootstrapServers([]), ConfigurationError)
  t.throws(() => parseBootstrapServers(' , '), ConfigurationError)
})

t.test('backoff doubles up to the cap, with ±20 % jitter', async t => {
  const opts = { initialMs: 100, maxMs: 1000 }
  t.equal(backoffDelay(0, opts, () => 0.5), 100)
  t.equal(backoffDelay(3, opts, () => 0.5), 800)
  t.equal(backoffDelay(10, opts, () => 0.5), 1000)
  t.equal(backoffDelay(0, opts, () => 0), 80)
  t.equal(backoffDelay(10, opts, () => 1), 1200)
})
