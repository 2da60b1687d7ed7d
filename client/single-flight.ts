/**
 * Runs `start` once per key at a time: callers asking for the same key while it runs share
 * its promise (one connection attempt, one coordinator lookup). The key is free again once
 * the promise settles.
 */
export function singleFlight<T> (running: Map<string, Promise<T>>, key: string, start: () => Promise<T>): Promise<T> {
  let p = running.get(key)
  if (p === undefined) {
    p = start()
    running.set(key, p)
    const forget = (): void => { running.delete(key) }
    p.then(forget, forget)
  }
  return p
}
