import { Admin } from '../../client/admin.js'
import { Cluster } from '../../client/cluster.js'
import { ShareConsumer } from '../../client/share-consumer.js'
import { WakeupError } from '../../client/share/share-errors.js'
import type { ShareRecord } from '../../client/share/share-record.js'
import type { KafkaError } from '../../client/errors.js'
import type { CommandMain } from '../command.js'
import { errorLine } from '../error-line.js'
import { adminOptions, choice, closing, connectionOptions, CLI_CLIENT_ID, intOption, NETWORK_HELP, parseNetworkArgs, required } from '../network.js'
import { toJson } from '../output.js'
import { traced } from '../trace.js'

/** Help text of `kshare share-consume`. */
export const SHARE_CONSUME_HELP = `Usage: kshare share-consume --group G --topic T [options]

Joins share group G as a member (kshare's ShareConsumer, explicit acknowledgement) and
prints each record it is given: topic-partition, offset, delivery count, key, value (text,
or hex when not UTF-8) and headers. Each record is then acknowledged as --ack says.
Stops after --max records, after --idle ms without records, or on Ctrl-C, and closes
cleanly: pending acknowledgements are sent, records not acknowledged are released (they
go to the next consumer with their delivery count raised), the member leaves the group.
The topics must exist (else UNKNOWN_TOPIC_OR_PARTITION); the consumer's warnings and
errors are printed on stderr.

Options:
  --group G               share group (required)
  --topic T               topic to subscribe to (required; repeatable)
  --ack TYPE              accept (default), release (deliver again), reject (never
                          again), or none (no acknowledgement: the records are released
                          when the consumer closes)
  --max N                 stop after N records; the broker is asked for at most N
                          records at a time (record_limit acquire mode)
  --idle MS               stop when no record came for MS milliseconds
  --from earliest|latest  first set the group's share.auto.offset.reset config to this
                          (IncrementalAlterConfigs on the group; it stays set, and only
                          matters for partitions the group has not consumed yet)
${NETWORK_HELP}`

/** Most records one poll asks for (the consumer's default). */
const MAX_POLL_RECORDS = 500

const UTF8 = new TextDecoder('utf-8', { fatal: true })

/** Bytes as text when they are valid UTF-8, else null. */
function utf8 (b: Buffer): string | null {
  try {
    return UTF8.decode(b)
  } catch {
    return null
  }
}

/** Bytes for text output: quoted text, or 0x-hex when not UTF-8, or null. */
function showText (b: Buffer | null): string {
  if (b === null) return 'null'
  const text = utf8(b)
  return text !== null ? JSON.stringify(text) : `0x${b.toString('hex')}`
}

/** Bytes for JSON output: a string, `{ hex }` when not UTF-8, or null. */
function showJson (b: Buffer | null): string | { hex: string } | null {
  if (b === null) return null
  return utf8(b) ?? { hex: b.toString('hex') }
}

/** One record as a line of text, or as a JSON line. */
export function formatRecord (r: ShareRecord, json: boolean): string {
  if (json) {
    return toJson({
      topic: r.topic,
      partition: r.partition,
      offset: r.offset,
      deliveryCount: r.deliveryCount,
      timestamp: r.timestamp,
      key: showJson(r.key),
      value: showJson(r.value),
      headers: r.headers.map(h => ({ key: h.key, value: showJson(h.value) }))
    }) + '\n'
  }
  const headers = r.headers.length > 0 ? ` headers=[${r.headers.map(h => `${h.key}=${showText(h.value)}`).join(',')}]` : ''
  return `${r.topic}-${r.partition} offset=${r.offset} deliveryCount=${r.deliveryCount} key=${showText(r.key)} value=${showText(r.value)}${headers}\n`
}

/** Writes `text`; resolves false when the output is gone (EPIPE: the reader exited). */
function print (out: NodeJS.WritableStream, text: string): Promise<boolean> {
  return new Promise(resolve => {
    if ((out as { destroyed?: boolean }).destroyed === true) {
      resolve(false)
      return
    }
    out.write(text, err => resolve(err === undefined || err === null))
  })
}

/** Runs `kshare share-consume`. */
export const shareConsumeMain: CommandMain = async (args, io, ctx) => {
  const parsed = parseNetworkArgs(args, {
    group: { type: 'string' },
    topic: { type: 'string', multiple: true },
    ack: { type: 'string', default: 'accept' },
    max: { type: 'string' },
    idle: { type: 'string' },
    from: { type: 'string' }
  }, { help: SHARE_CONSUME_HELP, io })
  if (parsed === undefined) return
  const { values, net } = parsed
  const group = required(values.group, '--group G')
  const topics = required(values.topic, '--topic T')
  const ack = choice(values.ack, '--ack', ['accept', 'release', 'reject', 'none'] as const)!
  const from = choice(values.from, '--from', ['earliest', 'latest'] as const)
  const max = values.max === undefined ? undefined : intOption(values.max, '--max', 1)
  const idleMs = values.idle === undefined ? undefined : intOption(values.idle, '--idle', 1)

  const say = (message: string): void => { io.err.write(`kshare share-consume: ${message}\n`) }
  await traced(io, net, async () => {
    // The consumer retries an unreachable broker and waits for a missing topic quietly; a
    // command should fail at once instead (ConnectionError, UNKNOWN_TOPIC_OR_PARTITION).
    await closing(new Cluster(connectionOptions(net)), async cluster => {
      for (const topic of topics) await cluster.topic({ topic })
    })
    if (from !== undefined) {
      await closing(new Admin(adminOptions(net)),
        admin => admin.alterGroupConfigs(group, { 'share.auto.offset.reset': from }))
    }
    const consumer = new ShareConsumer({
      bootstrapServers: net.bootstrap,
      groupId: group,
      clientId: CLI_CLIENT_ID,
      acknowledgementMode: 'explicit',
      // With --max, record_limit keeps the broker from acquiring records we would only release again.
      acquireMode: max !== undefined ? 'record_limit' : 'batch_optimized',
      maxPollRecords: Math.min(max ?? MAX_POLL_RECORDS, MAX_POLL_RECORDS),
      requestTimeoutMs: net.timeoutMs,
      logger: { debug: () => {}, info: () => {}, warn: say, error: say }
    })
    const signal = ctx.signal()
    const stop = (): void => consumer.wakeup()
    signal.addEventListener('abort', stop)
    let count = 0
    let unshown = 0
    let ackError: KafkaError | undefined
    await closing(consumer, async () => {
      consumer.subscribe(topics)
      let lastRecordAt = Date.now()
      while (!signal.aborted && (max === undefined || count < max)) {
        const waited = Date.now() - lastRecordAt
        if (idleMs !== undefined && waited >= idleMs) break
        let batch: ShareRecord[]
        try {
          batch = await consumer.poll(idleMs !== undefined ? idleMs - waited : 5000)
        } catch (err) {
          if (err instanceof WakeupError) break
          throw err
        }
        if (batch.length === 0) continue
        lastRecordAt = Date.now()
        // Records past --max stay unacknowledged: close releases them. So do records that
        // could not be printed (`| head -2` went away): a record is acknowledged once shown.
        const shown = batch.slice(0, max === undefined ? undefined : max - count)
        for (const r of shown) {
          if (!await print(io.out, formatRecord(r, net.json))) {
            unshown = batch.length - shown.indexOf(r)
            break
          }
          if (ack !== 'none') consumer.acknowledge(r, ack)
          count++
        }
        if (ack !== 'none') {
          for (const result of await consumer.commitSync()) {
            if (result.error === null) continue
            ackError ??= result.error
            say(`acknowledging ${result.topic}-${result.partition} offsets ${result.offsets.join(',')} failed: ${errorLine(result.error)}`)
          }
        }
        if (unshown > 0) break
      }
    }).finally(() => signal.removeEventListener('abort', stop))
    say(`${count} record${count === 1 ? '' : 's'}${ack === 'none' ? ', not acknowledged (released on close)' : `, acknowledged: ${ack}`}`)
    if (unshown > 0) say(`output closed: ${unshown} record${unshown === 1 ? '' : 's'} not shown, released to the group`)
    if (count === 0 && from === undefined) {
      // A new share group starts at the log end by default: it sees only records produced from now on.
      const reset = await closing(new Admin(adminOptions(net)), async admin => (await admin.describeGroupConfigs(group))['share.auto.offset.reset']?.value)
      if (reset === 'latest') say(`no records: group ${group} has share.auto.offset.reset=latest, so partitions it has not consumed yet start at the log end; --from earliest reads what is already there`)
    }
    if (ackError !== undefined) throw ackError
  })
}
