import { KafkaError } from './errors.js'

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/

/** True for a name Kafka accepts for a topic: 1–249 of `a-z A-Z 0-9 . _ -`, not `.` or `..`. */
export function isTopicName (name: unknown): name is string {
  return typeof name === 'string' && TOPIC_NAME.test(name) && name !== '.' && name !== '..'
}

/** A topic name Kafka can never accept (Java: InvalidTopicException). Fix the name: retrying cannot help. */
export class InvalidTopicError extends KafkaError {
  override name = 'InvalidTopicError'

  /** @param topic the name as given */
  constructor (readonly topic: unknown) {
    super(`${JSON.stringify(topic)} is not a legal topic name: use 1–249 characters of a-z A-Z 0-9 . _ - (not "." or "..")`, false)
  }
}
