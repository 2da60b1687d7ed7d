import t from 'tap'
import { KafkaProtocolError } from '../../../protocol/index.js'
import { FrameDecoder } from '../../../protocol/frame-decoder.js'

function frame (payload: Buffer): Buffer {
  const size = Buffer.alloc(4)
  size.writeUInt32BE(payload.length)
  return Buffer.concat([size, payload])
}

t.test('frames come out whole whatever the chunking', async t => {
  const payloads = [Buffer.from('aaaa1'), Buffer.alloc(300, 7), Buffer.from('zzzz')]
  const stream = Buffer.concat(payloads.map(frame))
  for (let step = 1; step <= stream.length; step++) {
    const d = new FrameDecoder(1000)
    const out: Buffer[] = []
    for (let i = 0; i < stream.length; i += step) d.push(stream.subarray(i, i + step), p => out.push(Buffer.from(p)))
    t.same(out, payloads, `chunks of ${step} bytes`)
    t.equal(d.pendingBytes, 0)
  }
})

t.test('a frame inside one chunk is a view, not a copy', async t => {
  const chunk = frame(Buffer.from('hello!'))
  const d = new FrameDecoder(100)
  let got: Buffer | undefined
  d.push(chunk, p => { got = p })
  t.equal(got?.buffer, chunk.buffer)
})

t.test('a 2 GB size prefix is refused at once, without waiting for the body', async t => {
  const d = new FrameDecoder(100 * 1024 * 1024)
  const err = t.throws(() => d.push(Buffer.from([0x80, 0, 0, 0]), () => t.fail('no frame'))) as KafkaProtocolError
  t.type(err, KafkaProtocolError)
  t.match(err.message, /frame size 2147483648 is outside 4\.\.104857600/)
})

t.test('a size prefix too small for a correlation id is refused', async t => {
  t.throws(() => new FrameDecoder(100).push(Buffer.from([0, 0, 0, 2, 1, 1]), () => {}), KafkaProtocolError)
})

t.test('a partial frame is reported while it arrives', async t => {
  const d = new FrameDecoder(100)
  d.push(Buffer.from([0, 0, 0, 10, 1, 2, 3]), () => t.fail('incomplete'))
  t.equal(d.pendingBytes, 7)
  t.equal(d.expectedFrameSize, 10)
})
