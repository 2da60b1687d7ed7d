import { UnsupportedOptionError } from '../errors.js'

/**
 * Route options and consumer methods of consumer groups that have no meaning in a share group,
 * with what to use instead. TypeScript callers never see them (they are not declared); a
 * JavaScript caller who reaches for one gets an {@link UnsupportedOptionError} that says why.
 */
export const TOPIC_OPTIONS_NOT_FOR_SHARE_GROUPS: Readonly<Record<string, string>> = {
  manualOffsetManagement: 'share groups have no offsets to manage; decide each message with accept/release/reject',
  longRunningJob: 'there is no partition to pause; long jobs keep their records by lock renewal (automatic)',
  filter: 'filtering relies on seeking past records; accept or reject the records in consume() instead',
  throttle: 'throttling relies on seeking back; use pause(message, backoffMs) instead',
  delayBy: 'delaying relies on pausing a partition; use pause(message, backoffMs) instead',
  expireIn: 'expiring relies on seeking past records; reject old messages in consume() instead'
}

/** Consumer methods of consumer groups that share group consumers do not have. */
export const CONSUMER_METHODS_NOT_FOR_SHARE_GROUPS: Readonly<Record<string, string>> = {
  seek: 'share groups have no position to move; use release(message) for redelivery now or pause(message, backoffMs) for later',
  markAsConsumed: 'share groups acknowledge each message; use accept(message)',
  commitOffsets: 'share groups acknowledge each message; use accept(message)'
}

/** Defines, on `target`, methods that throw an {@link UnsupportedOptionError} (for JavaScript callers). */
export function refuseOptions (target: object, options: Readonly<Record<string, string>>): void {
  for (const [name, why] of Object.entries(options)) {
    Object.defineProperty(target, name, {
      value: () => { throw new UnsupportedOptionError(name, 'share', why) },
      enumerable: false,
      writable: true,
      configurable: true
    })
  }
}
