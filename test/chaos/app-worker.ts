/**
 * A chaos worker running a framework App (started by the runner with child_process.fork):
 * logs each message its consumer receives, the App's accept decisions (`consumer.accepted`;
 * the App reports broker-side failures per partition, as `error.occurred`) and every error
 * event. Processes at most `recordsPerSec`. The App's own SIGTERM handling stops it gracefully.
 */
import { App, BaseConsumer, silentLogger, type Message } from '../../framework/index.js'
import { errorClass, EventLog, seqOfValue, sleep, traceRequests, workerConfig } from './worker-log.js'

const cfg = workerConfig()
const log = new EventLog(cfg.logFile)
if (cfg.trace) traceRequests(cfg.name, log)
const CONCURRENCY = 2

class Sequenced extends BaseConsumer<string> {
  async consume (messages: readonly Message<string>[]): Promise<void> {
    const t = Date.now()
    log.write(messages.map(m => ({ k: 'out', t, w: cfg.name, seq: seqOfValue(m.rawPayload), p: m.partition, o: String(m.offset), dc: m.deliveryAttempt })))
    for (const m of messages) {
      await sleep(CONCURRENCY * 1000 / cfg.recordsPerSec)
      this.accept(m)
    }
  }
}

const app = new App({ kafka: { bootstrapServers: cfg.bootstrap }, logger: silentLogger, concurrency: CONCURRENCY, pollTimeoutMs: 500, statisticsIntervalMs: 0 })
app.routes.draw(r => r.shareGroup(cfg.groupId, g => {
  g.kafka({ 'share.auto.offset.reset': 'earliest' })
  g.topic(cfg.topic, t => t.consumer(Sequenced).kafka({ 'max.poll.records': cfg.maxPollRecords, 'share.acquire.mode': cfg.acquireMode }))
}))
app.monitor.on('consumer.accepted', e => {
  log.write([{ k: 'ack', t: Date.now(), w: cfg.name, seq: -1, p: e.partition, o: String(e.offset), err: null }])
})
app.monitor.on('error.occurred', e => {
  log.write([{ k: 'err', t: Date.now(), w: cfg.name, cls: errorClass(e.error), msg: e.error instanceof Error ? e.error.message : String(e.error) }])
})
try {
  await app.run()
} catch (err) {
  log.write([{ k: 'err', t: Date.now(), w: cfg.name, cls: errorClass(err), msg: err instanceof Error ? err.message : String(err) }])
}
log.close()
process.exit(0)
