import t from 'tap'
import { SendOperation } from '../../../../client/producer/send-operation.js'

t.test('a send written in several batches: one result per partition with its first and last offset and count', async t => {
  const op = new SendOperation(9)
  op.written('t', 0, 100n, 3) // batches may settle out of order
  op.written('t', 1, 7n, 2)
  op.written('t', 0, 50n, 4)
  t.same(await op.done, [
    { topic: 't', partition: 0, baseOffset: 50n, lastOffset: 102n, records: 7 },
    { topic: 't', partition: 1, baseOffset: 7n, lastOffset: 8n, records: 2 }
  ])
})

t.test('offsets the broker did not give (acks 0) stay -1', async t => {
  const op = new SendOperation(2)
  op.written('t', 0, -1n, 2)
  t.same(await op.done, [{ topic: 't', partition: 0, baseOffset: -1n, lastOffset: -1n, records: 2 }])
})
