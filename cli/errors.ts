/**
 * Exit codes of the `kshare` command, as documented in `kshare --help`:
 * 0 ok, 1 Kafka or input error, 2 usage error.
 */
export const EXIT_OK = 0
/** A Kafka error, a network error or input that cannot be decoded. */
export const EXIT_FAILURE = 1
/** The command line itself is wrong. */
export const EXIT_USAGE = 2

/** A wrong command line; printed as one line with the command's usage hint, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}
