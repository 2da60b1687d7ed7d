/** Where the consumer reports what the application may want to know. `console` fits; so do pino and similar. */
export interface Logger {
  /** Detail for debugging: requests, session resets, leader moves. */
  debug: (message: string) => void
  /** Notable events: joined the group, assignment changed. */
  info: (message: string) => void
  /** Something went wrong and was handled (records rejected as undecodable, a lost session). */
  warn: (message: string) => void
  /** Something went wrong that the consumer could not handle. */
  error: (message: string) => void
}

function ignore (): void {}

/** The default: says nothing. */
export const SILENT_LOGGER: Logger = Object.freeze({ debug: ignore, info: ignore, warn: ignore, error: ignore })
