/**
 * Raised inside a codec (malformed input, or output over the limit). `compression.ts` turns it
 * into a `CompressionError` / `DecompressionLimitError` that names the batch: codecs do not
 * know where their bytes came from.
 */
export class CodecFailure extends Error {
  override readonly name: string = 'CodecFailure'

  /**
   * @param message what is wrong with the compressed bytes
   * @param overLimit true when decompressing would exceed the output limit
   */
  constructor (message: string, readonly overLimit = false) {
    super(message)
  }
}
