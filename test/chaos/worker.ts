/**
 * A chaos worker: one ShareConsumer in its own process (started by the runner with
 * child_process.fork). Logs every record it hands to its processing code and every
 * acknowledgement result, processes at most `recordsPerSec`, and on SIGTERM commits, closes
 * and exits 0. In explicit mode it accepts each record; in implicit mode the next poll does.
 */
import { ShareConsumer } from '../../client/share-consumer.js'
import type { AckOutcome, ChaosEvent } from './count.js'
import { errorClass, EventLog, seqOfValue, sleep, traceRequests, workerConfig } from './worker-log.js'

const cfg = workerConfig()
const log = new EventLog(cfg.logFile)
if (cfg.trace) traceRequests(cfg.name, log)
const consumer = new ShareConsumer({
  bootstrapServers: cfg.bootstrap,
  groupId: cfg.groupId,
  acquireMode: cfg.acquireMode,
  acknowledgementMode: cfg.acknowledgementMode,
  maxPollRecords: cfg.maxPollRecords
})
// Acknowledgement results name partition and offset; the seq comes from the hand-out.
const seqAt = new Map<string, number>()
consumer.onAcknowledgementCommit(results => {
  const t = Date.now()
  const events: AckOutcome[] = []
  for (const r of results) {
    for (const offset of r.offsets) {
      const o = String(offset)
      events.push({ k: 'ack', t, w: cfg.name, seq: seqAt.get(`${r.partition}:${o}`) ?? -1, p: r.partition, o, err: r.error === null ? null : errorClass(r.error) })
    }
  }
  log.write(events)
})

let stopping = false
process.on('SIGTERM', () => { stopping = true })
consumer.subscribe([cfg.topic])
while (!stopping) {
  let batch
  try {
    batch = await consumer.poll(500)
  } catch (err) {
    log.write([{ k: 'err', t: Date.now(), w: cfg.name, cls: errorClass(err), msg: err instanceof Error ? err.message : String(err) }])
    await sleep(100)
    continue
  }
  if (batch.length === 0) continue
  const t = Date.now()
  log.write(batch.map((r): ChaosEvent => {
    const o = String(r.offset)
    const seq = seqOfValue(r.value)
    seqAt.set(`${r.partition}:${o}`, seq)
    return { k: 'out', t, w: cfg.name, seq, p: r.partition, o, dc: r.deliveryCount, lock: r.lockDeadline - t }
  }))
  await sleep(batch.length * 1000 / cfg.recordsPerSec)
  if (cfg.acknowledgementMode === 'explicit') {
    try {
      for (const r of batch) consumer.acknowledge(r, 'accept')
      consumer.commitAsync()
    } catch (err) {
      log.write([{ k: 'err', t: Date.now(), w: cfg.name, cls: errorClass(err), msg: err instanceof Error ? err.message : String(err) }])
    }
  }
}
try {
  await consumer.commitSync(10_000)
} catch (err) {
  log.write([{ k: 'err', t: Date.now(), w: cfg.name, cls: errorClass(err), msg: err instanceof Error ? err.message : String(err) }])
}
await consumer.close()
log.close()
process.exit(0)
