import fastq from 'fastq'
import { InvalidSettingError } from '../errors.js'

/**
 * The App's workers: at most `concurrency` jobs run at once (a `fastq` queue). Listeners ask
 * how many workers are free before they poll, so records are fetched only when a worker can
 * start on them.
 */
export class WorkerPool {
  readonly #queue: fastq.queueAsPromised<() => Promise<void>>
  #waiters: Array<() => void> = []

  /** @param concurrency most jobs running at once */
  constructor (readonly concurrency: number) {
    if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new InvalidSettingError('concurrency', `concurrency must be an integer ≥ 1, got ${concurrency}`)
    this.#queue = fastq.promise(async (job: () => Promise<void>) => await job(), concurrency)
  }

  /** Workers neither running nor promised to a queued job. */
  get free (): number {
    return Math.max(0, this.concurrency - this.#queue.running() - this.#queue.length())
  }

  /** Jobs running or queued. */
  get busy (): number {
    return this.#queue.running() + this.#queue.length()
  }

  /** Runs a job when a worker is free. The job must not throw (its failures are its own to report). */
  run (job: () => Promise<void>): void {
    this.#queue.push(job).catch(() => {}).finally(() => this.#wake())
  }

  /** Resolves with the number of free workers once at least `least` (capped at `concurrency`) are free. */
  async whenFree (least = 1): Promise<number> {
    const need = Math.min(Math.max(1, least), this.concurrency)
    while (this.free < need) await new Promise<void>((resolve) => this.#waiters.push(resolve))
    return this.free
  }

  /** Resolves once no job runs or waits. */
  async idle (): Promise<void> {
    while (this.busy > 0) await new Promise<void>((resolve) => this.#waiters.push(resolve))
  }

  #wake (): void {
    const waiters = this.#waiters
    this.#waiters = []
    for (const resolve of waiters) resolve()
  }
}
