/**
 * Run by test/integration/producer/zstd-newer-node.test.ts under a Node ≥ 22.15: produces
 * `count` records with zstd to `topic`, encodes one batch the same way, and prints one JSON
 * line: { node, batch (base64) }.
 *   node zstd-produce-child.js <bootstrap> <topic> <count>
 */
import { Producer } from '../../index.js'
import { encodeRecordBatch } from '../../protocol/records/index.js'

const [bootstrap, topic, count] = process.argv.slice(2) as [string, string, string]
const value = (i: number): string => `zstd-${i}-${'z'.repeat(i * 11)}`
const messages = Array.from({ length: Number(count) }, (_, i) => ({ key: `k${i}`, value: value(i), headers: { h: String(i) } }))
const producer = new Producer({ bootstrapServers: bootstrap, compression: 'zstd', lingerMs: 50 })
try {
  await producer.send({ topic, messages })
} finally {
  await producer.close()
}
const batch = encodeRecordBatch(messages.map((m, i) => ({ key: Buffer.from(m.key), value: Buffer.from(m.value), headers: [{ key: 'h', value: Buffer.from(String(i)) }], timestamp: 0 })),
  { compression: 'zstd', baseOffset: 0n, producerId: -1n, producerEpoch: -1, baseSequence: -1 })
console.log(JSON.stringify({ node: process.version, batch: batch.toString('base64') }))
