/**
 * Runs one chaos scenario end to end: cluster, topic and group, records with sequence numbers,
 * worker processes, the faults, a drain by a fresh member, the broker's lag, the count. Every
 * wait is bounded by the scenario's hard timeout; whatever happens, the workers are killed and
 * a cluster this runner started is stopped.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { closeSync, mkdirSync, openSync, readSync, fstatSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Cluster } from '../../client/cluster.js'
import { Producer } from '../../client/producer.js'
import { ShareConsumer } from '../../client/share-consumer.js'
import { restartNode, startPrivateBroker, stopBroker, stopNode, type BrokerHandle } from '../harness/index.js'
import { isAlive } from '../harness/processes.js'
import { leaders } from '../helpers/share-failover.js'
import { uniqueName, withAdmin } from '../helpers/share-setup.js'
import { countRun, explain, failures, type ChaosEvent, type Row } from './count.js'
import type { Fault, Scenario, Trigger } from './scenarios.js'
import { errorClass, seqOfValue, sleep, type WorkerConfig } from './worker-log.js'

/** How to run scenarios. */
export interface RunOptions {
  /** Records per scenario. */
  records: number
  /** Most records a worker processes per second (paces the run so the faults land mid-consume). */
  recordsPerSec: number
  /** No progress for this long (after the last fault) ends the consume phase. */
  stallMs: number
  /** Hard limit per scenario: it fails, and everything it started is stopped. */
  timeoutMs: number
  /** Where the workers' logs go (one folder per scenario). */
  workDir: string
  /** A running 3-node cluster to use instead of starting one per scenario (it is left running, every node up). */
  broker?: BrokerHandle
  /** Workers also log every share request (for finding where a pause came from). */
  trace?: boolean
  /** Progress lines. */
  log: (line: string) => void
}

const PARTITIONS = 6
const IDLE_BEFORE_SECOND_WAVE_MS = 3000
const SHARE_COORDINATOR_KEY = 2 // FindCoordinator key type SHARE (KIP-932): key `group:topicId:partition`

/** Child processes of the workers, killed on exit whatever happens. */
const children = new Set<ChildProcess>()
process.on('exit', () => { for (const c of children) c.kill('SIGKILL') })

/** Runs a scenario; resolves with its row (a failed or timed-out scenario too), never rejects. */
export async function runScenario (s: Scenario, opts: RunOptions): Promise<Row> {
  const run = new ScenarioRun(s, opts)
  const started = Date.now()
  let timer: NodeJS.Timeout | undefined
  try {
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        run.abort()
        reject(new Error(`hard timeout after ${opts.timeoutMs} ms`))
      }, opts.timeoutMs)
    })
    return await Promise.race([run.play(), timeout])
  } catch (err) {
    opts.log(`chaos ${s.name}: stopped: ${err instanceof Error ? err.stack ?? err.message : String(err)}`)
    return { scenario: s.name, pass: false, counts: null, explanation: '-', problems: [`stopped: ${err instanceof Error ? err.message : String(err)}`], faults: run.faults, durationMs: Date.now() - started }
  } finally {
    clearTimeout(timer)
    await run.cleanUp()
  }
}

interface Worker { name: string, child: ChildProcess, exit: Promise<{ code: number | null, signal: string | null }>, killedByUs: boolean }

class ScenarioRun {
  readonly faults: string[] = []
  private broker: BrokerHandle | undefined
  private readonly owned: boolean
  private aborted = false
  private readonly started = Date.now()
  private readonly dir: string
  private readonly workers: Worker[] = []
  private readonly tails: LogTail[] = []
  private readonly events: ChaosEvent[] = []
  private readonly produced = new Set<number>()
  private producing: Promise<void> | undefined
  private faultAt: number | undefined
  private topic = ''
  private topicId = ''
  private groupId = ''

  constructor (private readonly s: Scenario, private readonly opts: RunOptions) {
    this.owned = opts.broker === undefined
    this.broker = opts.broker
    this.dir = join(opts.workDir, `${s.name}-${Date.now()}`)
    mkdirSync(this.dir, { recursive: true })
  }

  abort (): void {
    this.aborted = true
  }

  async play (): Promise<Row> {
    const { s, opts } = this
    this.broker ??= await startPrivateBroker({ brokers: 3, log: line => this.say(line) })
    const bootstrap = this.broker.bootstrap
    this.topic = uniqueName(`chaos-${s.name}`)
    this.groupId = uniqueName(`chaos-${s.name}-g`)
    await withAdmin(bootstrap, async admin => {
      const [created] = await admin.createTopics([{ name: this.topic, partitions: PARTITIONS, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }])
      this.topicId = created!.topicId
      await admin.alterGroupConfigs(this.groupId, { 'share.auto.offset.reset': 'earliest', ...(s.lockMs !== undefined ? { 'share.record.lock.duration.ms': String(s.lockMs) } : {}) })
    })
    const { share, group } = await this.coordinators()
    this.say(`topic ${this.topic}, group ${this.groupId}, partition leaders ${(await leaders(bootstrap, this.topic)).join(',')}, share coordinator node ${share}, group coordinator node ${group}`)
    // With a second wave, 10 % of the records come once the workers have idled.
    const firstWave = s.secondWave === true ? Math.floor(opts.records * 0.9) : opts.records
    if (s.produceDuring === true) {
      this.producing = this.produce(bootstrap, opts.recordsPerSec * s.workers, 0, firstWave)
    } else {
      await this.produce(bootstrap, Infinity, 0, firstWave)
      this.say(`produced ${this.produced.size}`)
    }
    for (let i = 0; i < s.workers; i++) this.startWorker(i, bootstrap)
    if (firstWave < opts.records) await this.secondWave(bootstrap, firstWave)

    for (const step of s.steps) {
      await this.until(`trigger ${JSON.stringify(step.at)}`, () => this.reached(step.at))
      this.faultAt ??= Date.now()
      await this.inject(step.fault)
    }
    await this.producing
    await this.consumeToEnd()
    await this.stopWorkers()
    const drainProblems = await this.drain(bootstrap)
    this.readLogs()
    const lagZero = await this.lagIsZero(bootstrap)
    const counts = countRun({ produced: this.produced, events: this.events, faultAt: this.faultAt, lagZero })
    const problems = [...failures(counts), ...drainProblems, ...await this.workerCrashes()]
    return { scenario: s.name, pass: problems.length === 0, counts, explanation: explain(counts, s.duplicates), problems, faults: this.faults, durationMs: Date.now() - this.started }
  }

  /** Kills every worker; stops the cluster this run started, or brings every node of a given one back. */
  async cleanUp (): Promise<void> {
    for (const w of this.workers) {
      w.child.kill('SIGCONT')
      w.child.kill('SIGKILL')
      children.delete(w.child)
    }
    for (const t of this.tails) t.close()
    if (this.broker === undefined) return
    if (this.owned) {
      await stopBroker(this.broker, { graceMs: 0 })
      return
    }
    for (const node of this.broker.nodes) {
      if (node.pid === undefined || !isAlive(node.pid)) await restartNode(this.broker, node.nodeId).catch(err => this.say(`restart of node ${node.nodeId} failed: ${String(err)}`))
    }
  }

  private say (line: string): void {
    this.opts.log(`chaos ${this.s.name} +${((Date.now() - this.started) / 1000).toFixed(1)}s: ${line}`)
  }

  /**
   * Once the workers accepted the first wave (or stalled) and idled, writes the seqs from
   * `from` on to one leader's partitions at a time, waiting up to 5 s for them between
   * leaders: whichever leader a consumer keeps polling while all are empty, some of this
   * wave lands only on the others.
   */
  private async secondWave (bootstrap: string, from: number): Promise<void> {
    await this.consumeToEnd()
    await sleep(IDLE_BEFORE_SECOND_WAVE_MS)
    const byLeader = new Map<number, number[]>()
    for (const [partition, leader] of (await leaders(bootstrap, this.topic)).entries()) byLeader.set(leader, [...byLeader.get(leader) ?? [], partition])
    const per = Math.ceil((this.opts.records - from) / byLeader.size)
    for (const [leader, partitions] of byLeader) {
      const to = Math.min(from + per, this.opts.records)
      await this.produce(bootstrap, Infinity, from, to, seq => partitions[seq % partitions.length]!)
      this.say(`second wave: ${to - from} records to node ${leader}'s partitions ${partitions.join(',')}`)
      const wave = Array.from({ length: to - from }, (_, i) => from + i)
      const until = Date.now() + 5000
      await this.until('the second wave', () => {
        const accepted = this.workerAccepted()
        return Date.now() > until || wave.every(seq => accepted.has(seq))
      })
      from = to
    }
  }

  /** Writes seqs `from` until `to` (exclusive), at most `perSec` a second, to `partitionOf(seq)`. */
  private async produce (bootstrap: string, perSec: number, from: number, to: number, partitionOf = (seq: number) => seq % PARTITIONS): Promise<void> {
    const producer = new Producer({ bootstrapServers: bootstrap })
    const chunk = Number.isFinite(perSec) ? 100 : 2000
    const began = Date.now()
    try {
      for (let start = from; start < to && !this.aborted; start += chunk) {
        const seqs = Array.from({ length: Math.min(chunk, to - start) }, (_, i) => start + i)
        const messages = seqs.map(seq => ({ key: String(seq), value: String(seq), headers: { seq: String(seq) }, partition: partitionOf(seq) }))
        try {
          await producer.send({ topic: this.topic, messages })
          for (const seq of seqs) this.produced.add(seq)
        } catch (err) {
          // Not retried here: a retry by the application could write twice, which is the producer's job to avoid.
          this.events.push({ k: 'err', t: Date.now(), w: 'producer', cls: errorClass(err), msg: err instanceof Error ? err.message : String(err) })
          if (!Number.isFinite(perSec)) throw err
        }
        const due = began + (start - from + chunk) * 1000 / perSec
        if (Date.now() < due) await sleep(due - Date.now())
      }
    } finally {
      await producer.close()
    }
  }

  private startWorker (i: number, bootstrap: string): void {
    const name = `w${i}`
    const cfg: WorkerConfig = {
      name,
      bootstrap,
      topic: this.topic,
      groupId: this.groupId,
      logFile: join(this.dir, `${name}.jsonl`),
      acquireMode: this.s.acquireMode,
      acknowledgementMode: this.s.acknowledgementMode,
      recordsPerSec: this.opts.recordsPerSec,
      maxPollRecords: 100,
      trace: this.opts.trace === true
    }
    const script = fileURLToPath(new URL(this.s.worker === 'app' ? './app-worker.js' : './worker.js', import.meta.url))
    const child = fork(script, [], { env: { ...process.env, CHAOS_WORKER: JSON.stringify(cfg) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    children.add(child)
    const exit = new Promise<{ code: number | null, signal: string | null }>(resolve => child.on('exit', (code, signal) => resolve({ code, signal })))
    this.workers.push({ name, child, exit, killedByUs: false })
    this.tails.push(new LogTail(cfg.logFile))
  }

  private readLogs (): void {
    for (const t of this.tails) for (const e of t.read()) this.events.push(e)
  }

  /** Seqs some worker accepted so far. */
  private workerAccepted (): Set<number> {
    this.readLogs()
    const seqAt = new Map<string, number>()
    for (const e of this.events) if (e.k === 'out') seqAt.set(`${e.p}:${e.o}`, e.seq)
    const out = new Set<number>()
    for (const e of this.events) {
      if (e.k === 'ack' && e.err === null && e.w !== 'drain') out.add(e.seq >= 0 ? e.seq : seqAt.get(`${e.p}:${e.o}`) ?? -1)
    }
    return out
  }

  private reached (at: Trigger): boolean {
    const target = this.opts.records * ('accepted' in at ? at.accepted : at.produced)
    return ('accepted' in at ? this.workerAccepted().size : this.produced.size) >= target
  }

  private async until (what: string, done: () => boolean): Promise<void> {
    while (!done()) {
      if (this.aborted) throw new Error(`aborted waiting for ${what}`)
      await sleep(250)
    }
  }

  private async inject (fault: Fault): Promise<void> {
    const broker = this.broker!
    const note = (text: string): void => {
      this.faults.push(`${text} at +${((Date.now() - this.started) / 1000).toFixed(1)}s`)
      this.say(text)
    }
    switch (fault.kind) {
      case 'kill-leader':
      case 'stop-leader': {
        const leader = (await leaders(broker.bootstrap, this.topic))[0]!
        note(`${fault.kind === 'kill-leader' ? 'SIGKILL' : 'graceful stop of'} node ${leader} (leader of partition 0)`)
        await stopNode(broker, leader, { graceMs: fault.kind === 'kill-leader' ? 0 : 20_000 })
        await this.bringBack(leader, fault.downMs)
        return
      }
      case 'kill-share-coordinator': {
        const { share, group } = await this.coordinators()
        note(`SIGKILL node ${share} (share coordinator; group coordinator is node ${group}; partition leaders ${(await leaders(broker.bootstrap, this.topic)).join(',')})`)
        await stopNode(broker, share, { graceMs: 0 })
        await this.bringBack(share, fault.downMs)
        return
      }
      case 'kill-worker': {
        const w = this.workers[fault.worker]!
        w.killedByUs = true
        note(`SIGKILL worker ${w.name}`)
        w.child.kill('SIGKILL')
        return
      }
      case 'freeze-worker': {
        const w = this.workers[fault.worker]!
        note(`SIGSTOP worker ${w.name} for ${fault.frozenMs} ms`)
        w.child.kill('SIGSTOP')
        await sleep(fault.frozenMs)
        w.child.kill('SIGCONT')
        note(`SIGCONT worker ${w.name}`)
        return
      }
      case 'roll-brokers':
        for (const node of broker.nodes) {
          note(`rolling: graceful stop of node ${node.nodeId}`)
          await stopNode(broker, node.nodeId, { graceMs: 20_000 })
          await this.bringBack(node.nodeId, 0)
          await this.fullIsr()
        }
    }
  }

  /** The nodes holding the share coordinator of the group's state for partition 0 (FindCoordinator key type SHARE) and the group coordinator. */
  private async coordinators (): Promise<{ share: number, group: number }> {
    const cluster = new Cluster({ bootstrapServers: this.broker!.bootstrap })
    try {
      const share = (await cluster.coordinator(`${this.groupId}:${this.topicId}:0`, SHARE_COORDINATOR_KEY)).nodeId
      return { share, group: (await cluster.coordinator(this.groupId)).nodeId }
    } finally {
      await cluster.close()
    }
  }

  private async bringBack (nodeId: number, afterMs: number): Promise<void> {
    await sleep(afterMs)
    if (this.aborted) return
    await restartNode(this.broker!, nodeId)
    this.faults.push(`node ${nodeId} back at +${((Date.now() - this.started) / 1000).toFixed(1)}s`)
    this.say(`node ${nodeId} restarted`)
  }

  /** Waits until every partition of the topic has all 3 replicas in sync again (the next roll step may then stop another node). */
  private async fullIsr (): Promise<void> {
    const cluster = new Cluster({ bootstrapServers: this.broker!.bootstrap })
    try {
      await this.untilAsync('full ISR', async () => {
        await cluster.refreshMetadata([{ topic: this.topic }])
        return (await cluster.topic({ topic: this.topic })).partitions.every(p => p.isr.length === 3 && p.leaderId >= 0)
      })
    } finally {
      await cluster.close()
    }
  }

  private async untilAsync (what: string, done: () => Promise<boolean>): Promise<void> {
    while (!await done().catch(() => false)) {
      if (this.aborted) throw new Error(`aborted waiting for ${what}`)
      await sleep(500)
    }
  }

  /** Until the workers accepted every produced record, or nothing moved for `stallMs`. */
  private async consumeToEnd (): Promise<void> {
    let seen = -1
    let movedAt = Date.now()
    for (;;) {
      const accepted = this.workerAccepted()
      if ([...this.produced].every(s => accepted.has(s))) {
        this.say(`workers accepted all ${this.produced.size}`)
        return
      }
      // Requests (traced) are not progress: an idle consumer keeps fetching.
      const progress = this.events.filter(e => e.k !== 'req').length
      if (progress !== seen) {
        seen = progress
        movedAt = Date.now()
      }
      if (Date.now() - movedAt > this.opts.stallMs) {
        this.say(`no progress for ${this.opts.stallMs} ms: workers accepted ${accepted.size} of ${this.produced.size}`)
        return
      }
      if (this.aborted) throw new Error('aborted while consuming')
      await sleep(500)
    }
  }

  /** SIGTERM (graceful: commit, close) to live workers; SIGKILL after 20 s. */
  private async stopWorkers (): Promise<void> {
    await Promise.all(this.workers.filter(w => w.child.exitCode === null && w.child.signalCode === null).map(async w => {
      w.child.kill('SIGCONT')
      w.child.kill('SIGTERM')
      const timer = setTimeout(() => { w.killedByUs = true; w.child.kill('SIGKILL') }, 20_000)
      await w.exit
      clearTimeout(timer)
    }))
  }

  private async workerCrashes (): Promise<string[]> {
    const out: string[] = []
    for (const w of this.workers) {
      const { code, signal } = await w.exit
      if (!w.killedByUs && code !== 0) out.push(`worker ${w.name} exited with ${code ?? signal}`)
    }
    return out
  }

  /**
   * A fresh member (batch_optimized, explicit) accepts whatever is left until the broker's lag
   * is 0 and a poll comes back empty, or 60 s passed. Its records are logged as worker `drain`.
   */
  private async drain (bootstrap: string): Promise<string[]> {
    const consumer = new ShareConsumer({ bootstrapServers: bootstrap, groupId: this.groupId, acknowledgementMode: 'explicit' })
    const seqAt = new Map<string, number>()
    consumer.onAcknowledgementCommit(results => {
      const t = Date.now()
      for (const r of results) {
        for (const offset of r.offsets) {
          const o = String(offset)
          this.events.push({ k: 'ack', t, w: 'drain', seq: seqAt.get(`${r.partition}:${o}`) ?? -1, p: r.partition, o, err: r.error === null ? null : errorClass(r.error) })
        }
      }
    })
    const deadline = Date.now() + 60_000
    let got = 0
    try {
      consumer.subscribe([this.topic])
      let checkedAt = 0
      while (Date.now() < deadline && !this.aborted) {
        const batch = await consumer.poll(1000)
        const t = Date.now()
        for (const r of batch) {
          const o = String(r.offset)
          const seq = seqOfValue(r.value)
          seqAt.set(`${r.partition}:${o}`, seq)
          this.events.push({ k: 'out', t, w: 'drain', seq, p: r.partition, o, dc: r.deliveryCount })
          consumer.acknowledge(r, 'accept')
        }
        got += batch.length
        if (batch.length > 0) {
          await consumer.commitSync()
          continue
        }
        if (Date.now() - checkedAt > 2000) {
          checkedAt = Date.now()
          if (await this.lagIsZero(bootstrap)) {
            this.say(`drained ${got} records`)
            return []
          }
        }
      }
      return [`the drain did not reach lag 0 within 60 s (${got} records drained)`]
    } finally {
      await consumer.close()
    }
  }

  /** True when the broker reports lag 0 for every partition of the topic (asked by a new Admin each time: an old one may keep a dead coordinator). */
  private async lagIsZero (bootstrap: string): Promise<boolean> {
    try {
      const offsets = await withAdmin(bootstrap, async admin => await admin.describeShareGroupOffsets(this.groupId, { topics: [{ topic: this.topic }], timeoutMs: 15_000 }))
      return offsets.length === PARTITIONS && offsets.every(o => o.lag === 0n)
    } catch (err) {
      this.say(`lag check failed: ${errorClass(err)}: ${err instanceof Error ? err.message : String(err)}`)
      return false
    }
  }
}

/** Reads the complete lines a worker appended to its log since the last read. */
class LogTail {
  private fd: number | undefined
  private offset = 0
  private partial = ''

  constructor (private readonly file: string) {}

  read (): ChaosEvent[] {
    try {
      this.fd ??= openSync(this.file, 'r')
    } catch {
      return [] // the worker has not created it yet
    }
    const size = fstatSync(this.fd).size
    if (size <= this.offset) return []
    const buf = Buffer.alloc(size - this.offset)
    const n = readSync(this.fd, buf, 0, buf.length, this.offset)
    this.offset += n
    const lines = (this.partial + buf.subarray(0, n).toString('utf8')).split('\n')
    this.partial = lines.pop() ?? ''
    return lines.filter(l => l !== '').map(l => JSON.parse(l) as ChaosEvent)
  }

  close (): void {
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
  }
}
