import { UsageError } from './errors.js'
import type { Output } from './output.js'

/** What a command gets besides its arguments and output. */
export interface CommandContext {
  /** Standard input (`kshare produce` reads records from it). */
  stdin: NodeJS.ReadableStream
  /** The signal that stops a long-running command (Ctrl-C); created on first call. */
  signal: () => AbortSignal
}

/**
 * A command's entry point: parses its own arguments (after the command name), prints its
 * help for `--help`, runs. Throws `UsageError` for a wrong command line and the client's
 * typed errors for Kafka failures; `main` turns both into exit codes.
 */
export type CommandMain = (args: string[], io: Output, ctx: CommandContext) => Promise<void>

/**
 * Dispatches `kshare <command> <subcommand> ...`: `--help` without a subcommand prints the
 * command's help; a missing or unknown subcommand is a usage error.
 */
export async function subcommand (command: string, subcommands: Readonly<Record<string, CommandMain>>, help: string,
  args: string[], io: Output, ctx: CommandContext): Promise<void> {
  const [name, ...rest] = args
  if (name === '--help' || name === '-h') {
    io.out.write(help)
    return
  }
  const run = name !== undefined && Object.hasOwn(subcommands, name) ? subcommands[name] : undefined
  if (run === undefined) {
    const what = name === undefined ? 'missing subcommand' : `unknown subcommand ${JSON.stringify(name)}`
    throw new UsageError(`${what}: use ${Object.keys(subcommands).join(', ')} (see 'kshare ${command} --help')`)
  }
  await run(rest, io, ctx)
}

/** The one positional argument a command takes (`what` names it in the error), or `UsageError`. */
export function singleArg (positionals: readonly string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? `give the ${what}` : `one ${what} at a time; unexpected ${JSON.stringify(positionals[1])}`)
  return positionals[0]!
}
