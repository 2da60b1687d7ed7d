import net from 'node:net'
import { decodeResponse, encodeRequest, FrameDecoder, MAX_FRAME_SIZE, type ApiDefinition, type RequestInput, type ResponseOf } from '../../protocol/index.js'

/**
 * A Kafka client made of our protocol encoders and a socket, nothing else: it sends exactly
 * the frames a test writes, right or wrong (the conformance tests play a misbehaving member).
 * One request at a time; every wait has a timeout.
 */
export class RawClient {
  private readonly frames = new FrameDecoder(MAX_FRAME_SIZE)
  private waiting: ((payload: Buffer) => void) | undefined
  private correlationId = 0

  private constructor (private readonly socket: net.Socket) {
    socket.on('data', chunk => this.frames.push(chunk, payload => this.waiting?.(Buffer.from(payload))))
  }

  /** Connects to `host:port`. */
  static async connect (host: string, port: number): Promise<RawClient> {
    const socket = net.connect({ host, port })
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
    return new RawClient(socket)
  }

  /** Sends one request and waits (at most 15 s) for its response. */
  async call<A extends ApiDefinition> (api: A, version: number, body: RequestInput<A>): Promise<ResponseOf<A>> {
    const frame = encodeRequest(api, version, { correlationId: ++this.correlationId, clientId: 'raw-misbehaving' }, body)
    const response = new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${api.name} got no response in 15 s`)), 15_000)
      this.waiting = payload => { clearTimeout(timer); resolve(payload) }
    })
    this.socket.write(frame)
    return decodeResponse(api, version, await response).body
  }

  /** Closes the socket. */
  close (): void {
    this.socket.destroy()
  }
}
