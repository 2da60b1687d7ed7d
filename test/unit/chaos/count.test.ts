import t from 'tap'
import { countRun, explain, failures, formatTable, longestGap, recovery, type AckOutcome, type ChaosEvent, type HandOut } from '../../chaos/count.js'

function out (w: string, seq: number, t: number, dc = 1, p = seq % 6, o = String(Math.floor(seq / 6))): HandOut {
  return { k: 'out', t, w, seq, p, o, dc }
}

function ack (w: string, seq: number, t: number, err: string | null = null, p = seq % 6, o = String(Math.floor(seq / 6))): AckOutcome {
  return { k: 'ack', t, w, seq, p, o, err }
}

const produced = (n: number): Set<number> => new Set(Array.from({ length: n }, (_, i) => i))

t.test('every record handed out and accepted once: nothing lost, nothing twice', async t => {
  const events: ChaosEvent[] = []
  for (let s = 0; s < 12; s++) events.push(out(s % 2 === 0 ? 'w0' : 'w1', s, 100 + s), ack(s % 2 === 0 ? 'w0' : 'w1', s, 200 + s))
  events.push({ k: 'req', t: 150, w: 'w0', api: 'ShareFetch', node: 1, ms: 9000, err: '6' }) // traced requests are not counted
  const c = countRun({ produced: produced(12), events, lagZero: true })
  t.match(c, { produced: 12, lost: 0, neverConsumed: 0, handedTwice: 0, acceptedTwice: 0, writtenTwice: 0, unexpected: 0, drained: 0, errors: {}, longestPauseMs: 1, recoverMs: null })
  t.same(failures(c), [])
  t.equal(explain(c, 'why'), '-')
})

t.test('a record only the drain got was never consumed by the workers, but is not lost', async t => {
  const c = countRun({ produced: produced(3), events: [out('w0', 0, 1), ack('w0', 0, 2), out('w0', 1, 1), ack('w0', 1, 2), out('drain', 2, 9), ack('drain', 2, 10)], lagZero: true })
  t.match(c, { lost: 0, neverConsumed: 1, neverConsumedSample: [2], drained: 1, handedTwice: 0 })
  t.same(failures(c), ['1 never consumed by the workers (e.g. seq 2)'])
})

t.test('a record handed out but never accepted by anyone is lost; a failed accept is an error, not an accept', async t => {
  const c = countRun({ produced: produced(2), events: [out('w0', 0, 1), ack('w0', 0, 2), out('w1', 1, 1), ack('w1', 1, 3, 'ShareSessionLostError')], lagZero: false })
  t.match(c, { lost: 1, lostSample: [1], neverConsumed: 0, errors: { ShareSessionLostError: 1 } })
  t.same(failures(c), ['1 lost (e.g. seq 1)', 'lag not 0 after the drain'])
})

t.test('an accept that failed with a connection error, never delivered again, lag 0: in doubt and applied, not lost', async t => {
  const events = [out('w0', 0, 1), ack('w0', 0, 2, 'ConnectionError(ConnectionError)'), out('w0', 1, 1), ack('w0', 1, 2, 'RequestTimeoutError')]
  const c = countRun({ produced: produced(2), events, lagZero: true })
  t.match(c, { lost: 0, ackInDoubt: 2, errors: { 'ConnectionError(ConnectionError)': 1, RequestTimeoutError: 1 } })
  t.same(failures(c), [])
  t.match(explain(c, 'why'), /^2 accepts the client could not confirm .*the broker applied them/)
  const late = countRun({ produced: produced(1), events: [out('w0', 0, 1), ack('w0', 0, 2, 'LockExpiredError')], lagZero: true })
  t.match(late, { lost: 0, ackInDoubt: 1 }, 'success answered after the lock ran out, nobody else got it: applied')
  const refusedLate = countRun({ produced: produced(1), events: [out('w0', 0, 1), ack('w0', 0, 2, 'LockExpiredError(BrokerResponseError:INVALID_RECORD_STATE)')], lagZero: true })
  t.match(refusedLate, { lost: 1, ackInDoubt: 0 }, 'a refused late accept is no doubt')
  const lagging = countRun({ produced: produced(2), events, lagZero: false })
  t.match(lagging, { lost: 2, ackInDoubt: 0 }, 'with lag left the broker did not take them: lost')
  const refused = countRun({ produced: produced(1), events: [out('w0', 0, 1), ack('w0', 0, 2, 'ShareSessionLostError')], lagZero: true })
  t.match(refused, { lost: 1, ackInDoubt: 0 }, 'an accept known not to have been sent is no doubt')
  const again = countRun({ produced: produced(1), events: [out('w0', 0, 1), ack('w0', 0, 2, 'ConnectionError'), out('w1', 0, 5)], lagZero: true })
  t.match(again, { lost: 1, ackInDoubt: 0 }, 'delivered again and then accepted by nobody: lost')
})

t.test('redelivery: handed out twice; both accepts applied is accepted twice; a delivery count that did not grow is told apart', async t => {
  const events = [
    out('w0', 0, 1, 1), ack('w0', 0, 5, 'LeaderMovedError'), out('w1', 0, 6, 1), ack('w1', 0, 7),
    out('w0', 1, 1, 1), out('w1', 1, 8, 2), ack('w1', 1, 9), ack('w0', 1, 10)
  ]
  const c = countRun({ produced: produced(2), events, lagZero: true })
  t.match(c, { handedTwice: 2, acceptedTwice: 1, redeliveredSameCount: 1, lost: 0, errors: { LeaderMovedError: 1 } })
  t.same(failures(c), [], 'duplicates alone do not fail a scenario')
  t.match(explain(c, 'leader moved'), /^leader moved; 1 came back with the same delivery count .*; 1 accepted twice \(two accepts logged as applied\)$/)
})

t.test('acks without a seq are matched to the hand-out at the same partition and offset (framework workers)', async t => {
  const c = countRun({ produced: produced(1), events: [out('w0', 0, 1, 1, 3, '42'), { k: 'ack', t: 2, w: 'w0', seq: -1, p: 3, o: '42', err: null }], lagZero: true })
  t.match(c, { lost: 0, acceptedTwice: 0 })
})

t.test('a seq at two offsets was written twice; a seq the producer never confirmed is unexpected; app errors count by class', async t => {
  const events: ChaosEvent[] = [
    out('w0', 0, 1, 1, 0, '0'), ack('w0', 0, 2, null, 0, '0'), out('w0', 0, 3, 1, 0, '1'), ack('w0', 0, 4, null, 0, '1'),
    out('w0', 7, 5), ack('w0', 7, 6),
    { k: 'err', t: 3, w: 'producer', cls: 'SendError', msg: 'x' }, { k: 'err', t: 4, w: 'w1', cls: 'SendError', msg: 'y' }
  ]
  const c = countRun({ produced: produced(1), events, lagZero: true })
  t.match(c, { writtenTwice: 1, unexpected: 1, acceptedTwice: 1, errors: { SendError: 2 } })
  t.same(failures(c), ['1 written twice by the idempotent producer', '1 consumed but never confirmed to the producer'])
})

t.test('longest pause and recovery', async t => {
  t.equal(longestGap([]), 0)
  t.equal(longestGap([5, 7, 20, 21]), 13)
  const accepts = [ack('w0', 0, 100, null, 0), ack('w0', 1, 1500, null, 1), ack('w0', 2, 900, null, 0), ack('w0', 3, 50, null, 1)]
  t.equal(recovery(accepts, 80), 1420, 'the slowest partition after the fault: partition 1 at 1500')
  t.equal(recovery(accepts, 2000), null, 'no accept after the fault')
  const c = countRun({ produced: produced(4), events: [...accepts, ...[0, 1, 2, 3].map(s => out('w0', s, 10, 1, s % 2))], faultAt: 80, lagZero: true })
  t.equal(c.longestPauseMs, 800, 'pause between the workers\' accepts at 100 and 900')
  t.equal(c.recoverMs, 1420)
})

t.test('the table: one aligned line per scenario, failures and explanations in the last column', async t => {
  const c = countRun({ produced: produced(2), events: [out('w0', 0, 1), ack('w0', 0, 2), out('drain', 1, 3), ack('drain', 1, 4)], lagZero: true })
  const text = formatTable([
    { scenario: 'a', pass: false, counts: c, explanation: '-', problems: failures(c), faults: [], durationMs: 1500 },
    { scenario: 'timed-out', pass: false, counts: null, explanation: '-', problems: ['stopped: hard timeout'], faults: [], durationMs: 10 }
  ])
  const lines = text.split('\n')
  t.equal(lines.length, 3)
  t.match(lines[0], /^scenario +\| result \| produced \| lost \| ack in doubt \| never consumed \|/)
  t.match(lines[1], /^a +\| FAIL +\| 2 +\| 0 +\| 0 +\| 1 +\|.*\| 1\.5s \| 1 never consumed by the workers \(e\.g\. seq 1\)$/)
  t.match(lines[2], /^timed-out +\| FAIL +\| - .*stopped: hard timeout$/)
  t.equal(lines[0]!.indexOf('| result'), lines[1]!.indexOf('| FAIL'), 'columns aligned')
})
