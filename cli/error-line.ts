import { AdminError } from '../client/admin.js'
import { BrokerResponseError } from '../client/errors.js'
import { SendError } from '../client/producer.js'

/**
 * The one line `kshare` prints for a failure: the Kafka error name first for broker errors
 * (`NON_EMPTY_GROUP (68) from AlterShareGroupOffsets, group g: ...`), else the error class
 * (`ConnectionError: ...`). Admin and producer errors that wrap one item's failure print
 * that failure, which names the item.
 */
export function errorLine (e: unknown): string {
  if (!(e instanceof Error)) return String(e)
  const failures = e instanceof AdminError ? e.failures.length : e instanceof SendError ? e.failures.length : 0
  if (failures === 1 && e.cause instanceof Error) return errorLine(e.cause)
  const root = failures > 1 && e.cause instanceof Error ? e.cause : e
  const name = root instanceof BrokerResponseError ? root.errorName : root.name
  return e.message.startsWith(`${name} `) ? e.message : `${name}: ${e.message}`
}
