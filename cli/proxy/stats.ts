import type { DecodedFrame } from '../exchange.js'
import type { MemberCounts } from './share-checker.js'
import { errorsIn } from './timeline.js'

/** Latencies kept per API for percentiles; beyond this a reservoir keeps a uniform sample. */
const MAX_SAMPLES = 50_000

interface ApiStats { requests: number, responses: number, latencies: number[], max: number }

/**
 * Counts for the proxy's exit summary: requests and latencies per API, errors by name.
 * Memory is bounded: latencies beyond {@link MAX_SAMPLES} per API are sampled.
 */
export class TrafficStats {
  private readonly apis = new Map<string, ApiStats>()
  private readonly errors = new Map<string, number>()
  private undecoded = 0

  /** @param random source of randomness for the reservoir (tests pass a fixed one) */
  constructor (private readonly random: () => number = Math.random) {}

  /** Counts one frame; `undefined` counts a frame that could not be decoded. */
  record (frame: DecodedFrame | undefined): void {
    if (frame === undefined || frame.body === undefined) {
      this.undecoded++
      if (frame === undefined) return
    }
    let s = this.apis.get(frame.apiName)
    if (s === undefined) this.apis.set(frame.apiName, s = { requests: 0, responses: 0, latencies: [], max: 0 })
    if (frame.direction === 'request') {
      s.requests++
      return
    }
    s.responses++
    if (frame.latencyMs !== undefined) {
      s.max = Math.max(s.max, frame.latencyMs)
      if (s.latencies.length < MAX_SAMPLES) s.latencies.push(frame.latencyMs)
      else {
        const slot = Math.floor(this.random() * s.responses)
        if (slot < MAX_SAMPLES) s.latencies[slot] = frame.latencyMs
      }
    }
    for (const e of errorsIn(frame.body)) {
      const name = e.slice(e.lastIndexOf('=') + 1)
      this.errors.set(name, (this.errors.get(name) ?? 0) + 1)
    }
  }

  /** Frames that could not be decoded (raw or malformed). */
  get undecodedFrames (): number {
    return this.undecoded
  }

  /** Per API: requests, and p50/p99/max latency in ms over the answered ones. */
  perApi (): Array<{ api: string, requests: number, p50?: number, p99?: number, max?: number }> {
    return [...this.apis].sort(([a], [b]) => a.localeCompare(b)).map(([api, s]) => {
      if (s.latencies.length === 0) return { api, requests: s.requests }
      const sorted = [...s.latencies].sort((a, b) => a - b)
      const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!
      return { api, requests: s.requests, p50: at(0.5), p99: at(0.99), max: s.max }
    })
  }

  /** Error codes seen in responses, by name, most frequent first. */
  errorCounts (): Array<[string, number]> {
    return [...this.errors].sort((a, b) => b[1] - a[1])
  }
}

/** Renders the exit summary: APIs with latencies, errors, per member record counts. */
export function renderSummary (
  stats: TrafficStats, members: Map<string, MemberCounts>, label: (member: string) => string,
  findings: { violations: number, events: number }
): string {
  const ms = (v: number | undefined): string => v === undefined ? '-' : v.toFixed(1)
  const lines = ['', '── summary ──', 'API                         requests    p50ms    p99ms    maxms']
  for (const a of stats.perApi()) {
    lines.push(`${a.api.padEnd(26)} ${String(a.requests).padStart(9)} ${ms(a.p50).padStart(8)} ${ms(a.p99).padStart(8)} ${ms(a.max).padStart(8)}`)
  }
  lines.push(`undecoded frames: ${stats.undecodedFrames}`)
  const errors = stats.errorCounts()
  lines.push(`errors: ${errors.length === 0 ? 'none' : errors.map(([n, c]) => `${n}×${c}`).join(' ')}`)
  if (members.size > 0) {
    const width = Math.max(6, ...[...members.keys()].map(m => label(m).length))
    lines.push(`${'member'.padEnd(width)} acquired accepted released rejected  renewed  expired     held`)
    for (const [member, c] of members) {
      lines.push(`${label(member).padEnd(width)} ${[c.acquired, c.accepted, c.released, c.rejected, c.renewed, c.expired, c.held].map(n => String(n).padStart(8)).join(' ')}`)
    }
  }
  lines.push(`conformance: ${findings.violations} violations, ${findings.events} events`)
  return lines.join('\n') + '\n'
}
