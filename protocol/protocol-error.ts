/**
 * Raised when bytes do not match the Kafka protocol: a truncated frame, a length that
 * points past the end, an unknown API key. It names where decoding stopped so that a
 * broken frame can be located in a hex dump.
 */
export class KafkaProtocolError extends Error {
  override readonly name: string = 'KafkaProtocolError'
  /** API being decoded or encoded, when known (e.g. `ShareFetch`). */
  api: string | undefined
  /** API version, when known. */
  version: number | undefined
  /** Dotted path of the field being read (e.g. `responses[0].partitions[2].records`). */
  fieldPath: string
  /** Byte offset (from the start of the buffer given to the decoder) where reading failed. */
  readonly offset: number

  /**
   * @param reason what was wrong, without location (the location is added to `message`)
   * @param offset byte offset where decoding failed
   */
  constructor (readonly reason: string, offset: number, fieldPath = '', api?: string, version?: number) {
    super(reason)
    this.offset = offset
    this.fieldPath = fieldPath
    this.api = api
    this.version = version
    this.message = this.describe()
  }

  /** Adds the enclosing field name as the error travels up through nested structs. */
  prependPath (segment: string): void {
    this.fieldPath = this.fieldPath === ''
      ? segment
      : (this.fieldPath.startsWith('[') ? segment + this.fieldPath : `${segment}.${this.fieldPath}`)
    this.message = this.describe()
  }

  /** Records which API and version were being decoded. */
  setApi (api: string, version: number): void {
    this.api = api
    this.version = version
    this.message = this.describe()
  }

  private describe (): string {
    const where = [
      this.api !== undefined ? `${this.api}${this.version !== undefined ? ` v${this.version}` : ''}` : undefined,
      this.fieldPath !== '' ? `field ${this.fieldPath}` : undefined,
      `byte ${this.offset}`
    ].filter(Boolean).join(', ')
    return `${this.reason} (${where})`
  }
}
