import Denque from 'denque'
import { BufferFullError } from './errors.js'

interface Waiter {
  bytes: number
  resolve: () => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout | undefined
}

/**
 * The producer's memory bound: bytes of records accepted by `send()` and not yet acknowledged.
 * Callers reserve before buffering and release on completion; when the budget is spent,
 * reservations wait in FIFO order (so a large send is not starved by small ones) until space
 * frees or `maxBlockMs` passes.
 */
export class ByteBudget {
  private used = 0
  private readonly waiters = new Denque<Waiter>()

  /**
   * @param limit most bytes reserved at once
   * @param maxBlockMs how long a reservation may wait
   */
  constructor (readonly limit: number, private readonly maxBlockMs: number) {}

  /** Bytes reserved now. */
  get inUse (): number {
    return this.used
  }

  /**
   * Reserves `bytes`. Resolves at once when they fit and nobody waits before us; a request
   * larger than the whole budget waits until the budget is empty (so one big send can pass).
   * Returns `undefined` when reserved synchronously, to spare a promise on the fast path.
   */
  reserve (bytes: number): Promise<void> | undefined {
    if (this.waiters.isEmpty() && this.fits(bytes)) {
      this.used += bytes
      return undefined
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { bytes, resolve, reject, timer: undefined }
      waiter.timer = setTimeout(() => {
        this.remove(waiter)
        reject(new BufferFullError(
          `no buffer space for ${bytes} bytes within maxBlockMs=${this.maxBlockMs} (maxBufferedBytes=${this.limit}, in use ${this.used}); the brokers are not keeping up or are unreachable`,
          bytes, this.limit))
      }, this.maxBlockMs)
      this.waiters.push(waiter)
    })
  }

  /** Returns `bytes` to the budget and admits waiters that now fit. */
  release (bytes: number): void {
    this.used -= bytes
    for (;;) {
      const next = this.waiters.peekFront()
      if (next === undefined || !this.fits(next.bytes)) return
      this.waiters.shift()
      clearTimeout(next.timer)
      this.used += next.bytes
      next.resolve()
    }
  }

  /** Fails every waiting reservation (the producer is closing). */
  rejectAll (err: Error): void {
    for (let w = this.waiters.shift(); w !== undefined; w = this.waiters.shift()) {
      clearTimeout(w.timer)
      w.reject(err)
    }
  }

  private fits (bytes: number): boolean {
    return this.used + bytes <= this.limit || this.used === 0
  }

  private remove (waiter: Waiter): void {
    const list = this.waiters.toArray()
    const i = list.indexOf(waiter)
    if (i >= 0) this.waiters.removeOne(i)
    // The waiter that left may have been blocking smaller ones behind it.
    this.release(0)
  }
}
