/**
 * Reading back what the producer wrote, independently of kshare's own decoding: Kafka's Java
 * ConsoleConsumer (the reference decoder for record batches and codecs) and ListOffsets.
 */
import { Cluster } from '../../../client/cluster.js'
import { responseError } from '../../../client/errors.js'
import { ListOffsets } from '../../../protocol/index.js'
import { runKafkaTool } from '../../harness/index.js'

/** A record as Java's ConsoleConsumer printed it. */
export interface ConsoleRecord {
  partition: number
  offset: bigint
  /** `name:value` pairs as printed (`null` values print as `null`). */
  headers: string[]
  key: string
  value: string
}

/**
 * Reads `count` records of `topic` from the beginning with Java's ConsoleConsumer (printing
 * partition, offset, headers, key, value; tab-separated), failing when it prints fewer.
 */
export async function consoleConsume (bootstrap: string, topic: string, count: number): Promise<ConsoleRecord[]> {
  const props = ['print.partition', 'print.offset', 'print.headers', 'print.key', 'print.value'].flatMap(p => ['--formatter-property', `${p}=true`])
  const res = await runKafkaTool('org.apache.kafka.tools.consumer.ConsoleConsumer',
    ['--bootstrap-server', bootstrap, '--topic', topic, '--from-beginning', '--max-messages', String(count), '--timeout-ms', '30000', ...props],
    { timeoutMs: 90_000 })
  const lines = res.stdout.split('\n').filter(l => l.startsWith('Partition:'))
  if (lines.length !== count) throw new Error(`ConsoleConsumer printed ${lines.length} of ${count} records (exit ${String(res.code)}): ${res.stderr.slice(-2000)}`)
  return lines.map(line => {
    const [p, o, headers, key, ...value] = line.split('\t')
    return {
      partition: Number(p!.slice('Partition:'.length)),
      offset: BigInt(o!.slice('Offset:'.length)),
      headers: headers === 'NO_HEADERS' ? [] : headers!.split(','),
      key: key!,
      value: value.join('\t')
    }
  })
}

/** The log end offset of each partition (ListOffsets, latest). */
export async function endOffsets (bootstrap: string, topic: string, partitions: number): Promise<bigint[]> {
  const cluster = new Cluster({ bootstrapServers: bootstrap })
  try {
    const out: bigint[] = []
    for (let p = 0; p < partitions; p++) {
      const conn = await cluster.leaderConnection({ topic }, p)
      const res = await conn.send(ListOffsets, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{ name: topic, partitions: [{ partitionIndex: p, timestamp: -1n }] }]
      })
      const r = res.topics[0]?.partitions[0]
      const error = r === undefined ? null : responseError(r.errorCode, { api: 'ListOffsets' })
      if (error !== null) throw error
      out.push(r?.offset ?? -1n)
    }
    return out
  } finally {
    await cluster.close()
  }
}

/** Sum of bigints. */
export function total (values: readonly bigint[]): bigint {
  return values.reduce((a, b) => a + b, 0n)
}
