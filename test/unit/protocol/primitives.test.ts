import t from 'tap'
import { Reader, Writer, KafkaProtocolError, sizeOfUVarint, sizeOfVarint, sizeOfVarlong, randomUuid, isUuid } from '../../../protocol/index.js'

t.test('varints round-trip at their size boundaries', async t => {
  const ints = [0, 1, -1, 63, -64, 64, 8191, -8192, 2 ** 31 - 1, -(2 ** 31)]
  for (const v of ints) {
    const w = Writer.alloc(sizeOfVarint(v)).varint(v)
    t.equal(new Reader(w.finish()).varint(), v, `varint ${v}`)
  }
  const longs = [0n, -1n, 1n << 40n, -(1n << 62n), (1n << 63n) - 1n, -(1n << 63n), 268435455n, 268435456n]
  for (const v of longs) {
    const w = Writer.alloc(sizeOfVarlong(v)).varlong(v)
    t.equal(new Reader(w.finish()).varlong(), v, `varlong ${v}`)
  }
  for (const v of [0, 127, 128, 16383, 16384, 2 ** 32 - 1]) {
    const w = Writer.alloc(sizeOfUVarint(v)).uvarint(v)
    t.equal(new Reader(w.finish()).uvarint(), v, `uvarint ${v}`)
  }
})

t.test('known encodings match the Kafka spec', async t => {
  t.same([...Writer.alloc(1).varint(-1).finish()], [0x01], 'zig-zag -1 is 1')
  t.same([...Writer.alloc(2).uvarint(300).finish()], [0xac, 0x02], 'uvarint 300')
  t.same([...Writer.alloc(1).compactString(null).finish()], [0], 'compact null string is 0')
  t.same([...Writer.alloc(2).string(null).finish()], [0xff, 0xff], 'classic null string is -1')
  t.same([...Writer.alloc(4).compactString('abc').finish()], [4, 0x61, 0x62, 0x63], 'compact string is length+1')
})

t.test('strings, bytes and UUIDs round-trip', async t => {
  const id = randomUuid()
  t.ok(isUuid(id), 'random UUID has the Kafka text form')
  const w = Writer.alloc(64).string('héllo'.slice(0, 4)).compactString('é').compactString('abcde').bytes(Buffer.from([1, 2])).uuid(id)
  const r = new Reader(w.buffer.subarray(0, w.offset))
  t.equal(r.string(), 'héll')
  t.equal(r.compactString(), 'é')
  t.equal(r.compactString(), 'abcde')
  t.same([...r.bytes()!], [1, 2])
  t.equal(r.uuid(), id)
  t.equal(r.remaining, 0)
})

t.test('truncated input is a typed error with the byte offset', async t => {
  const r = new Reader(Buffer.from([0, 0, 0]))
  const err = t.throws(() => r.int32()) as KafkaProtocolError
  t.type(err, KafkaProtocolError)
  t.equal(err.offset, 0)
  t.throws(() => new Reader(Buffer.from([0x80, 0x80])).uvarint(), KafkaProtocolError, 'unterminated varint')
  t.throws(() => new Reader(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])).uvarint(), KafkaProtocolError, 'over-long varint')
  t.throws(() => new Reader(Buffer.from([0x00, 0x10, 0x61])).string(), KafkaProtocolError, 'string longer than the frame')
  t.throws(() => new Reader(Buffer.from([0x7f, 0xff, 0xff, 0xff])).arrayLength(false), /cannot fit/, 'huge array count refused before allocating')
})

t.test('the writer refuses to finish a buffer it did not fill exactly', async t => {
  t.throws(() => Writer.alloc(4).int16(1).finish(), KafkaProtocolError)
})
