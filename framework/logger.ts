/**
 * The framework's pluggable logger. Pass any object with these four methods (pino, winston and
 * console all fit with a thin wrapper) as `new App({ logger })`.
 */

/** Extra structured data attached to a log line (group, topic, offsets, error). */
export type LogFields = Record<string, unknown>

/** What the framework logs through. */
export interface Logger {
  /** Fine-grained progress (polls, renewals). */
  debug (message: string, fields?: LogFields): void
  /** Lifecycle (started, stopped, group configs applied). */
  info (message: string, fields?: LogFields): void
  /** Something the operator should look at (a refused config, a lost lock). */
  warn (message: string, fields?: LogFields): void
  /** A failure (consume threw, an ack or DLQ write failed). */
  error (message: string, fields?: LogFields): void
}

/** Log levels, least severe first. */
export type LogLevel = keyof Logger

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error']

/**
 * A logger writing one line per entry to stderr: ISO time, level, message, then the fields as
 * JSON (bigints as strings, errors as name and message). Entries below `level` are dropped.
 */
export function consoleLogger (level: LogLevel = 'info', write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const min = LEVELS.indexOf(level)
  const log = (at: LogLevel) => (message: string, fields?: LogFields): void => {
    if (LEVELS.indexOf(at) < min) return
    const extra = fields === undefined ? '' : ' ' + JSON.stringify(fields, jsonSafe)
    write(`${new Date().toISOString()} ${at.toUpperCase()} kshare: ${message}${extra}\n`)
  }
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }
}

/** A logger that drops everything. */
export const silentLogger: Logger = { debug () {}, info () {}, warn () {}, error () {} }

function jsonSafe (_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Error) return { name: value.name, message: value.message }
  return value
}
