import t from 'tap'
import { spawn } from 'node:child_process'
import { Producer } from '../../../index.js'
import { kafkaToolClass, kafkaToolCommand, testBootstrap } from '../../harness/index.js'
import { createTopic, pollUntil, setGroupConfigs, subscribedConsumer, uniqueName } from '../../helpers/share-setup.js'

// Records arrive intact through the share consumer whatever the producer compressed them
// with: kshare's producer for none/gzip/snappy, and Kafka's Java producer for lz4 and zstd
// (our producer cannot encode those on Node 20), each codec in a topic of its own.
const RECORDS = 50
const value = (codec: string, i: number): string => `${codec}-${i}-${'x'.repeat(i * 7)}`

async function javaProduce (bootstrap: string, topic: string, codec: string): Promise<void> {
  const cmd = await kafkaToolCommand(kafkaToolClass('kafka-console-producer'), [
    '--bootstrap-server', bootstrap, '--topic', topic, '--compression-codec', codec,
    // --property (not 4.4's --reader-property) so the test also runs against 4.2 tools.
    '--property', 'parse.key=true', '--property', 'parse.headers=true'
  ])
  const child = spawn(cmd.command, cmd.args, { stdio: ['pipe', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => { stderr += String(d) })
  // Default separators: headers `key:value`, then key and value, TAB-separated.
  const lines = Array.from({ length: RECORDS }, (_, i) => `h:${i}\tk${i}\t${value(codec, i)}`)
  child.stdin.end(lines.join('\n') + '\n')
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  if (code !== 0) throw new Error(`ConsoleProducer (${codec}) exited ${code}: ${stderr.slice(-400)}`)
}

for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
  t.test(`${codec}: every record consumed intact`, async t => {
    const bootstrap = testBootstrap()
    const topic = uniqueName(`codec-${codec}`)
    const groupId = uniqueName(`codec-${codec}-g`)
    await createTopic(bootstrap, topic, 1)
    await setGroupConfigs(bootstrap, groupId, { 'share.auto.offset.reset': 'earliest' })
    if (codec === 'lz4' || codec === 'zstd') {
      await javaProduce(bootstrap, topic, codec)
    } else {
      const producer = new Producer({ bootstrapServers: bootstrap, compression: codec, lingerMs: 50 })
      await producer.send({
        topic,
        messages: Array.from({ length: RECORDS }, (_, i) => ({ key: `k${i}`, value: value(codec, i), headers: { h: String(i) } }))
      })
      await producer.close()
    }
    const consumer = subscribedConsumer(t, { bootstrap, topic, groupId }, { acknowledgementMode: 'explicit' })
    const records = await pollUntil(consumer, all => all.length >= RECORDS, 60_000, batch => {
      for (const r of batch) consumer.acknowledge(r, 'accept')
    })
    t.equal(records.length, RECORDS, `${RECORDS} records`)
    const got = records
      .map(r => ({ offset: r.offset, key: r.key?.toString(), value: r.value?.toString(), headers: r.headers.map(h => [h.key, h.value?.toString()]) }))
      .sort((a, b) => Number(a.offset - b.offset))
    t.same(got, Array.from({ length: RECORDS }, (_, i) => ({ offset: BigInt(i), key: `k${i}`, value: value(codec, i), headers: [['h', String(i)]] })),
      'keys, values and headers as produced, one delivery each')
    t.same((await consumer.commitSync()).map(r => r.error), [null], 'all accepted')
  })
}
