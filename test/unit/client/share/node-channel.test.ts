import t from 'tap'
import { nextAction, type ChannelFacts } from '../../../../client/share/node-channel.js'

const idle: ChannelFacts = {
  busy: false, retryAt: 0, sessionIsNew: false, wantedCount: 1, hasAcks: false, hasRenew: false, acksSince: 0, flushRequested: false, fetchAllowed: true, holdsRecords: false
}
const NOW = 10_000
const FLUSH = 1000
const decide = (facts: Partial<ChannelFacts>): string => nextAction({ ...idle, ...facts }, NOW, FLUSH)

t.test('one request at a time per node, and nothing during a backoff', async t => {
  t.equal(decide({ busy: true, hasAcks: true, flushRequested: true }), 'idle')
  t.equal(decide({ retryAt: NOW + 1, hasAcks: true, hasRenew: true }), 'idle')
  t.equal(decide({ retryAt: NOW }), 'fetch')
})

t.test('a new session opens with a fetch only; never with an acknowledge', async t => {
  t.equal(decide({ sessionIsNew: true }), 'fetch')
  t.equal(decide({ sessionIsNew: true, hasAcks: true, flushRequested: true }), 'fetch')
  t.equal(decide({ sessionIsNew: true, fetchAllowed: false, hasAcks: true, flushRequested: true }), 'idle')
  t.equal(decide({ sessionIsNew: true, wantedCount: 0 }), 'idle')
})

t.test('acks ride on a fetch that goes now', async t => {
  t.equal(decide({ hasAcks: true, acksSince: NOW }), 'fetch')
  t.equal(decide({ hasAcks: true, acksSince: NOW - FLUSH + 1 }), 'fetch')
})

t.test('acks go alone when they cannot wait', async t => {
  t.equal(decide({ hasAcks: true, hasRenew: true, acksSince: NOW }), 'acknowledge', 'renew')
  t.equal(decide({ hasAcks: true, flushRequested: true, acksSince: NOW }), 'acknowledge', 'commit')
  t.equal(decide({ hasAcks: true, wantedCount: 0, acksSince: NOW }), 'acknowledge', 'no fetch will come to this node')
  t.equal(decide({ hasAcks: true, fetchAllowed: false, acksSince: NOW - FLUSH }), 'acknowledge', 'waited flushDelayMs')
  t.equal(decide({ hasAcks: true, fetchAllowed: false, acksSince: NOW - FLUSH + 1 }), 'idle', 'still within flushDelayMs')
})

t.test('acks that no fetch will carry linger briefly, so that acks arriving close together share a request', async t => {
  const LINGER = 50
  const lingering = (facts: Partial<ChannelFacts>): string => nextAction({ ...idle, ...facts }, NOW, FLUSH, LINGER)
  t.equal(lingering({ hasAcks: true, wantedCount: 0, acksSince: NOW - LINGER + 1 }), 'idle', 'no fetch will come: they wait for company')
  t.equal(lingering({ hasAcks: true, wantedCount: 0, acksSince: NOW - LINGER }), 'acknowledge', 'then go')
  t.equal(lingering({ hasAcks: true, flushRequested: true, wantedCount: 0, acksSince: NOW }), 'acknowledge', 'a commit does not wait')
  t.equal(lingering({ hasAcks: true, hasRenew: true, acksSince: NOW }), 'acknowledge', 'a renew does not wait')
})

t.test('no fetch when not allowed or nothing to fetch', async t => {
  t.equal(decide({ fetchAllowed: false }), 'idle')
  t.equal(decide({ wantedCount: 0, holdsRecords: true }), 'idle')
})

t.test('a session whose partitions all moved away closes once nothing of it is held or waiting', async t => {
  t.equal(decide({ wantedCount: 0 }), 'close')
  t.equal(decide({ wantedCount: 0, holdsRecords: true }), 'idle', 'records held: their acks need the session')
  t.equal(decide({ wantedCount: 0, hasAcks: true, acksSince: NOW }), 'acknowledge', 'acks first')
  t.equal(decide({ wantedCount: 0, sessionIsNew: true }), 'idle', 'no session to close')
  t.equal(decide({ wantedCount: 0, busy: true }), 'idle')
})
