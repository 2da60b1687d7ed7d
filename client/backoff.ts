/** Exponential backoff settings (as Java's `reconnect.backoff.ms` / `reconnect.backoff.max.ms`). */
export interface BackoffOptions {
  /** First delay, ms. */
  initialMs: number
  /** Largest delay, ms. */
  maxMs: number
}

/**
 * Delay before attempt `failures + 1`: `initialMs · 2^failures`, capped at `maxMs`, with ±20 %
 * jitter so that many clients do not reconnect in lockstep after a broker restart.
 */
export function backoffDelay (failures: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exp = Math.min(options.maxMs, options.initialMs * 2 ** Math.max(0, failures))
  return Math.max(0, Math.round(exp * (0.8 + 0.4 * random())))
}
