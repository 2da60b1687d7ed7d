import type { KafkaError } from './errors.js'

/**
 * Sleeps that an owner can cancel all at once when it closes, so that no timer outlives a
 * closed pool or cluster. The timers stay referenced while they run: a caller awaiting a
 * reconnect keeps the process alive, as the socket it waits for would.
 */
export class Delays {
  private readonly waits = new Set<{ timer: NodeJS.Timeout, reject: (err: KafkaError) => void }>()

  /** Resolves after `ms`, or rejects with the error given to {@link cancelAll}. */
  sleep (ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const w = {
        timer: setTimeout(() => {
          this.waits.delete(w)
          resolve()
        }, ms),
        reject
      }
      this.waits.add(w)
    })
  }

  /** Clears every running sleep and rejects it with `error`. */
  cancelAll (error: () => KafkaError): void {
    for (const w of this.waits) {
      clearTimeout(w.timer)
      w.reject(error())
    }
    this.waits.clear()
  }
}
