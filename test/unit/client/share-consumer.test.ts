import t from 'tap'
import { ConfigurationError, ShareConsumer } from '../../../index.js'

// Option checks happen in the constructor, before any connection (none is made here).

t.test('bad options are ConfigurationErrors naming the option', async t => {
  const base = { bootstrapServers: ['localhost:9092'], groupId: 'g' }
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ groupId: '' }, 'groupId'],
    [{ acknowledgementMode: 'auto' }, 'acknowledgementMode'],
    [{ acquireMode: 'strict' }, 'acquireMode'],
    [{ maxPollRecords: 0 }, 'maxPollRecords'],
    [{ fetchMaxWaitMs: -1 }, 'fetchMaxWaitMs'],
    [{ fetchMaxBytes: 1.5 }, 'fetchMaxBytes'],
    [{ requestTimeoutMs: 0 }, 'requestTimeoutMs'],
    [{ bootstrapServers: ['nope'] }, 'bootstrapServers']
  ]
  for (const [bad, option] of cases) {
    const err = t.throws(() => new ShareConsumer({ ...base, ...bad } as never)) as ConfigurationError
    t.type(err, ConfigurationError, option)
    t.equal(err.option, option)
  }
})

t.test('a new consumer: client-generated member id, no lock duration yet, closes without a broker', async t => {
  const consumer = new ShareConsumer({ bootstrapServers: ['localhost:1'], groupId: 'g' })
  t.match(consumer.memberId, /^[A-Za-z0-9_-]{22}$/)
  t.equal(consumer.acquisitionLockTimeoutMs, undefined)
  t.throws(() => consumer.acknowledge({ topic: 't', partition: 0, offset: 0n }), /explicit/, 'implicit mode refuses acknowledge()')
  await consumer.close()
})
