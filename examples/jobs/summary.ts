import type { App } from '../../framework/index.js'

/**
 * A live summary of an App's work, from its monitor: accepted, retried, dead-lettered, the
 * delivery attempt each finished record needed, and what is in flight now.
 */
export class Summary {
  accepted = 0
  retried = 0
  deadLettered = 0
  readonly #attempts = new Map<number, number>()
  readonly #started = Date.now()

  /**
   * @param app the App to watch
   * @param total how many jobs there are
   */
  constructor (private readonly app: App, private readonly total: number) {
    app.monitor.on('consumer.accepted', (e) => { this.accepted++; this.#count(e.deliveryAttempt) })
    app.monitor.on('consumer.paused', () => { this.retried++ })
    app.monitor.on('dlq.dispatched', (e) => { this.deadLettered++; this.#count(e.deliveryAttempt) })
  }

  /** Every job is accepted or dead-lettered. */
  get done (): boolean {
    return this.accepted + this.deadLettered >= this.total
  }

  /** The summary as lines of text. */
  render (): string[] {
    const c = this.app.monitor.counters
    const seconds = ((Date.now() - this.#started) / 1000).toFixed(1)
    const finished = this.accepted + this.deadLettered
    const most = Math.max(1, ...this.#attempts.values())
    const histogram = [...this.#attempts.entries()].sort(([a], [b]) => a - b).map(([attempt, n]) =>
      `  attempt ${attempt}: ${String(n).padStart(5)} ${'#'.repeat(Math.ceil((n / most) * 40))}`)
    return [
      `jobs ${finished}/${this.total} finished after ${seconds} s`,
      `  accepted ${this.accepted}   retried ${this.retried}   dead-lettered ${this.deadLettered}`,
      `  in flight ${c.recordsInFlight}   paused ${c.paused}   locks held ${c.locksHeld}   jobs running ${c.jobsRunning}   lock renewals ${c.renewed}   lock expiries ${c.lockExpiries}`,
      'delivery attempts of finished jobs:',
      ...histogram
    ]
  }

  #count (attempt: number): void {
    this.#attempts.set(attempt, (this.#attempts.get(attempt) ?? 0) + 1)
  }
}
