/**
 * One producer run of bench/produce.ts, in a process of its own (so that the benchmark can
 * measure its CPU): `node produce-client.js '<RunConfig JSON>'`; prints one JSON RunResult line.
 * Each tool gets the same records (one value of `recordBytes` random letters A-Z, as Java's
 * ProducerPerformance makes them, so gzip finds the same redundancy), fed in chunks of
 * `chunk` records, round-robin over the partitions, with at most `inFlight` chunks unsettled.
 * The clock starts before the first send (metadata and connection included, as in
 * ProducerPerformance) and stops when the broker acknowledged the last record.
 */
import { KafkaClient } from '@kafkats/client'
import { Producer as PlatformaticProducer, ProduceAcks } from '@platformatic/kafka'
import { Producer } from '../index.js'

/** What the benchmark passes to a run. */
export interface RunConfig {
  tool: 'kshare' | 'kafkats' | 'platformatic'
  bootstrap: string
  topic: string
  partitions: number
  records: number
  recordBytes: number
  compression: 'none' | 'gzip'
  /** Records per send call. */
  chunk: number
  /** Send calls awaiting their acknowledgements at most. */
  inFlight: number
  /** kshare's batchSize (and Java's batch.size), or undefined for the tool's default (16 KiB). */
  batchSize?: number
}

/** What a run prints. */
export interface RunResult {
  tool: string
  /** Records the broker acknowledged. */
  acked: number
  /** Clock start → last acknowledgement, ms. */
  ms: number
  /** Why the run failed, or null. */
  error: string | null
}

/** `records` random letters A-Z, as ProducerPerformance's payload. */
export function payload (bytes: number): Buffer {
  const b = Buffer.alloc(bytes)
  for (let i = 0; i < bytes; i++) b[i] = 65 + Math.floor(Math.random() * 26)
  return b
}

/** Sends `cfg.records` in chunks through `send`, at most `cfg.inFlight` chunks unsettled; returns acked records. */
async function drive (cfg: RunConfig, send: (partitionOf: (i: number) => number, from: number, to: number) => Promise<number>): Promise<number> {
  let acked = 0
  const inFlight: Array<Promise<void>> = []
  for (let from = 0; from < cfg.records; from += cfg.chunk) {
    const to = Math.min(cfg.records, from + cfg.chunk)
    inFlight.push(send(i => i % cfg.partitions, from, to).then(n => { acked += n }))
    if (inFlight.length >= cfg.inFlight) await inFlight.shift()
  }
  await Promise.all(inFlight)
  return acked
}

/** An error with its causes (platformatic's MultipleErrors keep the reason in `errors`). */
function describe (err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const inner = (err as Error & { errors?: unknown[] }).errors
  return Array.isArray(inner) && inner.length > 0 ? `${err.message}: ${describe(inner[0])}` : err.message
}

async function run (cfg: RunConfig): Promise<RunResult> {
  const value = payload(cfg.recordBytes)
  let close = async (): Promise<void> => {}
  let send: (partitionOf: (i: number) => number, from: number, to: number) => Promise<number>
  if (cfg.tool === 'kshare') {
    const producer = new Producer({ bootstrapServers: cfg.bootstrap, clientId: 'bench-kshare', acks: -1, idempotent: true, compression: cfg.compression, ...(cfg.batchSize !== undefined ? { batchSize: cfg.batchSize } : {}) })
    close = () => producer.close()
    send = async (partitionOf, from, to) => {
      const messages = []
      for (let i = from; i < to; i++) messages.push({ value, partition: partitionOf(i) })
      await producer.send({ topic: cfg.topic, messages })
      return to - from
    }
  } else if (cfg.tool === 'kafkats') {
    const client = new KafkaClient({ brokers: cfg.bootstrap.split(','), clientId: 'bench-kafkats' })
    await client.connect() // its producer waits forever for a client that was never connected
    const producer = client.producer({ acks: 'all', idempotent: true, compression: cfg.compression })
    close = async () => { await producer.disconnect(); await client.disconnect() }
    send = async (partitionOf, from, to) => {
      const messages = []
      for (let i = from; i < to; i++) messages.push({ value, partition: partitionOf(i) })
      return (await producer.send(cfg.topic, messages)).length
    }
  } else {
    const producer = new PlatformaticProducer({
      clientId: 'bench-platformatic', bootstrapBrokers: cfg.bootstrap.split(','), acks: ProduceAcks.ALL, idempotent: true, compression: cfg.compression
    })
    close = () => producer.close()
    send = async (partitionOf, from, to) => {
      const messages = []
      for (let i = from; i < to; i++) messages.push({ topic: cfg.topic, value, partition: partitionOf(i) })
      await producer.send({ messages })
      return to - from
    }
  }
  const start = performance.now()
  try {
    const acked = await drive(cfg, send)
    const ms = performance.now() - start
    return { tool: cfg.tool, acked, ms, error: acked === cfg.records ? null : `acknowledged ${acked} of ${cfg.records}` }
  } catch (err) {
    return { tool: cfg.tool, acked: 0, ms: -1, error: describe(err) }
  } finally {
    await close().catch(() => {})
  }
}

console.log(JSON.stringify(await run(JSON.parse(process.argv[2]!) as RunConfig)))
