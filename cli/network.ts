import { parseArgs, type ParseArgsConfig } from 'node:util'
import { parseBootstrapServers } from '../client/address.js'
import { Admin, type AdminOptions } from '../client/admin.js'
import { UsageError } from './errors.js'
import type { Output } from './output.js'
import { traced, type TraceMode } from './trace.js'

/**
 * Options every networked command shares (`--bootstrap`, `--timeout`, `--json`, `--trace`),
 * their help text, and what the clients are built with.
 */

/** The shared options, parsed. */
export interface NetworkOptions {
  /** Bootstrap servers, `host:port[,host:port]`. */
  bootstrap: string
  /** Time allowed per operation (retries included), ms. */
  timeoutMs: number
  /** Machine-readable output. */
  json: boolean
  /** What `--trace` prints. */
  trace: TraceMode
}

/** Default `--timeout`, ms. */
export const DEFAULT_TIMEOUT_MS = 30_000

/** Help text for the shared options, appended to each networked command's help. */
export const NETWORK_HELP = `
Connection and output options:
  --bootstrap HOST:PORT[,HOST:PORT]  brokers to start from (default: $KAFKA_BOOTSTRAP,
                                     else localhost:9092)
  --timeout MS     time one operation may take, retries included (default ${DEFAULT_TIMEOUT_MS})
  --json           machine-readable output: one JSON object per line
  --trace          print every request and response of kshare's own client on stderr, one
                   timeline line each, as 'kshare proxy' prints them (with --json: JSON lines)
  --trace=full     the same, plus every field of every frame
  -h, --help       this help
`

const SHARED = {
  bootstrap: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean', default: false },
  trace: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false }
} as const

type Options = NonNullable<ParseArgsConfig['options']>

/** Parsed command line of a networked command: its own options, positionals, the shared options. */
export interface ParsedNetworkArgs<T extends Options> {
  /** Values of the command's own options (and the shared ones). */
  values: ReturnType<typeof parseArgs<{ args: string[], options: typeof SHARED & T, allowPositionals: true }>>['values']
  /** Positional arguments. */
  positionals: string[]
  /** The shared options. */
  net: NetworkOptions
}

/** How a command is used: its help text (printed for `--help`), and whether it takes positional arguments. */
export interface CommandUsage {
  /** Help text. */
  help: string
  /** Where the help goes. */
  io: Output
  /** Positional arguments are allowed (the command checks them); default: none. */
  positionals?: boolean
}

/**
 * Parses a networked command's arguments: `options` are the command's own. Returns
 * undefined when `--help` was given (the help is printed). `--trace=full` is taken out
 * first (parseArgs has no optional option values). Throws `UsageError`, or parseArgs'
 * errors (which `main` reports as usage errors).
 */
export function parseNetworkArgs<T extends Options> (args: readonly string[], options: T, usage: CommandUsage): ParsedNetworkArgs<T> | undefined {
  let trace: TraceMode = 'off'
  const rest: string[] = []
  let literal = false
  for (const a of args) {
    if (!literal && a.startsWith('--trace=')) {
      const mode = a.slice('--trace='.length)
      if (mode !== 'full' && mode !== 'summary') throw new UsageError(`--trace=${mode}: use --trace or --trace=full`)
      trace = mode
      continue
    }
    if (a === '--') literal = true
    rest.push(a)
  }
  const { values, positionals } = parseArgs({ args: rest, options: { ...SHARED, ...options } as typeof SHARED & T, allowPositionals: true })
  const shared = values as { bootstrap?: string, timeout?: string, json: boolean, trace: boolean, help: boolean }
  if (shared.help) {
    usage.io.out.write(usage.help)
    return undefined
  }
  if (usage.positionals !== true && positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`)
  if (shared.trace && trace === 'off') trace = 'summary'
  const bootstrap = shared.bootstrap ?? (process.env.KAFKA_BOOTSTRAP?.trim() || 'localhost:9092')
  parseBootstrapServers(bootstrap, '--bootstrap')
  return {
    values,
    positionals,
    net: {
      bootstrap,
      timeoutMs: shared.timeout === undefined ? DEFAULT_TIMEOUT_MS : intOption(shared.timeout, '--timeout', 1),
      json: shared.json,
      trace
    }
  }
}

/** An integer option value of at least `min`; `UsageError` otherwise. */
export function intOption (text: string, option: string, min = 0): number {
  const n = Number(text)
  if (text.trim() === '' || !Number.isSafeInteger(n) || n < min) throw new UsageError(`${option} must be an integer ≥ ${min}, got ${JSON.stringify(text)}`)
  return n
}

/** `text` when it is one of `choices` (undefined stays undefined); `UsageError` otherwise. */
export function choice<C extends string> (text: string | undefined, option: string, choices: readonly C[]): C | undefined {
  if (text === undefined || (choices as readonly string[]).includes(text)) return text as C | undefined
  throw new UsageError(`${option} must be one of ${choices.join(', ')}, got ${JSON.stringify(text)}`)
}

/** A required option's value; `UsageError` naming `usage` (e.g. `--topic T`) when missing or empty. */
export function required<V extends string | readonly string[]> (value: V | undefined, usage: string): V {
  if (value === undefined || value.length === 0) throw new UsageError(`${usage} is required`)
  return value
}

/** Splits `k=v` (the value may contain `=`); `UsageError` without `=`. */
export function keyValue (text: string, option: string): [string, string] {
  const i = text.indexOf('=')
  if (i <= 0) throw new UsageError(`${option} takes KEY=VALUE, got ${JSON.stringify(text)}`)
  return [text.slice(0, i), text.slice(i + 1)]
}

/** Connection options for kshare's clients from the shared options. */
export function connectionOptions (net: NetworkOptions): { bootstrapServers: string, clientId: string, requestTimeoutMs: number, connectTimeoutMs: number } {
  return {
    bootstrapServers: net.bootstrap,
    clientId: CLI_CLIENT_ID,
    requestTimeoutMs: net.timeoutMs,
    connectTimeoutMs: Math.min(net.timeoutMs, 10_000)
  }
}

/** `client.id` of the CLI's clients (shows in `groups describe` and broker logs). */
export const CLI_CLIENT_ID = 'kshare-cli'

/** Runs `run` with `client`, then closes the client whatever happened. */
export async function closing<C extends { close (): Promise<void> }, T> (client: C, run: (client: C) => Promise<T>): Promise<T> {
  try {
    return await run(client)
  } finally {
    await client.close()
  }
}

/** Admin client options from the shared options: `--timeout` bounds each admin call, retries included. */
export function adminOptions (net: NetworkOptions): AdminOptions {
  return { ...connectionOptions(net), apiTimeoutMs: net.timeoutMs }
}

/** Runs `run` with an admin client built from the shared options, traced, closed afterwards. */
export async function withAdmin<T> (io: Output, net: NetworkOptions, run: (admin: Admin) => Promise<T>): Promise<T> {
  return await traced(io, net, () => closing(new Admin(adminOptions(net)), run))
}
