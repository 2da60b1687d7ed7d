import t from 'tap'
import type { ApiDefinition, ResponseOf } from '../../../../protocol/api.js'
import { ErrorCode } from '../../../../protocol/error-codes.js'
import type { ShareAcknowledge } from '../../../../protocol/messages/share-acknowledge.js'
import type { ShareFetch } from '../../../../protocol/messages/share-fetch.js'
import type { LeaderHintResponse } from '../../../../client/cluster.js'
import { ConnectionError, RequestTimeoutError, type KafkaError } from '../../../../client/errors.js'
import { ACCEPT, GAP, RELEASE, RENEW } from '../../../../protocol/acknowledge-type.js'
import type { AcknowledgementResult } from '../../../../client/share/ack-results.js'
import type { PartitionAssembler } from '../../../../client/share/assemble-deliveries.js'
import { LeaderMovedError, LockExpiredError, ShareSessionLostError } from '../../../../client/share/share-errors.js'
import { ShareFetcher, type FetchConnection } from '../../../../client/share/share-fetcher.js'
import { SILENT_LOGGER } from '../../../../client/share/logger.js'
import type { Delivery } from '../../../../client/share/share-record.js'

// The fetcher's decisions against a scripted connection: what each request carries, in what
// order, and what becomes of acks when sessions end. (The broker itself is exercised in
// test/integration/share.)

const T = 'AAAAAAAAAAAAAAAAAAAAAg'
const P0 = { topicId: T, topic: 'jobs', partition: 0 }
const P1 = { topicId: T, topic: 'jobs', partition: 1 }

interface Sent {
  api: string
  body: any
  resolve: (response: unknown) => void
  reject: (err: Error) => void
}

class FakeConnection {
  readonly sent: Sent[] = []
  private readonly listeners: Array<(error: KafkaError) => void> = []
  private waiters: Array<() => void> = []

  constructor (readonly id: number) {}

  send (api: ApiDefinition, body: unknown): Promise<any> {
    return new Promise((resolve, reject) => {
      this.sent.push({ api: api.name, body, resolve, reject })
      for (const w of this.waiters.splice(0)) w()
    })
  }

  onClose (listener: (error: KafkaError) => void): () => void {
    this.listeners.push(listener)
    return () => {}
  }

  versionFor (api: ApiDefinition): number {
    return api.maxVersion
  }

  readonly nodeId = 1
  readonly finalizedFeatures = new Map([['share.version', 1]])

  supports (): boolean {
    return true
  }

  close (): void {
    const error = new ConnectionError('peer closed', 'reset', 'localhost', 9092)
    for (const l of this.listeners) l(error)
    for (const s of this.sent) s.reject(error)
  }

  private cursor = 0

  /** The next request not looked at yet (waits for it). */
  async next (): Promise<Sent> {
    while (this.sent.length <= this.cursor) await new Promise<void>(resolve => this.waiters.push(resolve))
    return this.sent[this.cursor++]!
  }
}

function fetchResponse (partitions: Array<{ partition: number, acquired?: [number, number], ackError?: number, error?: number }>, errorCode = 0): ResponseOf<typeof ShareFetch> {
  return {
    throttleTimeMs: 0,
    errorCode,
    errorMessage: null,
    acquisitionLockTimeoutMs: 30_000,
    responses: partitions.length === 0
      ? []
      : [{
          topicId: T,
          partitions: partitions.map(p => ({
            partitionIndex: p.partition,
            errorCode: p.error ?? 0,
            errorMessage: null,
            acknowledgeErrorCode: p.ackError ?? 0,
            acknowledgeErrorMessage: null,
            currentLeader: { leaderId: -1, leaderEpoch: -1 },
            records: Buffer.alloc(0),
            acquiredRecords: p.acquired === undefined ? [] : [{ firstOffset: BigInt(p.acquired[0]), lastOffset: BigInt(p.acquired[1]), deliveryCount: 1 }]
          }))
        }],
    nodeEndpoints: []
  }
}

function ackResponse (partitions: Array<{ partition: number, error?: number }>, errorCode = 0): ResponseOf<typeof ShareAcknowledge> {
  return {
    throttleTimeMs: 0,
    errorCode,
    errorMessage: null,
    acquisitionLockTimeoutMs: 30_000,
    responses: [{ topicId: T, partitions: partitions.map(p => ({ partitionIndex: p.partition, errorCode: p.error ?? 0, errorMessage: null, currentLeader: { leaderId: -1, leaderEpoch: -1 } })) }],
    nodeEndpoints: []
  }
}

// Every acquired offset becomes a record, except offset 99, which is a gap.
const assemble: PartitionAssembler = (data, context) => {
  const deliveries: Delivery[] = []
  const acks = []
  for (const range of data.acquiredRecords) {
    for (let o = range.firstOffset; o <= range.lastOffset; o++) {
      if (o === 99n) {
        acks.push({ firstOffset: o, lastOffset: o, typeId: GAP })
        continue
      }
      const record = { topic: context.target.topic, partition: context.target.partition, offset: o, timestamp: 0, key: null, value: null, headers: [], deliveryCount: range.deliveryCount, lockDeadline: context.lockDeadline }
      deliveries.push({ record, target: context.target, nodeId: context.nodeId, generation: context.generation, renewAskedAt: -1, superseded: false })
    }
  }
  return { deliveries, acks, corrupt: [] }
}

interface Setup {
  fetcher: ShareFetcher
  conns: FakeConnection[]
  results: AcknowledgementResult[]
  errors: KafkaError[]
  clock: { offset: number }
  /** Leader hints the fetcher passed on (from acknowledgement errors). */
  hints: LeaderHintResponse[]
  /** Nodes reported unreachable, with the partitions they lead. */
  unreachable: Array<{ nodeId: number, partitions: number[] }>
  /** Records the application holds, by delivering node. */
  held: Map<number, number>
  /** How often the fetcher said a waiting poll can take records. */
  ready: { count: number }
}

/** A scripted fetcher; `connectionFor` gives each leader its own connection (default: the last of `conns` serves all). */
function setup (options: { recordLimit?: boolean, connectionFor?: (nodeId: number) => FakeConnection } = {}): Setup {
  const conns: FakeConnection[] = [new FakeConnection(1)]
  const results: AcknowledgementResult[] = []
  const errors: KafkaError[] = []
  const hints: LeaderHintResponse[] = []
  const unreachable: Setup['unreachable'] = []
  const held = new Map<number, number>()
  const clock = { offset: 0 } // real time, plus jumps a test makes
  const ready = { count: 0 }
  const fetcher = new ShareFetcher({
    groupId: 'g',
    memberId: 'm',
    limits: { maxWaitMs: 500, minBytes: 1, maxBytes: 1 << 20, maxRecords: 500, batchSize: 500, shareAcquireMode: 0 },
    requestTimeoutMs: 30_000,
    retryBackoff: { initialMs: 1, maxMs: 1 },
    recordLimit: options.recordLimit === true,
    cluster: { connection: async nodeId => (options.connectionFor?.(nodeId) ?? conns[conns.length - 1]!) as unknown as FetchConnection },
    assemble,
    heldFrom: nodeId => held.get(nodeId) ?? 0,
    logger: SILENT_LOGGER,
    now: () => Date.now() + clock.offset,
    events: {
      records: () => {},
      ready: () => { ready.count++ },
      results: r => results.push(...r),
      partitionError: () => {},
      error: e => errors.push(e),
      lockTimeout: () => {},
      leaderHints: h => hints.push(h),
      nodeUnreachable: (nodeId, partitions) => unreachable.push({ nodeId, partitions: partitions.map(p => p.partition) })
    }
  })
  fetcher.startFetching() // as after a first poll; no poll waits
  return { fetcher, conns, results, errors, clock, hints, unreachable, held, ready }
}

const tick = (): Promise<void> => new Promise(resolve => setImmediate(resolve))

/** Gives the node its partitions and answers the session-opening fetch with `response`. */
async function open (fetcher: ShareFetcher, conn: FakeConnection, partitions: typeof P0[], response: ResponseOf<typeof ShareFetch>): Promise<void> {
  fetcher.setPartitions(new Map([[1, partitions]]))
  ;(await conn.next()).resolve(response)
  await tick()
}

t.test('epoch 0 opens the session without acks; acks then ride on the next fetch (piggyback)', async t => {
  const { fetcher, conns: [conn], results } = setup()
  fetcher.setPartitions(new Map([[1, [P0]]]))
  const open = await conn!.next()
  t.equal(open.api, 'ShareFetch')
  t.equal(open.body.shareSessionEpoch, 0)
  t.same(open.body.topics, [{ topicId: T, partitions: [{ partitionIndex: 0, acknowledgementBatches: [] }] }])
  open.resolve(fetchResponse([{ partition: 0, acquired: [10, 12] }]))
  await tick()
  t.equal(conn!.sent.length, 1, 'no prefetch while this node\'s records wait in the buffer')
  const taken = fetcher.take(10)
  t.equal(taken.length, 3)
  for (const d of taken) fetcher.acknowledge(d, ACCEPT)
  fetcher.pump()
  const next = await conn!.next()
  t.equal(next.api, 'ShareFetch')
  t.equal(next.body.shareSessionEpoch, 1)
  t.same(next.body.topics, [{ topicId: T, partitions: [{ partitionIndex: 0, acknowledgementBatches: [{ firstOffset: 10n, lastOffset: 12n, acknowledgeTypes: [ACCEPT] }] }] }])
  t.same(next.body.forgottenTopicsData, [])
  t.equal(next.body.maxRecords, 500, 'a real fetch, not ack-only')
  next.resolve(fetchResponse([{ partition: 0, ackError: 0 }]))
  await tick()
  t.same(results.map(r => [r.partition, r.offsets, r.error]), [[0, [10n, 11n, 12n], null]])
})

t.test('a record\'s lock deadline counts from when its fetch was sent, not from when the answer arrived', async t => {
  const { fetcher, conns: [conn], clock } = setup()
  fetcher.setPartitions(new Map([[1, [P0]]]))
  const sent = await conn!.next()
  const sentAt = Date.now() + clock.offset
  clock.offset += 2_000 // the answer takes 2 s to arrive and be read (a loaded machine)
  sent.resolve(fetchResponse([{ partition: 0, acquired: [0, 0] }]))
  await tick()
  const [d] = fetcher.take(1)
  // The broker acquired the record after the request left: its 30 s lock ends no earlier than
  // sentAt + 30 s, and may end before arrival + 30 s, so an ack made in between is not on time.
  t.ok(d!.record.lockDeadline >= sentAt + 30_000 && d!.record.lockDeadline < sentAt + 30_000 + 1_000,
    `deadline ${d!.record.lockDeadline - sentAt} ms after the send`)
})

t.test('gaps are acknowledged automatically on the next request', async t => {
  const { fetcher, conns: [conn] } = setup()
  await open(fetcher, conn!, [P0], fetchResponse([{ partition: 0, acquired: [98, 99] }]))
  fetcher.take(10)
  fetcher.pump()
  const next = await conn!.next()
  t.same(next.body.topics[0].partitions[0].acknowledgementBatches, [{ firstOffset: 99n, lastOffset: 99n, acknowledgeTypes: [GAP] }])
})

t.test('acks that cannot ride on a fetch go alone once they waited flushDelayMs', async t => {
  const { fetcher, conns: [conn], clock } = setup()
  await open(fetcher, conn!, [P0], fetchResponse([{ partition: 0, acquired: [0, 9] }]))
  const [first] = fetcher.take(1) // 9 records stay buffered: no fetch is due
  fetcher.acknowledge(first!, ACCEPT)
  fetcher.pump()
  await tick()
  t.equal(conn!.sent.length, 1, 'the ack waits for a fetch to ride on')
  clock.offset += fetcher.flushDelayMs
  fetcher.pump()
  t.match(await conn!.next(), { api: 'ShareAcknowledge', body: { shareSessionEpoch: 1, isRenewAck: false } })
})

t.test('acks waiting with records buffered: the fetcher sleeps until their flush delay, it does not spin', async t => {
  const { fetcher, conns: [conn] } = setup()
  await open(fetcher, conn!, [P0], fetchResponse([{ partition: 0, acquired: [0, 9] }]))
  const [first] = fetcher.take(1) // 9 records stay buffered: no fetch is due
  let pumps = 0
  const pump = fetcher.pump.bind(fetcher)
  fetcher.pump = () => { pumps++; pump() }
  fetcher.acknowledge(first!, ACCEPT)
  fetcher.pump()
  await new Promise(resolve => setTimeout(resolve, 300)) // past the 50 ms linger, within the 1 s flush delay
  t.ok(pumps <= 5, `${pumps} pumps in 300 ms`)
  t.equal(conn!.sent.length, 1, 'the ack still waits for its flush delay')
})

t.test('renew goes in a ShareAcknowledge with IsRenewAck at once; fetching continues after', async t => {
  const { fetcher, conns: [conn] } = setup()
  await open(fetcher, conn!, [P0], fetchResponse([{ partition: 0, acquired: [0, 2] }]))
  const [a, b] = fetcher.take(2) // one stays buffered: no fetch is due
  fetcher.acknowledge(a!, RENEW)
  fetcher.acknowledge(b!, ACCEPT)
  fetcher.pump()
  const renew = await conn!.next()
  t.match(renew, { api: 'ShareAcknowledge', body: { isRenewAck: true } })
  t.same(renew.body.topics[0].partitions[0].acknowledgementBatches, [{ firstOffset: 0n, lastOffset: 1n, acknowledgeTypes: [RENEW, ACCEPT] }])
  renew.resolve(ackResponse([{ partition: 0 }]))
  await tick()
  fetcher.take(1)
  t.match(await conn!.next(), { api: 'ShareFetch', body: { shareSessionEpoch: 2, isRenewAck: false } })
})

t.test('a partition that moved away: its acks go to the node that delivered it, in topics and forgotten', async t => {
  const { fetcher, conns: [conn] } = setup()
  await open(fetcher, conn!, [P0, P1], fetchResponse([{ partition: 1, acquired: [5, 5] }]))
  const [d] = fetcher.take(10)
  fetcher.acknowledge(d!, RELEASE)
  fetcher.setPartitions(new Map([[1, [P0]], [2, []]])) // partition 1 now led elsewhere
  const next = await conn!.next()
  t.equal(next.api, 'ShareFetch')
  t.same(next.body.topics, [{ topicId: T, partitions: [{ partitionIndex: 1, acknowledgementBatches: [{ firstOffset: 5n, lastOffset: 5n, acknowledgeTypes: [RELEASE] }] }] }])
  t.same(next.body.forgottenTopicsData, [{ topicId: T, partitions: [1] }], 'forgotten: it leaves the session and acks without rejoining it')
})

t.test('node with no partitions left: acks go in a ShareAcknowledge after a short linger, together', async t => {
  const { fetcher, conns: [conn] } = setup()
  await open(fetcher, conn!, [P0], fetchResponse([{ partition: 0, acquired: [5, 7] }]))
  const [d, e] = fetcher.take(2) // one stays buffered: no fetch is due
  fetcher.setPartitions(new Map())
  fetcher.acknowledge(d!, ACCEPT)
  fetcher.pump()
  await tick()
  t.equal(conn!.sent.length, 1, 'not at once')
  fetcher.acknowledge(e!, ACCEPT)
  const ack = await conn!.next()
  t.equal(ack.api, 'ShareAcknowledge')
  t.same(ack.body.topics[0].partitions[0].acknowledgementBatches, [{ firstOffset: 5n, lastOffset: 6n, acknowledgeTypes: [ACCEPT] }], 'both acks in one request')
})

t.test('session errors: in-flight acks fail as session lost, buffered records are dropped, next request is epoch 0 without acks', async t => {
  for (const code of [ErrorCode.SHARE_SESSION_NOT_FOUND, ErrorCode.INVALID_SHARE_SESSION_EPOCH, ErrorCode.SHARE_SESSION_LIMIT_REACHED]) {
    const { fetcher, conns: [conn], results } = setup()
    await open(fetcher, conn!, [P0], fetchResponse([{ partition: 0, acquired: [0, 3] }]))
    const taken = fetcher.take(2)
    for (const d of taken) fetcher.acknowledge(d, ACCEPT)
    // Two records stay buffered; flush to force the acks out.
    const flushed = fetcher.flush(10_000)
    const ack = await conn!.next()
    ack.resolve(ackResponse([], code))
    const flushResults = await flushed
    t.type(flushResults[0]?.error, ShareSessionLostError, `code ${code}: acks reported as session lost`)
    t.equal(results.length, 1)
    t.same(fetcher.take(10), [], 'records of the lost session are not handed out')
    const reopen = await conn!.next()
    t.equal(reopen.api, 'ShareFetch')
    t.equal(reopen.body.shareSessionEpoch, 0)
    t.same(reopen.body.topics[0].partitions[0].acknowledgementBatches, [], 'no acks on epoch 0 (KAFKA-18198)')
    // Acks for records of the old session now fail at once instead of hanging (KAFKA-18164).
    const late = fetcher.acknowledge(taken[0]!, RELEASE)
    t.type(late?.error, ShareSessionLostError)
  }
})

t.test('a lost connection ends the session: queued acks fail, the next fetch (new connection) opens at epoch 0', async t => {
  const { fetcher, conns, results } = setup()
  await open(fetcher, conns[0]!, [P0], fetchResponse([{ partition: 0, acquired: [0, 3] }]))
  const taken = fetcher.take(1)
  fetcher.acknowledge(taken[0]!, ACCEPT)
  conns.push(new FakeConnection(2))
  conns[0]!.close()
  await tick()
  t.type(results[0]?.error, ShareSessionLostError, 'the queued ack failed')
  t.same(fetcher.take(10), [], 'buffered records dropped: the broker released them')
  fetcher.pump()
  const reopen = await conns[1]!.next()
  t.equal(reopen.body.shareSessionEpoch, 0)
})

t.test('a request timeout resets the session (its effect is unknown) and fails its acks', async t => {
  const { fetcher, conns: [conn], results } = setup()
  await open(fetcher, conn!, [P0], fetchResponse([{ partition: 0, acquired: [0, 0] }]))
  const [d] = fetcher.take(1)
  fetcher.acknowledge(d!, ACCEPT)
  fetcher.pump()
  const carrying = await conn!.next()
  t.equal(carrying.body.shareSessionEpoch, 1)
  carrying.reject(new RequestTimeoutError('timed out', 30_500, 7))
  const reopen = await conn!.next()
  t.equal(reopen.body.shareSessionEpoch, 0)
  t.type(results[0]?.error, RequestTimeoutError)
})

t.test('other top-level errors keep the session (the epoch advances) and report the acks with that error', async t => {
  const { fetcher, conns: [conn], results, errors } = setup()
  await open(fetcher, conn!, [P0], fetchResponse([{ partition: 0, acquired: [0, 0] }]))
  fetcher.acknowledge(fetcher.take(1)[0]!, ACCEPT)
  fetcher.pump()
  ;(await conn!.next()).resolve(fetchResponse([], ErrorCode.GROUP_AUTHORIZATION_FAILED))
  const next = await conn!.next()
  t.equal(next.body.shareSessionEpoch, 2)
  t.match(results[0]?.error?.message, /GROUP_AUTHORIZATION_FAILED/)
  t.match(errors[0]?.message, /GROUP_AUTHORIZATION_FAILED/, 'non-retriable errors reach the application')
})

t.test('flush: ShareAcknowledge now, results per partition; unanswered partitions time out', async t => {
  const { fetcher, conns: [conn] } = setup()
  await open(fetcher, conn!, [P0, P1], fetchResponse([{ partition: 0, acquired: [0, 1] }, { partition: 1, acquired: [0, 1] }]))
  fetcher.stopFetching() // no fetch to ride on
  const taken = fetcher.take(10)
  for (const d of taken) fetcher.acknowledge(d, ACCEPT)
  const flushed = fetcher.flush(10_000)
  const ack = await conn!.next()
  t.equal(ack.api, 'ShareAcknowledge')
  ack.resolve(ackResponse([{ partition: 0 }, { partition: 1, error: ErrorCode.INVALID_RECORD_STATE }]))
  const results = (await flushed).sort((a, b) => a.partition - b.partition)
  t.same(results.map(r => [r.partition, r.offsets, r.error?.message.slice(0, 20) ?? null]), [[0, [0n, 1n], null], [1, [0n, 1n], 'INVALID_RECORD_STATE']])
  fetcher.acknowledge(taken[0]!, RELEASE)
  const slow = fetcher.flush(20)
  await conn!.next() // sent, never answered
  const [timedOut] = await slow
  t.type(timedOut?.error, RequestTimeoutError)
})

t.test('close: ShareAcknowledge with epoch -1 carrying the waiting acks, after the request in flight', async t => {
  const { fetcher, conns: [conn] } = setup()
  await open(fetcher, conn!, [P0], fetchResponse([{ partition: 0, acquired: [0, 0] }]))
  const [d] = fetcher.take(1)
  fetcher.pump()
  const inFlight = await conn!.next() // the prefetch
  fetcher.acknowledge(d!, ACCEPT)
  const closing = fetcher.close()
  await tick()
  t.equal(conn!.sent.length, 2, 'waits for the fetch in flight')
  inFlight.resolve(fetchResponse([]))
  const final = await conn!.next()
  t.equal(final.api, 'ShareAcknowledge')
  t.equal(final.body.shareSessionEpoch, -1)
  t.equal(final.body.topics.length, 1)
  final.resolve(ackResponse([{ partition: 0 }]))
  t.same((await closing).map(r => r.error), [null])
})

t.test('close: a session never opened sends nothing', async t => {
  const { fetcher, conns: [conn] } = setup()
  fetcher.stopFetching()
  fetcher.setPartitions(new Map([[1, [P0]]]))
  t.same(await fetcher.close(), [])
  t.equal(conn!.sent.length, 0)
})

t.test('record_limit: fetch only for a waiting poll with nothing buffered', async t => {
  const { fetcher, conns: [conn] } = setup({ recordLimit: true })
  fetcher.setPartitions(new Map([[1, [P0]]]))
  await tick()
  t.equal(conn!.sent.length, 0, 'no poll waiting: no fetch')
  fetcher.awaitRecords(500, Date.now() + 10_000)
  ;(await conn!.next()).resolve(fetchResponse([{ partition: 0, acquired: [0, 0] }]))
  await tick()
  fetcher.take(1)
  await tick()
  t.equal(conn!.sent.length, 1, 'no prefetch in record_limit mode')
})

t.test('a partition that moved to another leader: acks for the old leader\'s deliveries are refused with NOT_LEADER_OR_FOLLOWER', async t => {
  const { fetcher, conns: [conn] } = setup()
  await open(fetcher, conn!, [P0, P1], fetchResponse([{ partition: 0, acquired: [0, 1] }, { partition: 1, acquired: [0, 0] }]))
  const [a, b, c] = fetcher.take(10)
  fetcher.setPartitions(new Map([[1, [P1]], [2, [P0]]])) // partition 0 is now led by node 2
  const refused = fetcher.acknowledge(a!, ACCEPT)
  t.type(refused?.error, LeaderMovedError)
  t.match(refused, { partition: 0, offsets: [a!.record.offset], error: { code: ErrorCode.NOT_LEADER_OR_FOLLOWER, errorName: 'NOT_LEADER_OR_FOLLOWER', brokerId: 1, retriable: false } })
  t.equal(fetcher.acknowledge(c!, ACCEPT), undefined, 'partition 1 stays with node 1: queued')
  fetcher.setPartitions(new Map([[1, [P1]]])) // partition 0 no longer assigned: nothing new is known of its leader
  t.type(fetcher.acknowledge(b!, RENEW)?.error, LeaderMovedError, 'still moved')
  fetcher.setPartitions(new Map([[1, [P0, P1]]])) // and back to node 1
  t.equal(fetcher.acknowledge(b!, ACCEPT), undefined, 'led by the delivering node again: acks go')
})

t.test('leader moved takes precedence over a lost session (as Java: NOT_LEADER_OR_FOLLOWER, else NETWORK_EXCEPTION)', async t => {
  const { fetcher, conns } = setup()
  await open(fetcher, conns[0]!, [P0], fetchResponse([{ partition: 0, acquired: [0, 1] }]))
  const [a, b] = fetcher.take(10)
  conns.push(new FakeConnection(2))
  conns[0]!.close()
  await tick()
  t.type(fetcher.acknowledge(a!, ACCEPT)?.error, ShareSessionLostError, 'the session ended; no other leader known')
  fetcher.setPartitions(new Map([[2, [P0]]]))
  t.type(fetcher.acknowledge(b!, ACCEPT)?.error, LeaderMovedError, 'once another node leads the partition')
})

t.test('a failed request to a leader reports its partitions so they are looked up again', async t => {
  const { fetcher, conns, unreachable } = setup()
  await open(fetcher, conns[0]!, [P0, P1], fetchResponse([]))
  conns.push(new FakeConnection(2))
  conns[0]!.close()
  await tick()
  t.same(unreachable[0], { nodeId: 1, partitions: [0, 1] }, 'connection lost')
  const n = unreachable.length
  fetcher.pump()
  ;(await conns[1]!.next()).reject(new ConnectionError('refused', 'refused', 'localhost', 9092))
  await tick()
  t.ok(unreachable.length > n, 'connection refused')
  fetcher.setPartitions(new Map())
  const m = unreachable.length
  conns.push(new FakeConnection(3))
  conns[1]!.close()
  await tick()
  t.equal(unreachable.length, m, 'a node without partitions for us is not reported')
})

t.test('acknowledgement errors that mean the leader or topic changed are passed on as leader hints', async t => {
  const { fetcher, conns: [conn], hints, results: reported } = setup()
  await open(fetcher, conn!, [P0, P1], fetchResponse([{ partition: 0, acquired: [0, 0] }, { partition: 1, acquired: [0, 1] }]))
  const [a, b] = fetcher.take(2) // one stays buffered: no fetch is due
  fetcher.acknowledge(a!, ACCEPT)
  fetcher.acknowledge(b!, ACCEPT)
  const flushed = fetcher.flush(10_000)
  const ack = await conn!.next()
  const response = ackResponse([{ partition: 0, error: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }, { partition: 1, error: ErrorCode.INVALID_RECORD_STATE }])
  ack.resolve(response)
  const results = (await flushed).sort((x, y) => x.partition - y.partition)
  t.match(results.map(r => r.error?.message), [/UNKNOWN_TOPIC_OR_PARTITION/, /INVALID_RECORD_STATE/], 'reported as the broker answered, not retried')
  t.equal(hints.length, 1)
  t.equal(hints[0], response, 'the response, for its CurrentLeader / NodeEndpoints')
  // On a ShareFetch, only an ack-only partition's ack error tells (a fetch error reports itself).
  await tick()
  fetcher.take(1)
  ;(await conn!.next()).resolve(fetchResponse([{ partition: 0, acquired: [1, 1] }]))
  await tick()
  const [c] = fetcher.take(10)
  fetcher.setPartitions(new Map([[1, [P1]]])) // partition 0 unassigned: its ack rides along, ack-only
  fetcher.acknowledge(c!, ACCEPT)
  const carrying = await conn!.next()
  t.match(carrying, { api: 'ShareFetch', body: { forgottenTopicsData: [{ topicId: T, partitions: [0] }] } })
  carrying.resolve(fetchResponse([{ partition: 0, ackError: ErrorCode.NOT_LEADER_OR_FOLLOWER }]))
  await tick()
  t.type(reported.find(r => r.partition === 0 && r.offsets.includes(1n))?.error, LeaderMovedError, 'a piggybacked ack refused by the old leader: LeaderMovedError')
  t.match(hints[1], { responses: [{ topicId: T, partitions: [{ partitionIndex: 0, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER }] }] })
})

t.test('record_limit: a per-poll limit asks the broker for no more records than the poll takes', async t => {
  const { fetcher, conns: [conn] } = setup({ recordLimit: true })
  fetcher.setPartitions(new Map([[1, [P0]]]))
  fetcher.awaitRecords(3, Date.now() + 10_000)
  const limited = await conn!.next()
  t.match(limited.body, { maxRecords: 3, batchSize: 3 }, 'MaxRecords and BatchSize follow the poll')
  limited.resolve(fetchResponse([{ partition: 0, acquired: [0, 2] }]))
  await tick()
  fetcher.take(3)
  fetcher.awaitRecords(1000, Date.now() + 10_000)
  t.match((await conn!.next()).body, { maxRecords: 500, batchSize: 500 }, 'never more than maxPollRecords')
})

t.test('batch_optimized: the per-poll limit leaves fetching as configured', async t => {
  const { fetcher, conns: [conn] } = setup()
  fetcher.awaitRecords(3, Date.now() + 10_000)
  fetcher.setPartitions(new Map([[1, [P0]]]))
  t.match((await conn!.next()).body, { maxRecords: 500, batchSize: 500 })
})

/** Opens a session on P0 and P1 with one record each, acknowledges both and starts a commit. */
async function commitTwo (s: Setup, timeoutMs = 10_000): Promise<{ flushed: Promise<AcknowledgementResult[]>, first: Sent }> {
  await open(s.fetcher, s.conns[0]!, [P0, P1], fetchResponse([{ partition: 0, acquired: [0, 0] }, { partition: 1, acquired: [0, 0] }]))
  s.fetcher.stopFetching() // nothing to ride on: the commit sends a ShareAcknowledge
  for (const d of s.fetcher.take(10)) s.fetcher.acknowledge(d, ACCEPT)
  const flushed = s.fetcher.flush(timeoutMs)
  return { flushed, first: await s.conns[0]!.next() }
}

t.test('commit: a retriable partition error (the share coordinator moving) is retried for that partition only', async t => {
  const s = setup()
  const { flushed, first } = await commitTwo(s)
  first.resolve(ackResponse([{ partition: 0, error: ErrorCode.COORDINATOR_NOT_AVAILABLE }, { partition: 1 }]))
  const retry = await s.conns[0]!.next()
  t.equal(retry.api, 'ShareAcknowledge')
  t.equal(retry.body.shareSessionEpoch, first.body.shareSessionEpoch + 1, 'the session goes on')
  t.same(retry.body.topics, [{ topicId: T, partitions: [{ partitionIndex: 0, acknowledgementBatches: [{ firstOffset: 0n, lastOffset: 0n, acknowledgeTypes: [ACCEPT] }] }] }], 'only partition 0, same acks')
  retry.resolve(ackResponse([{ partition: 0 }]))
  const results = (await flushed).sort((a, b) => a.partition - b.partition)
  t.same(results.map(r => [r.partition, r.offsets, r.error]), [[0, [0n], null], [1, [0n], null]])
  t.equal(s.results.length, 2, 'listeners hear each partition once')
})

t.test('commit: leader and topic changes, and non-retriable errors, are not retried (as Java)', async t => {
  for (const code of [ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.FENCED_LEADER_EPOCH, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_ID, ErrorCode.INVALID_RECORD_STATE]) {
    const s = setup()
    const { flushed, first } = await commitTwo(s)
    first.resolve(ackResponse([{ partition: 0, error: code }, { partition: 1 }]))
    const results = (await flushed).sort((a, b) => a.partition - b.partition)
    t.equal((results[0]?.error as { code?: number } | null)?.code, code, `code ${code} reported`)
    if (code === ErrorCode.NOT_LEADER_OR_FOLLOWER || code === ErrorCode.FENCED_LEADER_EPOCH) t.type(results[0]?.error, LeaderMovedError, `code ${code}: a LeaderMovedError`)
    await tick()
    t.equal(s.conns[0]!.sent.filter(r => r.api === 'ShareAcknowledge').length, 1, `code ${code}: sent once`)
  }
})

t.test('commit: a retriable top-level error sends the acks again', async t => {
  const s = setup()
  const { flushed, first } = await commitTwo(s)
  first.resolve(ackResponse([], ErrorCode.REQUEST_TIMED_OUT))
  const retry = await s.conns[0]!.next()
  t.equal(retry.body.topics[0].partitions.length, 2, 'both partitions')
  retry.resolve(ackResponse([{ partition: 0 }, { partition: 1 }]))
  t.same((await flushed).map(r => r.error), [null, null])
})

t.test('commit: retries stop at the commit\'s deadline with a timeout naming the last error', async t => {
  const s = setup()
  const { flushed, first } = await commitTwo(s, 60)
  let attempts = 1
  let next: Sent | undefined = first
  const answering = (async () => {
    while (next !== undefined) {
      next.resolve(ackResponse([{ partition: 0, error: ErrorCode.COORDINATOR_NOT_AVAILABLE }, { partition: 1 }]))
      next = await Promise.race([s.conns[0]!.next(), new Promise<undefined>(resolve => setTimeout(() => resolve(undefined), 200))])
      if (next !== undefined) attempts++
    }
  })()
  const results = (await flushed).sort((a, b) => a.partition - b.partition)
  await answering
  t.ok(attempts >= 2, `${attempts} attempts, then none`)
  t.type(results[0]?.error, RequestTimeoutError, 'commitSync: partition 0 timed out')
  t.equal(results[1]?.error, null, 'partition 1 keeps its success')
  const reported = s.results.find(r => r.partition === 0)
  t.type(reported?.error, RequestTimeoutError, 'listeners: partition 0 gave up at the deadline')
  t.match(reported?.error?.message, /COORDINATOR_NOT_AVAILABLE/, 'naming the last error')
})

t.test('commit: a session lost while waiting to retry fails the rest as session lost', async t => {
  const s = setup()
  const { flushed, first } = await commitTwo(s)
  s.conns.push(new FakeConnection(2))
  first.resolve(ackResponse([{ partition: 0, error: ErrorCode.COORDINATOR_NOT_AVAILABLE }, { partition: 1 }]))
  s.conns[0]!.close() // before the retry goes out
  const results = (await flushed).sort((a, b) => a.partition - b.partition)
  t.type(results[0]?.error, ShareSessionLostError)
  t.equal(results[1]?.error, null)
})

t.test('close and piggybacked acks are not retried', async t => {
  const s = setup()
  await open(s.fetcher, s.conns[0]!, [P0], fetchResponse([{ partition: 0, acquired: [0, 1] }]))
  const [a, b] = s.fetcher.take(10)
  s.fetcher.acknowledge(a!, ACCEPT)
  s.fetcher.pump()
  const carrying = await s.conns[0]!.next()
  t.equal(carrying.api, 'ShareFetch')
  carrying.resolve(fetchResponse([{ partition: 0, ackError: ErrorCode.COORDINATOR_NOT_AVAILABLE }]))
  await tick()
  t.match(s.results[0]?.error?.message, /COORDINATOR_NOT_AVAILABLE/, 'piggybacked: reported as answered')
  s.fetcher.acknowledge(b!, ACCEPT)
  const closing = s.fetcher.close()
  // The piggybacking prefetch came back empty, so no other fetch is in flight: close goes at once.
  const final = await s.conns[0]!.next()
  t.equal(final.body.shareSessionEpoch, -1)
  final.resolve(ackResponse([{ partition: 0, error: ErrorCode.COORDINATOR_NOT_AVAILABLE }]))
  t.match((await closing)[0]?.error?.message, /COORDINATOR_NOT_AVAILABLE/, 'closing: reported as answered')
  t.equal(s.conns[0]!.sent.length, 3, 'nothing sent again')
})

t.test('a node whose partitions all moved away: its session closes (epoch -1) once the application holds nothing of it', async t => {
  const s = setup()
  await open(s.fetcher, s.conns[0]!, [P0], fetchResponse([{ partition: 0, acquired: [0, 1] }]))
  s.fetcher.take(1) // one stays buffered (no fetch is due), then is dropped when the partition moves
  s.held.set(1, 1) // handed out, not settled
  s.fetcher.setPartitions(new Map([[2, [P0]]]))
  const toNode2 = await s.conns[0]!.next() // (one fake connection serves both nodes)
  t.equal(toNode2.body.shareSessionEpoch, 0, 'node 2 opens its session')
  s.fetcher.stopFetching() // no more fetching in this test
  toNode2.resolve(fetchResponse([]))
  await tick()
  t.equal(s.conns[0]!.sent.length, 2, 'node 1 keeps its session while a record of it is held')
  s.held.delete(1) // settled (e.g. refused: the leader moved)
  s.fetcher.pump()
  const close = await s.conns[0]!.next()
  t.match(close, { api: 'ShareAcknowledge', body: { shareSessionEpoch: -1, topics: [] } }, 'then closes it')
  close.resolve(ackResponse([]))
  await tick()
  s.fetcher.pump()
  await tick()
  t.equal(s.conns[0]!.sent.length, 3, 'once')
  const closing = s.fetcher.close()
  const last = await s.conns[0]!.next()
  t.match(last.body, { shareSessionEpoch: -1 }, 'close() ends the session with node 2 only')
  last.resolve(ackResponse([]))
  await closing
  t.equal(s.conns[0]!.sent.length, 4)
})

t.test('records of a partition whose leader moved are dropped: buffered ones, and ones in a response that arrives after the move', async t => {
  const s = setup()
  await open(s.fetcher, s.conns[0]!, [P0, P1], fetchResponse([{ partition: 0, acquired: [0, 1] }, { partition: 1, acquired: [0, 0] }]))
  s.fetcher.setPartitions(new Map([[1, [P1]], [2, [P0]]]))
  t.same(s.fetcher.take(10).map(d => d.record.partition), [1], 'the buffered records of partition 0 are gone')

  const s2 = setup()
  await open(s2.fetcher, s2.conns[0]!, [P0, P1], fetchResponse([{ partition: 0, acquired: [0, 0] }]))
  s2.fetcher.take(10)
  s2.fetcher.pump()
  const inFlight = await s2.conns[0]!.next() // node 1 fetches partitions 0 and 1
  s2.fetcher.setPartitions(new Map([[1, [P1]], [2, [P0]]])) // meanwhile partition 0 moves to node 2
  inFlight.resolve(fetchResponse([{ partition: 0, acquired: [2, 2] }, { partition: 1, acquired: [1, 1] }]))
  await tick()
  t.same(s2.fetcher.take(10).map(d => `${d.record.partition}:${d.record.offset}`), ['1:1'], 'node 1 no longer delivers partition 0')
})

t.test('a prefetch does not wait at the broker, and an empty one paces the next until a poll waits', async t => {
  const { fetcher, conns: [conn] } = setup()
  fetcher.setPartitions(new Map([[1, [P0]]]))
  const first = await conn!.next()
  t.equal(first.body.maxWaitMs, 0, 'no poll waiting: the fetch returns at once (a commit must not queue behind it)')
  first.resolve(fetchResponse([]))
  await tick()
  fetcher.pump()
  await tick()
  t.equal(conn!.sent.length, 1, 'an empty prefetch is not repeated at once while nobody polls')
  fetcher.awaitRecords(500, Date.now() + 200)
  const waiting = await conn!.next()
  t.ok(waiting.body.maxWaitMs > 0 && waiting.body.maxWaitMs <= 200, `a waiting poll's fetch waits no longer than the poll (${waiting.body.maxWaitMs} ms)`)
  waiting.resolve(fetchResponse([]))
  await tick()
})

/** A fetcher whose leaders 1, 2 and 3 each have their own connection and partition. */
function threeLeaders (options: { recordLimit?: boolean } = {}): Setup & { byNode: Map<number, FakeConnection> } {
  const byNode = new Map([1, 2, 3].map(n => [n, new FakeConnection(10 + n)]))
  return { ...setup({ ...options, connectionFor: nodeId => byNode.get(nodeId)! }), byNode }
}

const P2 = { topicId: T, topic: 'jobs', partition: 2 }

t.test('record_limit, three leaders: each is fetched, for its share of the poll, without waiting at the broker; the poll is ready once all answered', async t => {
  const { fetcher, byNode, ready } = threeLeaders({ recordLimit: true })
  fetcher.setPartitions(new Map([[1, [P0]], [2, [P1]], [3, [P2]]]))
  fetcher.awaitRecords(6, Date.now() + 10_000)
  const [f1, f2, f3] = await Promise.all([1, 2, 3].map(async n => await byNode.get(n)!.next()))
  t.same([f1, f2, f3].map(f => [f!.body.maxRecords, f!.body.maxWaitMs]), [[2, 0], [2, 0], [2, 0]], 'shares of 6, no waiting at the broker')
  f1!.resolve(fetchResponse([])) // leader 1 has nothing
  f2!.resolve(fetchResponse([{ partition: 1, acquired: [0, 1] }]))
  await tick()
  t.equal(fetcher.ready, false, 'leader 3 has not answered: the poll waits for it (its records must not wait in the buffer)')
  t.equal(ready.count, 0)
  f3!.resolve(fetchResponse([{ partition: 2, acquired: [0, 0] }]))
  await tick()
  t.equal(ready.count, 1, 'ready once every fetch for the poll answered')
  t.same(fetcher.take(6).map(d => `${d.record.partition}:${d.record.offset}`).sort(), ['1:0', '1:1', '2:0'])
  // The next poll: leader 1 answered empty a moment ago and is paced; 2 and 3 are asked.
  fetcher.awaitRecords(6, Date.now() + 10_000)
  const [g2, g3] = await Promise.all([2, 3].map(async n => await byNode.get(n)!.next()))
  t.same([g2, g3].map(g => g!.body.maxRecords), [3, 3])
  t.equal(byNode.get(1)!.sent.length, 1, 'the empty leader does not hold the others back, and is not asked again at once')
})

t.test('record_limit, a poll of one record and three leaders: the leaders take turns (none starves)', async t => {
  const { fetcher, byNode } = threeLeaders({ recordLimit: true })
  fetcher.setPartitions(new Map([[1, [P0]], [2, [P1]], [3, [P2]]]))
  const order: number[] = []
  for (let round = 0; round < 3; round++) {
    const before = [1, 2, 3].map(n => byNode.get(n)!.sent.length)
    fetcher.awaitRecords(1, Date.now() + 10_000)
    await tick()
    const asked = [1, 2, 3].filter((n, i) => byNode.get(n)!.sent.length > before[i]!)
    t.equal(asked.length, 1, `round ${round}: one leader asked for the one record`)
    const sent = asked[0]!
    order.push(sent)
    const conn = byNode.get(sent)!
    conn.sent[conn.sent.length - 1]!.resolve(fetchResponse([{ partition: sent - 1, acquired: [round, round] }]))
    await tick()
    t.equal(fetcher.take(1).length, 1)
  }
  t.same([...order].sort(), [1, 2, 3], `each leader asked once in three polls (${order.join(', ')})`)
})

t.test('acknowledgements made in time but answered after the lock ran out say the lock had expired, even on success', async t => {
  const { fetcher, conns: [conn], clock } = setup()
  await open(fetcher, conn!, [P0], fetchResponse([{ partition: 0, acquired: [0, 2] }]))
  fetcher.stopFetching()
  const [a, b] = fetcher.take(2)
  fetcher.acknowledge(a!, ACCEPT)
  fetcher.acknowledge(b!, ACCEPT) // both in time
  const flushed = fetcher.flush(60_000)
  const ack = await conn!.next()
  t.same(ack.body.topics[0].partitions[0].acknowledgementBatches, [{ firstOffset: 0n, lastOffset: 1n, acknowledgeTypes: [ACCEPT] }], 'both sent')
  clock.offset += 31_000 // the process paused while the request was out: the 30 s lock ran out
  ack.resolve(ackResponse([{ partition: 0 }])) // the broker says success (Kafka 4.4: another member settled them since)
  const results = await flushed
  t.same(results.map(r => [r.offsets, r.error?.name ?? null]), [[[0n, 1n], 'LockExpiredError']], 'another member may have processed them')
  t.match(results[0]!.error, { how: 'late', errorName: 'INVALID_RECORD_STATE' })
})

t.test('an acknowledgement made after the lock ran out is late; one answered in time is not', async t => {
  const { fetcher, conns: [conn], clock } = setup()
  await open(fetcher, conn!, [P0], fetchResponse([{ partition: 0, acquired: [0, 2] }]))
  fetcher.stopFetching()
  const [a] = fetcher.take(1)
  fetcher.acknowledge(a!, ACCEPT)
  const first = fetcher.flush(10_000)
  ;(await conn!.next()).resolve(ackResponse([{ partition: 0 }]))
  t.same((await first).map(r => [r.offsets, r.error]), [[[0n], null]], 'answered in time: applied')
  const [b] = fetcher.take(1)
  clock.offset += 31_000
  fetcher.acknowledge(b!, ACCEPT)
  const second = fetcher.flush(10_000)
  ;(await conn!.next()).resolve(ackResponse([{ partition: 0 }]))
  t.match((await second).map(r => [r.offsets, r.error?.name]), [[[1n], 'LockExpiredError']], 'made after the deadline: late, whatever the broker said')
})

t.test('acknowledgements made in time that reach the broker after the lock ran out: a refusal is reported as LockExpiredError, not a bare INVALID_RECORD_STATE', async t => {
  const { fetcher, conns: [conn], clock } = setup()
  await open(fetcher, conn!, [P0], fetchResponse([{ partition: 0, acquired: [0, 1] }]))
  fetcher.stopFetching()
  const [a, b] = fetcher.take(2)
  fetcher.acknowledge(a!, ACCEPT)
  fetcher.acknowledge(b!, ACCEPT) // both in time: nothing is late yet
  const flushed = fetcher.flush(60_000)
  const ack = await conn!.next()
  clock.offset += 31_000 // the process paused while the request was out: the 30 s lock ran out
  ack.resolve(ackResponse([{ partition: 0, error: 121 }]))
  const results = await flushed
  t.equal(results.length, 1)
  t.same(results[0]!.offsets, [0n, 1n])
  t.type(results[0]!.error, LockExpiredError)
  t.match(results[0]!.error, { how: 'late', errorName: 'INVALID_RECORD_STATE', message: /ran out before the acknowledgement reached the broker/ })
})

t.test('an INVALID_RECORD_STATE answer while every lock still runs stays the broker\'s error', async t => {
  const { fetcher, conns: [conn] } = setup()
  await open(fetcher, conn!, [P0], fetchResponse([{ partition: 0, acquired: [0, 0] }]))
  fetcher.stopFetching()
  fetcher.acknowledge(fetcher.take(1)[0]!, ACCEPT)
  const flushed = fetcher.flush(10_000)
  ;(await conn!.next()).resolve(ackResponse([{ partition: 0, error: 121 }]))
  const [result] = await flushed
  t.notOk(result!.error instanceof LockExpiredError)
  t.match(result!.error, { errorName: 'INVALID_RECORD_STATE' })
})

t.test('a delivery superseded by a redelivery is refused with LockExpiredError (implicit accepts included)', async t => {
  const { fetcher, conns: [conn] } = setup()
  await open(fetcher, conn!, [P0], fetchResponse([{ partition: 0, acquired: [0, 1] }]))
  const [a] = fetcher.take(1)
  a!.superseded = true // the consumer marks it when the same record arrives again
  const refused = fetcher.acknowledge(a!, ACCEPT)
  t.type(refused?.error, LockExpiredError)
  t.match(refused?.error, { how: 'redelivered' })
})

t.test('record_limit: when a leader move leaves one leader, its fetch waits at the broker again and gets the whole poll', async t => {
  const { fetcher, byNode } = threeLeaders({ recordLimit: true })
  fetcher.setPartitions(new Map([[1, [P0]], [2, [P1]]]))
  fetcher.awaitRecords(4, Date.now() + 10_000)
  const [a, b] = await Promise.all([1, 2].map(async n => await byNode.get(n)!.next()))
  t.same([a, b].map(f => [f!.body.maxRecords, f!.body.maxWaitMs]), [[2, 0], [2, 0]], 'two leaders: shares, no waiting at the broker')
  a!.resolve(fetchResponse([]))
  b!.resolve(fetchResponse([]))
  await tick()
  fetcher.setPartitions(new Map([[1, [P0, P1]], [2, []]])) // partition 1 moved to leader 1
  const c = await byNode.get(1)!.next()
  t.same([c.body.maxRecords, c.body.maxWaitMs > 0], [4, true], 'one leader: the whole poll, waiting at the broker')
})
