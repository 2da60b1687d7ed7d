import { KafkaProtocolError } from './protocol-error.js'

/**
 * Splits a byte stream into size-prefixed Kafka frames. A frame is handed out as soon as its
 * last byte arrives; frames inside one chunk are views (no copy), a frame spread over chunks
 * is joined once. A size prefix below 4 (no room for a correlation id) or above
 * `maxFrameSize` throws at once, before any of the body is waited for: a peer announcing
 * 2 GB must not make us buffer it.
 */
export class FrameDecoder {
  private chunks: Buffer[] = []
  private buffered = 0
  private frameSize = -1

  /** @param maxFrameSize largest accepted frame, size prefix excluded */
  constructor (readonly maxFrameSize: number) {}

  /** Bytes received that do not yet form a whole frame. */
  get pendingBytes (): number {
    return this.buffered
  }

  /** Size of the frame being received (prefix excluded), or -1 between frames. */
  get expectedFrameSize (): number {
    return this.frameSize
  }

  /** Feeds a chunk; calls `onFrame` with each complete frame (size prefix removed). Throws `KafkaProtocolError` on a bad size prefix. */
  push (chunk: Buffer, onFrame: (payload: Buffer) => void): void {
    this.chunks.push(chunk)
    this.buffered += chunk.length
    while (true) {
      if (this.frameSize < 0) {
        if (this.buffered < 4) return
        if ((this.chunks[0] as Buffer).length < 4) this.join()
        const size = (this.chunks[0] as Buffer).readUInt32BE(0)
        if (size < 4 || size > this.maxFrameSize) {
          throw new KafkaProtocolError(`frame size ${size} is outside 4..${this.maxFrameSize} bytes: the peer is not speaking Kafka, or the response exceeds maxFrameSize`, 0, 'size')
        }
        this.frameSize = size
      }
      if (this.buffered < 4 + this.frameSize) return
      const all = this.join()
      const end = 4 + this.frameSize
      this.chunks = end < all.length ? [all.subarray(end)] : []
      this.buffered = all.length - end
      this.frameSize = -1
      onFrame(all.subarray(4, end))
    }
  }

  private join (): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.buffered)]
    return this.chunks[0] as Buffer
  }
}
