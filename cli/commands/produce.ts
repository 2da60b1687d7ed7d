import { randomBytes } from 'node:crypto'
import { Cluster } from '../../client/cluster.js'
import { Producer, type Message, type MessageHeader, type SendResult } from '../../client/producer.js'
import { COMPRESSION_CODECS } from '../../protocol/records/index.js'
import type { CommandMain } from '../command.js'
import { UsageError } from '../errors.js'
import { choice, closing, connectionOptions, intOption, keyValue, NETWORK_HELP, parseNetworkArgs, required } from '../network.js'
import { toJson } from '../output.js'
import { table } from '../table.js'
import { traced } from '../trace.js'
import { fetchMetadata } from './metadata.js'

/** Help text of `kshare produce`. */
export const PRODUCE_HELP = `Usage: kshare produce --topic T [options] < lines
       kshare produce --topic T --count N [--size BYTES] [options]

Writes records with kshare's producer (idempotent, acks=all): one record per line of
standard input, or N generated records of random text. Prints, per partition written, the
offsets of the records written (first..last) and how many, then a throughput line. A topic
that does not exist fails at once with UNKNOWN_TOPIC_OR_PARTITION (topics are not created
on first use).

Options:
  --topic T               topic to write to (required)
  --key-separator SEP     split each line at the first SEP into key and value (a line
                          without SEP has no key)
  --header KEY=VALUE      a header on every record (repeatable)
  --count N               generate N records instead of reading standard input
  --size BYTES            value size of generated records (default 100)
  --compression CODEC     none, gzip, snappy, lz4 or zstd (default none; kshare cannot
                          encode lz4 yet, and zstd needs Node 22.15+)
  --partition P           write every record to partition P (default: by key, or sticky)
${NETWORK_HELP}`

/** Records per `send()`: the producer batches per partition anyway; this bounds the promises. */
const CHUNK = 500
/** Sends awaiting their acknowledgement at once; the producer's buffer bounds the bytes. */
const MAX_PENDING_SENDS = 64

/** What `kshare produce` wrote to one partition. */
interface PartitionWritten {
  partition: number
  /** Offset of the first record written. */
  firstOffset: bigint
  /** Offset of the last record written. */
  lastOffset: bigint
  /** Records written. */
  records: number
}

/** Lines of `input` as bytes (not decoded: values need not be UTF-8), without `\n` or `\r\n`. */
async function * byteLines (input: NodeJS.ReadableStream): AsyncGenerator<Buffer> {
  let rest = Buffer.alloc(0)
  const line = (b: Buffer): Buffer => b.length > 0 && b[b.length - 1] === 0x0d ? b.subarray(0, -1) : b
  for await (const chunk of input) {
    let data = Buffer.concat([rest, Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string)])
    for (let nl = data.indexOf(0x0a); nl >= 0; nl = data.indexOf(0x0a)) {
      yield line(data.subarray(0, nl))
      data = data.subarray(nl + 1)
    }
    rest = data
  }
  if (rest.length > 0) yield line(rest)
}

/** Records from stdin lines: `key SEP value` with a separator, else the line is the value. */
async function * linesToMessages (stdin: NodeJS.ReadableStream, separator: string | undefined, extra: Pick<Message, 'headers' | 'partition'>): AsyncGenerator<Message> {
  const sep = separator === undefined ? undefined : Buffer.from(separator)
  for await (const line of byteLines(stdin)) {
    const at = sep === undefined ? -1 : line.indexOf(sep)
    yield at < 0
      ? { value: line, ...extra }
      : { key: line.subarray(0, at), value: line.subarray(at + sep!.length), ...extra }
  }
}

/** `count` records of `size` random characters (base64 of random bytes: compressible like text, not trivially). */
function * generatedMessages (count: number, size: number, extra: Pick<Message, 'headers' | 'partition'>): Generator<Message> {
  const pool = Buffer.from(randomBytes(Math.ceil(Math.max(4 << 20, 2 * size) * 3 / 4)).toString('base64'))
  let at = 0
  for (let i = 0; i < count; i++) {
    if (at + size > pool.length) at = 0
    yield { value: pool.subarray(at, at + size), ...extra }
    at += size
  }
}

const bytesOf = (v: Message['key']): number => v === null || v === undefined ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length

/** Runs `kshare produce`. */
export const produceMain: CommandMain = async (args, io, ctx) => {
  const parsed = parseNetworkArgs(args, {
    topic: { type: 'string' },
    'key-separator': { type: 'string' },
    header: { type: 'string', multiple: true },
    count: { type: 'string' },
    size: { type: 'string' },
    compression: { type: 'string', default: 'none' },
    partition: { type: 'string' }
  }, { help: PRODUCE_HELP, io })
  if (parsed === undefined) return
  const { values, net } = parsed
  const topic = required(values.topic, '--topic T')
  const compression = choice(values.compression, '--compression', COMPRESSION_CODECS)
  if (values['key-separator'] === '') throw new UsageError('--key-separator must not be empty')
  if (values.size !== undefined && values.count === undefined) throw new UsageError('--size goes with --count')
  const headers: MessageHeader[] = (values.header ?? []).map(h => {
    const [key, value] = keyValue(h, '--header')
    return { key, value }
  })
  const extra: Pick<Message, 'headers' | 'partition'> = {}
  if (headers.length > 0) extra.headers = headers
  if (values.partition !== undefined) extra.partition = intOption(values.partition, '--partition')
  const messages = values.count !== undefined
    ? generatedMessages(intOption(values.count, '--count', 1), values.size === undefined ? 100 : intOption(values.size, '--size'), extra)
    : linesToMessages(ctx.stdin, values['key-separator'], extra)

  const producer = new Producer({
    ...connectionOptions(net),
    compression,
    maxBlockMs: net.timeoutMs,
    deliveryTimeoutMs: Math.max(120_000, 2 * net.timeoutMs)
  })
  await traced(io, net, async () => {
    // The producer waits up to maxBlockMs for a topic to appear, as Java's does; a person
    // typing a topic name wants to hear at once that it does not exist.
    await closing(new Cluster(connectionOptions(net)), cluster => fetchMetadata(cluster, [topic]))
  })
  await traced(io, net, () => closing(producer, async () => {
    const written = new Map<number, PartitionWritten>()
    const pending = new Set<Promise<void>>()
    let failure: unknown
    let records = 0
    let bytes = 0
    const start = performance.now()
    const send = (chunk: Message[]): void => {
      const p: Promise<void> = producer.send({ topic, messages: chunk }).then(
        results => record(written, results),
        (err: unknown) => { failure ??= err }
      ).finally(() => pending.delete(p))
      pending.add(p)
    }
    let chunk: Message[] = []
    for await (const m of messages) {
      chunk.push(m)
      records++
      bytes += bytesOf(m.key) + bytesOf(m.value)
      if (chunk.length < CHUNK) continue
      send(chunk)
      chunk = []
      if (pending.size >= MAX_PENDING_SENDS) await Promise.race(pending)
      if (failure !== undefined) break
    }
    if (chunk.length > 0 && failure === undefined) send(chunk)
    await Promise.all(pending)
    if (failure !== undefined) throw failure
    const seconds = (performance.now() - start) / 1000
    const partitions = [...written.values()].sort((a, b) => a.partition - b.partition)
    if (net.json) {
      io.out.write(toJson({ topic, records, bytes, seconds, recordsPerSecond: records / seconds, megabytesPerSecond: bytes / seconds / 1e6, partitions }) + '\n')
      return
    }
    io.out.write(table(partitions.map(p => [
      `${topic}-${p.partition}`,
      p.firstOffset < 0n ? 'offsets unknown' : p.firstOffset === p.lastOffset ? `offset ${p.firstOffset}` : `offsets ${p.firstOffset}..${p.lastOffset}`,
      `${p.records} record${p.records === 1 ? '' : 's'}`
    ])))
    io.out.write(`${records} records, ${bytes} bytes in ${seconds.toFixed(3)} s: ${Math.round(records / seconds)} records/s, ${(bytes / seconds / 1e6).toFixed(2)} MB/s\n`)
  }))
}

/** Adds one send's results to what was written per partition. */
function record (written: Map<number, PartitionWritten>, results: SendResult[]): void {
  for (const r of results) {
    const w = written.get(r.partition)
    if (w === undefined) {
      written.set(r.partition, { partition: r.partition, firstOffset: r.baseOffset, lastOffset: r.lastOffset, records: r.records })
      continue
    }
    w.records += r.records
    if (r.baseOffset < w.firstOffset) w.firstOffset = r.baseOffset
    if (r.lastOffset > w.lastOffset) w.lastOffset = r.lastOffset
  }
}
