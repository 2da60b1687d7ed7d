import t from 'tap'
import { DLQ_HEADERS, deadLetterMessage } from '../../../framework/processing/dead-letter.js'
import { DeserializationError } from '../../../framework/errors.js'

t.test('a dead letter keeps key, value and headers and adds where it came from and why', async (t) => {
  const record = {
    topic: 'tasks', partition: 2, offset: 41n, timestamp: 5, key: Buffer.from('k'), value: Buffer.from('v'),
    headers: [{ key: 'trace', value: Buffer.from('abc') }, { key: DLQ_HEADERS.topic, value: Buffer.from('older') }],
    deliveryCount: 3, lockDeadline: 0
  }
  const m = deadLetterMessage(record, new DeserializationError('tasks', 2, 41n, new SyntaxError('Unexpected token')))
  t.equal(m.key?.toString(), 'k')
  t.equal(m.value?.toString(), 'v')
  const headers = Object.fromEntries((m.headers ?? []).map((h) => [h.key, h.value?.toString()]))
  t.same(headers, {
    trace: 'abc',
    'kshare.original.topic': 'tasks',
    'kshare.original.partition': '2',
    'kshare.original.offset': '41',
    'kshare.delivery.attempt': '3',
    'kshare.error.class': 'DeserializationError',
    'kshare.error.message': 'cannot deserialize tasks-2@41: Unexpected token'
  }, 'an earlier kshare header of the same name is replaced')
  t.equal(m.partition, undefined, 'partitioned by key like the original')
})
