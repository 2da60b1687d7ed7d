import { PassThrough, Readable } from 'node:stream'
import { main } from '../../cli/main.js'

/** What one in-process `kshare` run printed, and its exit code. */
export interface CliRun {
  code: number
  out: string
  err: string
}

/**
 * Runs `kshare args...` in-process through `main`, capturing stdout and stderr. `stdin` is
 * what the command reads; `signal` plays Ctrl-C for long-running commands.
 */
export async function runCli (args: string[], options: { stdin?: string | Buffer, signal?: AbortSignal } = {}): Promise<CliRun> {
  const out = new PassThrough()
  const err = new PassThrough()
  let o = ''
  let e = ''
  out.on('data', d => { o += String(d) })
  err.on('data', d => { e += String(d) })
  const code = await main(args, { out, err }, Readable.from([options.stdin ?? '']), options.signal)
  return { code, out: o, err: e }
}
