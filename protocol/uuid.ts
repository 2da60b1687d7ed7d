import { randomBytes } from 'node:crypto'

/** The all-zero UUID, Kafka's "no topic id". */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA'

/** Kafka's reserved metadata-topic UUID (`0…01`), never handed out by `randomUuid`. */
export const METADATA_TOPIC_UUID = 'AAAAAAAAAAAAAAAAAAAAAQ'

/**
 * A random UUID in Kafka's text form (URL-safe base64 without padding). As Java's
 * `Uuid.randomUuid()`, it redraws reserved values and any value whose text starts with `-`,
 * which command-line tools would take for a flag. Share-group member ids use this form.
 */
export function randomUuid (): string {
  for (;;) {
    const bytes = randomBytes(16)
    // RFC 4122 version 4 bits, as java.util.UUID.randomUUID sets them.
    bytes[6] = (bytes[6]! & 0x0f) | 0x40
    bytes[8] = (bytes[8]! & 0x3f) | 0x80
    const text = bytes.toString('base64url')
    if (text !== ZERO_UUID && text !== METADATA_TOPIC_UUID && !text.startsWith('-')) return text
  }
}

/** True when `text` is a 22-character Kafka UUID. */
export function isUuid (text: string): boolean {
  return /^[A-Za-z0-9_-]{21}[AQgw]$/.test(text)
}
