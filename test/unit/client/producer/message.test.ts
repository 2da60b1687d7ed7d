import t from 'tap'
import { ConfigurationError } from '../../../../client/errors.js'
import { highestPartition, toPendingRecord } from '../../../../client/producer/message.js'

t.test('a partition must be an integer >= 0; how many the topic has is checked later, against fresh metadata', async t => {
  for (const partition of [-1, 1.5, Number.NaN, Infinity, '2' as unknown as number]) {
    t.throws(() => toPendingRecord({ value: 'v', partition }, 0), ConfigurationError, `partition ${String(partition)}`)
  }
  t.doesNotThrow(() => toPendingRecord({ value: 'v', partition: 0 }, 0))
  t.doesNotThrow(() => toPendingRecord({ value: 'v', partition: 10_000 }, 0), 'a partition beyond the known count is not an input error')
})

t.test('highestPartition: what send waits for in the metadata', async t => {
  t.equal(highestPartition([{ value: 'a' }, { key: 'k', value: 'b' }]), undefined, 'no message names a partition')
  t.equal(highestPartition([{ value: 'a', partition: 2 }, { value: 'b' }, { value: 'c', partition: 5 }, { value: 'd', partition: 0 }]), 5)
})
