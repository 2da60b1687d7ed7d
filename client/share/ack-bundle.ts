import type { KafkaError } from '../errors.js'
import type { AckSet } from './ack-outbox.js'
import { resultsFor, type AcknowledgementResult } from './ack-results.js'

/**
 * Acknowledgements taken from an outbox, on their way; whoever waits for them learns their
 * results. Partitions may be settled one by one (a retry sends only the others) until the
 * bundle completes, once, with one result per partition.
 */
export class AckBundle {
  private readonly waiters: Array<(results: AcknowledgementResult[]) => void> = []
  private readonly settled = new Map<string, KafkaError | null>()
  private results: AcknowledgementResult[] | undefined

  /**
   * @param set the acknowledgements
   * @param deadline epoch ms after which partitions are not retried any more
   */
  constructor (readonly set: AckSet, readonly deadline: number = Infinity) {}

  /** True once the results are known. */
  get completed (): boolean {
    return this.results !== undefined
  }

  /** The partitions not settled yet. */
  unsettled (): AckSet {
    const out: AckSet = new Map()
    for (const [key, entry] of this.set) if (!this.settled.has(key)) out.set(key, entry)
    return out
  }

  /** Records the outcome of one partition (`null`: applied); the first one sticks. */
  settle (key: string, error: KafkaError | null): void {
    if (!this.settled.has(key)) this.settled.set(key, error)
  }

  /** One result per partition, known at `now`: the settled outcome, else `errorOf(key)` ({@link resultsFor}). */
  resultsWith (errorOf: (key: string) => KafkaError | null, now?: number): AcknowledgementResult[] {
    return resultsFor(this.set, key => this.settled.has(key) ? this.settled.get(key)! : errorOf(key), now)
  }

  /** Resolves with the results once known. */
  done (): Promise<AcknowledgementResult[]> {
    if (this.results !== undefined) return Promise.resolve(this.results)
    return new Promise(resolve => this.waiters.push(resolve))
  }

  /** Adds waiters that asked before the acks were taken. */
  adopt (waiters: Iterable<(results: AcknowledgementResult[]) => void>): void {
    for (const w of waiters) this.waiters.push(w)
  }

  /** Sets the results and wakes the waiters (once). */
  complete (results: AcknowledgementResult[]): void {
    if (this.results !== undefined) return
    this.results = results
    for (const w of this.waiters.splice(0)) w(results)
  }
}
