import t from 'tap'
import { finishedWithin, systemTimers, type Timers } from '../../../client/finished-within.js'

/** Timers that fire only when told to, and remember what was cleared. */
class ManualTimers implements Timers {
  readonly pending = new Map<number, () => void>()
  readonly cleared: unknown[] = []
  #next = 0

  setTimeout (fn: () => void): unknown {
    const handle = ++this.#next
    this.pending.set(handle, fn)
    return handle
  }

  clearTimeout (handle: unknown): void {
    this.cleared.push(handle)
    this.pending.delete(handle as number)
  }

  fire (handle: number): void {
    const fn = this.pending.get(handle)
    this.pending.delete(handle)
    fn?.()
  }
}

/** A promise settled from outside. */
function deferred (): { promise: Promise<void>, resolve: () => void, reject: (err: Error) => void } {
  let resolve!: () => void
  let reject!: (err: Error) => void
  const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej })
  return { promise, resolve, reject }
}

const turn = async (): Promise<void> => await new Promise((resolve) => setImmediate(resolve))

t.test('the promise settles first: true, and the timer is cleared', async (t) => {
  const timers = new ManualTimers()
  const d = deferred()
  const waiting = finishedWithin(d.promise, 1000, timers)
  t.same([...timers.pending.keys()], [1], 'one timer set')
  d.resolve()
  t.equal(await waiting, true)
  t.same(timers.cleared, [1], 'its timer cleared')
  t.equal(timers.pending.size, 0)
})

t.test('the time runs out first: false, and the promise goes on', async (t) => {
  const timers = new ManualTimers()
  const d = deferred()
  const waiting = finishedWithin(d.promise, 1000, timers)
  timers.fire(1)
  t.equal(await waiting, false)
  d.resolve()
  await turn()
  t.same(timers.cleared, [], 'a wait that ended is not woken again')
})

t.test('with Node timers: a quick promise wins, a never-settling one loses in about the time given', async (t) => {
  t.equal(await finishedWithin(new Promise((resolve) => setTimeout(resolve, 5)), 10_000, systemTimers), true)
  const started = performance.now()
  t.equal(await finishedWithin(new Promise(() => {}), 30), false)
  const took = performance.now() - started
  t.ok(took >= 25 && took < 2000, `gave up after ${Math.round(took)} ms`)
})

t.test('a rejection in time is thrown; a rejection after the time ran out is not unhandled', async (t) => {
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown): void => { unhandled.push(reason) }
  process.on('unhandledRejection', onUnhandled)
  t.teardown(() => { process.off('unhandledRejection', onUnhandled) })

  const timers = new ManualTimers()
  const early = deferred()
  const waiting = finishedWithin(early.promise, 1000, timers)
  early.reject(new Error('broker gone'))
  await t.rejects(waiting, { message: 'broker gone' })
  t.same(timers.cleared, [1], 'its timer cleared')

  const late = deferred()
  const gaveUp = finishedWithin(late.promise, 1000, timers)
  timers.fire(2)
  t.equal(await gaveUp, false)
  late.reject(new Error('too late'))
  await turn()
  await turn()
  t.same(unhandled, [], 'no unhandled rejection')
})

t.test('waiting on a promise that never settles, again and again, leaves one reaction on it', async (t) => {
  const timers = new ManualTimers()
  const d = deferred()
  let reactions = 0
  const then = d.promise.then.bind(d.promise)
  d.promise.then = ((...args: Parameters<typeof then>) => { reactions++; return then(...args) }) as typeof d.promise.then

  const outcomes: boolean[] = []
  for (let i = 1; i <= 1000; i++) {
    const waiting = finishedWithin(d.promise, 10, timers)
    timers.fire(i)
    outcomes.push(await waiting)
  }
  t.ok(outcomes.every((o) => !o), '1000 waits timed out')
  t.equal(reactions, 1, 'one reaction for 1000 waits')

  // The timed-out waits left: when the promise settles, only the wait still running is woken.
  const last = finishedWithin(d.promise, 10, timers)
  d.resolve()
  t.equal(await last, true)
  t.same(timers.cleared, [1001], 'only the live wait cleared its timer')
  t.equal(reactions, 1)
})
