import t from 'tap'
import { ShareChecker, type Finding } from '../../../cli/proxy/share-checker.js'
import type { DecodedFrame } from '../../../cli/exchange.js'
import { ShareFrames } from '../../helpers/share-frames.js'

const TOPIC = 'AAAAAAAAAAAAAAAAAAAAAQ'

/** Feeds frames at the given times; returns the findings, rule by rule. */
function run (steps: Array<[number, DecodedFrame]>, checker = new ShareChecker()): Finding[] {
  return steps.flatMap(([at, frame]) => checker.observe({ at, connection: 1, broker: 'b:1', frame }))
}
const rules = (findings: Finding[]): string[] => findings.map(f => `${f.kind}:${f.rule}`)
const b = (first: number, last: number, ...types: number[]): { firstOffset: bigint, lastOffset: bigint, acknowledgeTypes: number[] } =>
  ({ firstOffset: BigInt(first), lastOffset: BigInt(last), acknowledgeTypes: types })

t.test('a well-behaved member: no findings, counts by type', async t => {
  const f = new ShareFrames(TOPIC)
  const checker = new ShareChecker()
  const found = run([
    [0, f.fetch(0)], [10, f.fetched([[0n, 9n, 1]])],
    [20, f.fetch(1, [b(0, 4, 1), b(5, 6, 2), b(7, 7, 3)])], [30, f.fetched([[10n, 11n, 1]])],
    [40, f.acknowledge(2, [b(8, 9, 4)], { isRenewAck: true })], [41, f.acknowledged()],
    [50, f.acknowledge(3, [b(8, 11, 1)])], [51, f.acknowledged()]
  ], checker)
  t.same(found, [])
  t.same(checker.memberCounts(60).get('member-1'), { acquired: 12, accepted: 9, released: 2, rejected: 1, renewed: 2, expired: 0, held: 0 })
})

t.test('each violation, caught', async t => {
  const f = new ShareFrames(TOPIC)
  t.same(rules(run([[0, f.fetch(0, [b(0, 0, 1)])]])), ['violation:ack-on-epoch-0', 'violation:ack-not-acquired'], 'acks on epoch 0')

  const g = new ShareFrames(TOPIC)
  t.same(rules(run([[0, g.fetch(0)], [1, g.fetched([[0n, 4n, 1]])], [2, g.fetch(1, [b(3, 6, 1)])]])),
    ['violation:ack-not-acquired'], 'offsets 5-6 were never handed')

  const h = new ShareFrames(TOPIC)
  const overlap = run([[0, h.fetch(0)], [1, h.fetched([[0n, 9n, 1]])], [2, h.fetch(1, [b(0, 4, 1), b(3, 6, 1)])]])
  t.same(rules(overlap), ['violation:ack-batches-overlap'])
  t.match(overlap[0]!.message, /batch 3-6 overlaps 0-4/)

  const u = new ShareFrames(TOPIC)
  t.same(rules(run([[0, u.fetch(0)], [1, u.fetched([[0n, 9n, 1]])], [2, u.fetch(1, [b(5, 6, 1), b(0, 1, 1)])]])), ['violation:ack-batches-unsorted'])

  const e = new ShareFrames(TOPIC)
  const epochs = run([
    [0, e.fetch(0)], [1, e.fetched([])], [2, e.fetch(1)], [3, e.fetched([])],
    [4, e.fetch(3)], [5, e.fetched([])], [6, e.fetch(3)], [7, e.fetched([])]
  ])
  t.same(rules(epochs), ['violation:epoch-skipped', 'violation:epoch-repeated'])
  t.match(epochs[0]!.message, /session epoch 3 after 1 \(expected 2\)/)

  const r = new ShareFrames(TOPIC)
  t.same(rules(run([[0, r.fetch(0)], [1, r.fetched([[0n, 1n, 1]])], [2, r.acknowledge(1, [b(0, 1, 4)])]])),
    ['violation:renew-without-flag', 'violation:renew-without-flag'], 'RENEW without IsRenewAck, per offset')
})

t.test('an error response lets the client retry the epoch', async t => {
  const f = new ShareFrames(TOPIC)
  t.same(run([[0, f.fetch(0)], [1, f.fetched([])], [2, f.fetch(1)], [3, f.fetched([], { errorCode: 6 })], [4, f.fetch(1)], [5, f.fetched([])]]), [])
})

t.test('events: late ack and renew, held at close, fenced while holding', async t => {
  const f = new ShareFrames(TOPIC)
  const checker = new ShareChecker()
  const late = run([
    [0, f.fetch(0)], [0, f.fetched([[0n, 3n, 1]], { lockMs: 1000 })],
    [1500, f.acknowledge(1, [b(0, 0, 1)])], [1501, f.acknowledged()],
    [1600, f.acknowledge(2, [b(1, 1, 4)], { isRenewAck: true })], [1601, f.acknowledged()]
  ], checker)
  t.same(rules(late), ['event:late-ack', 'event:late-renew'])
  t.match(late[0]!.message, /acknowledges 0 500 ms after the acquisition lock ran out/)
  t.match(late[1]!.message, /renews 1 600 ms after/)

  const [hbReq, hbRes] = f.heartbeat(5, 110)
  const fenced = run([[1700, hbReq], [1701, hbRes]], checker)
  t.same(rules(fenced), ['event:fenced-holding'])
  t.match(fenced[0]!.message, /FENCED_MEMBER_EPOCH.*holding 3 records/)

  const closed = run([[1800, f.acknowledge(-1, [b(2, 2, 1)])], [1801, f.acknowledged()]], checker)
  t.same(rules(closed), ['event:late-ack', 'event:held-at-close'])
  t.match(closed[1]!.message, /with 2 records still held, released implicitly: .*-0 1,3$/)
  const counts = checker.memberCounts(2000).get('member-1')!
  t.same(counts, { acquired: 4, accepted: 2, released: 2, rejected: 0, renewed: 1, expired: 4, held: 0 })
})

t.test('an ack the broker refused leaves the records held', async t => {
  const f = new ShareFrames(TOPIC)
  const checker = new ShareChecker()
  t.same(run([
    [0, f.fetch(0)], [1, f.fetched([[0n, 1n, 1]])],
    [2, f.fetch(1, [b(0, 1, 1)])], [3, f.fetched([], { acknowledgeErrorCode: 7 })],
    [4, f.acknowledge(2, [b(0, 1, 1)])], [5, f.acknowledged()]
  ], checker), [], 'the retried ack is for records still held')
  t.equal(checker.memberCounts(6).get('member-1')!.accepted, 2)
})
