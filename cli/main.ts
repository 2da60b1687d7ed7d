#!/usr/bin/env node
import { KafkaProtocolError } from '../protocol/index.js'
import { ConfigurationError } from '../client/errors.js'
import { CLIENT_SOFTWARE_VERSION } from '../client/software.js'
import { decodeMain } from './commands/decode.js'
import { proxyMain } from './commands/proxy.js'
import { apiVersionsMain } from './commands/api-versions.js'
import { groupsMain } from './commands/groups.js'
import { metadataMain } from './commands/metadata.js'
import { produceMain } from './commands/produce.js'
import { shareConsumeMain } from './commands/share-consume.js'
import { topicsMain } from './commands/topics.js'
import { webMain } from './commands/web.js'
import type { CommandMain } from './command.js'
import { errorLine } from './error-line.js'
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './errors.js'
import type { Output } from './output.js'

/** Help text of `kshare`. */
export const MAIN_HELP = `Usage: kshare <command> [options]

Protocol-level debugging of Kafka share groups.

Commands:
  decode         decode Kafka frames given as hex, every field by name
  proxy          a decoding TCP proxy between any Kafka client and a broker
  api-versions   the broker's API versions next to kshare's, finalized features
  metadata       brokers, controller, topics, partitions, leaders, replicas
  topics         create, delete, list topics
  produce        write records from standard input or generated ones
  share-consume  consume as a share-group member, acknowledge as told
  groups         list, describe, offsets, reset, config, delete groups
  web            a dashboard in the browser: groups, processes, errors, dead letters

Run 'kshare <command> --help' for a command's options, 'kshare --version' for the
version. Networked commands take --bootstrap HOST:PORT (default $KAFKA_BOOTSTRAP, else
localhost:9092), --timeout MS, --json, and --trace / --trace=full to print kshare's own
requests and responses decoded.
Exit codes: 0 ok, 1 Kafka or input error, 2 usage error. Errors go to stderr.
`

/** Commands with their own argument parsing; `subcommands` go into error messages (`kshare groups reset: ...`). */
const COMMANDS: Readonly<Record<string, { main: CommandMain, subcommands?: readonly string[] }>> = {
  decode: { main: decodeMain },
  proxy: { main: proxyMain },
  'api-versions': { main: apiVersionsMain },
  metadata: { main: metadataMain },
  topics: { main: topicsMain, subcommands: ['create', 'delete', 'list'] },
  produce: { main: produceMain },
  'share-consume': { main: shareConsumeMain },
  groups: { main: groupsMain, subcommands: ['list', 'describe', 'offsets', 'reset', 'config', 'delete'] },
  web: { main: webMain }
}

/**
 * Runs the `kshare` command line and returns its exit code (never throws). Separate from
 * the process so tests can run commands in-process.
 */
export async function main (argv: string[], io: Output, stdin: NodeJS.ReadableStream = process.stdin, signal?: AbortSignal): Promise<number> {
  const [command, ...rest] = argv
  const entry = command !== undefined && Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined
  const name = entry?.subcommands?.includes(rest[0] ?? '') === true ? `${command} ${rest[0]}` : command
  try {
    switch (command) {
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.out.write(MAIN_HELP)
        return command === undefined ? EXIT_USAGE : EXIT_OK
      case '--version':
      case '-V':
        io.out.write(`kshare ${CLIENT_SOFTWARE_VERSION} (Kafka protocol of Apache Kafka 4.4, Node ${process.versions.node})\n`)
        return EXIT_OK
      default:
        if (entry === undefined) throw new UsageError(`unknown command ${JSON.stringify(command)}; run 'kshare --help'`)
        await entry.main(rest, io, { stdin, signal: () => (signal ??= interruptSignal()) })
        return EXIT_OK
    }
  } catch (e) {
    return reportError(e, name, io)
  }
}

/** Aborted when the reader of standard output went away (`kshare ... | head`). */
const outputGone = new AbortController()

/**
 * Aborts on the first SIGINT or SIGTERM, or when standard output is gone, so long-running
 * commands stop cleanly (a share consumer releases what it could not print).
 */
function interruptSignal (): AbortSignal {
  const controller = new AbortController()
  const stop = (): void => controller.abort()
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  if (outputGone.signal.aborted) stop()
  else outputGone.signal.addEventListener('abort', stop, { once: true })
  return controller.signal
}

function reportError (e: unknown, command: string | undefined, io: Output): number {
  const prefix = `kshare${command !== undefined ? ` ${command}` : ''}: `
  // parseArgs reports unknown or malformed options with these codes.
  const code = (e as { code?: string }).code
  if (e instanceof UsageError || e instanceof ConfigurationError || code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    // parseArgs' messages span lines; an error is one line.
    io.err.write(`${prefix}${(e as Error).message.trim().replace(/\s*\n\s*/g, ' ')}\n`)
    return EXIT_USAGE
  }
  if (e instanceof KafkaProtocolError) {
    io.err.write(`${prefix}${e.message}\n`)
    return EXIT_FAILURE
  }
  io.err.write(`${prefix}${errorLine(e)}\n`)
  return EXIT_FAILURE
}

// Run when executed as the `kshare` bin, not when imported by tests.
if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${(await import('node:fs')).realpathSync(process.argv[1])}`).href) {
  // `kshare topics list | head`: a reader that goes away ends the output, not with a stack
  // trace. The command is not killed: long-running ones see their signal abort and close
  // cleanly (share-consume must release the records it could not print); the rest finish.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e
    outputGone.abort()
  })
  process.exitCode = await main(process.argv.slice(2), { out: process.stdout, err: process.stderr })
}
