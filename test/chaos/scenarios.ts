/**
 * The chaos scenarios, as data: who consumes, how, and which faults happen when. The runner
 * (runner.ts) gives every scenario the same topic (6 partitions, RF 3, min ISR 2), records
 * carrying their sequence number, a drain by a fresh member and the count.
 */

/** When a fault step starts: once the workers accepted (or the producer wrote) this fraction of the records. */
export type Trigger = { accepted: number } | { produced: number }

/** A fault. "leader" is the leader of partition 0 at that moment. */
export type Fault =
  /** SIGKILL the leader, restart it after `downMs`. */
  | { kind: 'kill-leader', downMs: number }
  /** Graceful stop (SIGTERM: controlled shutdown) of the leader, restart after `downMs`. */
  | { kind: 'stop-leader', downMs: number }
  /** SIGKILL the node holding the share coordinator of the group's state (FindCoordinator key type SHARE), restart after `downMs`. */
  | { kind: 'kill-share-coordinator', downMs: number }
  /** SIGKILL worker `worker` (it holds records it has not acknowledged: they are being processed). */
  | { kind: 'kill-worker', worker: number }
  /** SIGSTOP worker `worker` for `frozenMs`, then SIGCONT. */
  | { kind: 'freeze-worker', worker: number, frozenMs: number }
  /** Graceful restart of every broker, one after the other. */
  | { kind: 'roll-brokers' }

/** One scenario. */
export interface Scenario {
  name: string
  /** What it shows, one line. */
  about: string
  /** `consumer`: a ShareConsumer per process; `app`: a framework App per process. */
  worker: 'consumer' | 'app'
  workers: number
  acquireMode: 'batch_optimized' | 'record_limit'
  acknowledgementMode: 'implicit' | 'explicit'
  /** Group config share.record.lock.duration.ms; default the broker's (30 s). */
  lockMs?: number
  /** Records are written while the workers consume (by an idempotent producer), not before. */
  produceDuring?: boolean
  /**
   * 90 % of the records are written first; the last 10 % once the workers accepted those (or
   * stalled) and idled 3 s, to one leader's partitions at a time: new work for consumers whose
   * leaders all answered empty, arriving at each leader alone.
   */
  secondWave?: boolean
  steps: Array<{ at: Trigger, fault: Fault }>
  /** Why records may be handed out or accepted twice here (the table's explanation column). */
  duplicates: string
}

const base = { worker: 'consumer', workers: 2, acquireMode: 'batch_optimized', acknowledgementMode: 'explicit' } as const

/** Every scenario, in the order `npm run chaos` runs them. */
export const SCENARIOS: readonly Scenario[] = [
  { ...base, name: 'no-fault-batch', about: 'no fault, batch_optimized, second wave after idling', secondWave: true, steps: [], duplicates: 'none expected' },
  {
    ...base,
    name: 'no-fault-record-limit',
    about: 'no fault, record_limit, second wave after idling',
    acquireMode: 'record_limit',
    secondWave: true,
    steps: [],
    duplicates: 'none expected'
  },
  {
    ...base,
    name: 'leader-kill',
    about: 'leader of partition 0 SIGKILLed mid-consume, restarted 15 s later',
    steps: [{ at: { accepted: 0.3 }, fault: { kind: 'kill-leader', downMs: 15_000 } }],
    duplicates: 'records the dead leader had handed out are delivered again by the new leader; their accepts fail (session lost / leader moved)'
  },
  {
    ...base,
    name: 'leader-stop',
    about: 'leader of partition 0 stopped gracefully mid-consume, restarted 15 s later',
    steps: [{ at: { accepted: 0.3 }, fault: { kind: 'stop-leader', downMs: 15_000 } }],
    duplicates: 'records the old leader had handed out are delivered again by the new leader'
  },
  {
    ...base,
    name: 'share-coordinator-kill',
    about: 'node holding the share coordinator SIGKILLed, restarted 15 s later',
    steps: [{ at: { accepted: 0.3 }, fault: { kind: 'kill-share-coordinator', downMs: 15_000 } }],
    duplicates: 'partitions led by the killed node are delivered again by their new leaders'
  },
  {
    ...base,
    name: 'consumer-kill',
    about: 'a consumer process SIGKILLed while holding unacknowledged records',
    steps: [{ at: { accepted: 0.3 }, fault: { kind: 'kill-worker', worker: 0 } }],
    duplicates: 'the killed consumer\'s unacknowledged records come back when their locks (or its session) end'
  },
  {
    ...base,
    name: 'consumer-freeze',
    about: 'a consumer (implicit mode) SIGSTOPped for 15 s with a 10 s lock, then SIGCONT',
    acknowledgementMode: 'implicit',
    // Long enough for what one fetch per leader acquires in batch_optimized mode (3 batches of
    // ~333 records here, 4 s of work at 250 records/s): a 5 s lock let records expire without
    // any fault, which hid the freeze's effect among thousands of ordinary expiries.
    lockMs: 10_000,
    steps: [{ at: { accepted: 0.3 }, fault: { kind: 'freeze-worker', worker: 0, frozenMs: 15_000 } }],
    duplicates: 'locks ran out while the consumer was frozen: its records are delivered again (delivery count 2+) and its late accepts must fail'
  },
  {
    ...base,
    name: 'app-kill-roll',
    about: 'two framework Apps (defaults: record_limit); one SIGKILLed, then a rolling restart of all brokers',
    worker: 'app',
    acquireMode: 'record_limit',
    steps: [
      { at: { accepted: 0.2 }, fault: { kind: 'kill-worker', worker: 0 } },
      { at: { accepted: 0.35 }, fault: { kind: 'roll-brokers' } }
    ],
    duplicates: 'the killed App\'s records come back after its locks end, including ones it had decided to accept whose acks never left it (accepted twice at the App level); leader moves during the roll redeliver handed-out records'
  },
  {
    ...base,
    name: 'producer-leader-kill',
    about: 'idempotent producer writes while its leader (partition 0) is SIGKILLed; consumers read along',
    produceDuring: true,
    steps: [{ at: { produced: 0.3 }, fault: { kind: 'kill-leader', downMs: 15_000 } }],
    duplicates: 'consumer side as in leader-kill; the producer must write each seq exactly once'
  }
]

/** The subset `npm test` runs (test/integration/chaos-subset.test.ts). */
export const SUBSET = ['no-fault-record-limit', 'leader-kill', 'consumer-kill'] as const

/** A scenario by name; throws naming the known ones. */
export function scenario (name: string): Scenario {
  const found = SCENARIOS.find(s => s.name === name)
  if (found === undefined) throw new Error(`no chaos scenario ${name}; known: ${SCENARIOS.map(s => s.name).join(', ')}`)
  return found
}
