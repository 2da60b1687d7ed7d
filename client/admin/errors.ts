import { KafkaError } from '../errors.js'

/** Anything an admin call reports per item: the item's error, or null when it succeeded. */
export interface ItemOutcome {
  /** Why this item failed (a typed `KafkaError`, usually a `BrokerResponseError`), or null. */
  error: KafkaError | null
}

/**
 * An admin call failed for some of its items (topics, partitions, groups). `results` holds
 * every item — those that failed with their typed `error`, the others with `error: null`
 * (their change was made). Message and `cause` are those of the first failure; `retriable`
 * is true only when every failure is retriable.
 */
export class AdminError<T extends ItemOutcome = ItemOutcome> extends KafkaError {
  override name = 'AdminError'

  /**
   * @param operation the admin call, e.g. `createTopics`
   * @param results every item with its outcome (at least one has an error)
   * @param describe names an item in the message, e.g. `topic jobs`
   */
  constructor (readonly operation: string, readonly results: T[], describe: (item: T) => string) {
    const failed = results.filter(r => r.error !== null)
    const first = failed[0]?.error ?? undefined
    super(`${operation} failed for ${failed.map(describe).join(', ')}: ${first?.message ?? 'unknown error'}`,
      failed.every(r => r.error!.retriable), { api: first?.api, brokerId: first?.brokerId, cause: first })
  }

  /** The items that failed. */
  get failures (): T[] {
    return this.results.filter(r => r.error !== null)
  }
}

/** Throws an {@link AdminError} when any item failed; returns the results otherwise. */
export function throwOnItemErrors<T extends ItemOutcome> (operation: string, results: T[], describe: (item: T) => string): T[] {
  if (results.some(r => r.error !== null)) throw new AdminError(operation, results, describe)
  return results
}
