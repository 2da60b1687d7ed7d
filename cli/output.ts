import type { Writable } from 'node:stream'

/** Where a command writes: stdout for results, stderr for errors and progress. */
export interface Output {
  /** Results. */
  out: Writable
  /** Errors, warnings, progress. */
  err: Writable
}

/** JSON.stringify that prints bigints as strings and Buffers as hex. */
export function toJson (value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString()
    if (v !== null && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      return Buffer.from((v as { data: number[] }).data).toString('hex')
    }
    return v
  })
}
