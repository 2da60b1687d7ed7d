/**
 * "Wait for this, but give up after a while", one way for the whole code base: a closing share
 * consumer's steps and the framework's shutdown (jobs, DLQ writes, the last report, a swarm's
 * workers) all wait like this.
 */

/** Timers, injectable so that a test clock can run a wait. */
export interface Timers {
  /** Runs `fn` after `ms`; returns a handle for `clearTimeout`. */
  setTimeout (fn: () => void, ms: number): unknown
  /** Cancels a `setTimeout`. */
  clearTimeout (handle: unknown): void
}

/** Node's timers. */
export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>)
}

type Waiter = (fulfilled: boolean, reason?: unknown) => void

// The waits on each pending promise. A promise gets one reaction however often it is waited
// for, and a wait that times out leaves the set: waiting again and again on a promise that never
// settles leaves one reaction on it, not one per wait, each holding its caller's continuation.
const waits = new WeakMap<Promise<unknown>, Set<Waiter>>()

/**
 * Waits for `promise` for at most `ms`: true when it fulfilled in time, false when the time ran
 * out first (the promise goes on; what it settles with later, a rejection too, is dropped).
 * A rejection in time is thrown. The timer is cleared either way.
 */
export function finishedWithin (promise: Promise<unknown>, ms: number, timers: Timers = systemTimers): Promise<boolean> {
  const waiting = waitsOn(promise)
  return new Promise<boolean>((resolve, reject) => {
    const waiter: Waiter = (fulfilled, reason) => {
      timers.clearTimeout(timer)
      if (fulfilled) resolve(true)
      else reject(reason)
    }
    const timer = timers.setTimeout(() => {
      waiting.delete(waiter)
      resolve(false)
    }, Math.max(0, ms))
    waiting.add(waiter)
  })
}

function waitsOn (promise: Promise<unknown>): Set<Waiter> {
  const known = waits.get(promise)
  if (known !== undefined) return known
  const waiting = new Set<Waiter>()
  waits.set(promise, waiting)
  const wake = (fulfilled: boolean, reason?: unknown): void => {
    waits.delete(promise)
    for (const waiter of waiting) waiter(fulfilled, reason)
  }
  promise.then(() => wake(true), (reason: unknown) => wake(false, reason))
  return waiting
}
