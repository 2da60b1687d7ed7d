import t from 'tap'
import { BrokerHarnessError } from '../../harness/errors.js'
import { DEFAULT_KAFKA_VERSION, requestedKafkaVersion, validateKafkaVersion } from '../../harness/version.js'

t.test('accepts 4.2+ releases', async (t) => {
  t.same(validateKafkaVersion('4.2.1'), { text: '4.2.1', major: 4, minor: 2, patch: 1 })
  t.equal(validateKafkaVersion('4.4.0').minor, 4)
  t.equal(validateKafkaVersion('5.0.0').major, 5)
})

t.test('refuses 4.0 and 4.1 with one line naming the reason', async (t) => {
  for (const v of ['4.0.0', '4.1.1']) {
    const err = t.throws(() => validateKafkaVersion(v)) as unknown
    t.ok(err instanceof BrokerHarnessError)
    const e = err as BrokerHarnessError
    t.equal(e.code, 'UNSUPPORTED_VERSION')
    t.match(e.message, /incompatible share-group RPC/)
    t.notMatch(e.message, /\n/, 'one line')
  }
})

t.test('refuses 3.x and garbage', async (t) => {
  t.throws(() => validateKafkaVersion('3.9.1'), { code: 'UNSUPPORTED_VERSION' })
  t.throws(() => validateKafkaVersion('latest'), { code: 'UNSUPPORTED_VERSION' })
  t.throws(() => validateKafkaVersion('4.4'), { code: 'UNSUPPORTED_VERSION' })
  t.throws(() => validateKafkaVersion('4.4.0; rm -rf /'), { code: 'UNSUPPORTED_VERSION' })
})

t.test('KAFKA_VERSION overrides the default; empty means default', async (t) => {
  t.equal(requestedKafkaVersion({}), DEFAULT_KAFKA_VERSION)
  t.equal(requestedKafkaVersion({ KAFKA_VERSION: '' }), DEFAULT_KAFKA_VERSION)
  t.equal(requestedKafkaVersion({ KAFKA_VERSION: ' 4.2.1 ' }), '4.2.1')
})
