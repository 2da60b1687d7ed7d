import t from 'tap'
import type { ApiDefinition, ResponseOf } from '../../../../protocol/api.js'
import { ErrorCode } from '../../../../protocol/error-codes.js'
import type { ShareAcknowledge } from '../../../../protocol/messages/share-acknowledge.js'
import type { ShareFetch } from '../../../../protocol/messages/share-fetch.js'
import { ConnectionError, RequestTimeoutError, type KafkaError } from '../../../../client/errors.js'
import { ACCEPT, GAP, RELEASE, RENEW } from '../../../../client/share/acknowledge-type.js'
import type { AcknowledgementResult } from '../../../../client/share/ack-results.js'
import type { PartitionAssembler } from '../../../../client/share/assemble-deliveries.js'
import { ShareSessionLostError } from '../../../../client/share/share-errors.js'
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
      deliveries.push({ record, target: context.target, nodeId: context.nodeId, generation: context.generation, renewing: false, superseded: false })
    }
  }
  return { deliveries, acks, corrupt: [] }
}

function setup (options: { recordLimit?: boolean } = {}): { fetcher: ShareFetcher, conns: FakeConnection[], results: AcknowledgementResult[], errors: KafkaError[], clock: { offset: number } } {
  const conns: FakeConnection[] = [new FakeConnection(1)]
  const results: AcknowledgementResult[] = []
  const errors: KafkaError[] = []
  const clock = { offset: 0 } // real time, plus jumps a test makes
  const fetcher = new ShareFetcher({
    groupId: 'g',
    memberId: 'm',
    limits: { maxWaitMs: 500, minBytes: 1, maxBytes: 1 << 20, maxRecords: 500, batchSize: 500, shareAcquireMode: 0 },
    requestTimeoutMs: 30_000,
    retryBackoff: { initialMs: 1, maxMs: 1 },
    connect: async () => conns[conns.length - 1]! as unknown as FetchConnection,
    assemble,
    logger: SILENT_LOGGER,
    now: () => Date.now() + clock.offset,
    events: {
      records: () => {},
      results: r => results.push(...r),
      partitionError: () => {},
      error: e => errors.push(e),
      lockTimeout: () => {}
    }
  })
  fetcher.policy.enabled = true
  fetcher.policy.recordLimit = options.recordLimit === true
  return { fetcher, conns, results, errors, clock }
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
  t.equal(fetcher.buffer.size, 3)
  t.equal(conn!.sent.length, 1, 'no prefetch while this node\'s records wait in the buffer')
  const taken = fetcher.buffer.take(10, 0).records
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

t.test('gaps are acknowledged automatically on the next request', async t => {
  const { fetcher, conns: [conn] } = setup()
  await open(fetcher, conn!, [P0], fetchResponse([{ partition: 0, acquired: [98, 99] }]))
  fetcher.buffer.take(10, 0)
  fetcher.pump()
  const next = await conn!.next()
  t.same(next.body.topics[0].partitions[0].acknowledgementBatches, [{ firstOffset: 99n, lastOffset: 99n, acknowledgeTypes: [GAP] }])
})

t.test('acks that cannot ride on a fetch go alone once they waited flushDelayMs', async t => {
  const { fetcher, conns: [conn], clock } = setup()
  await open(fetcher, conn!, [P0], fetchResponse([{ partition: 0, acquired: [0, 9] }]))
  const [first] = fetcher.buffer.take(1, 0).records // 9 records stay buffered: no fetch is due
  fetcher.acknowledge(first!, ACCEPT)
  fetcher.pump()
  await tick()
  t.equal(conn!.sent.length, 1, 'the ack waits for a fetch to ride on')
  clock.offset += fetcher.flushDelayMs
  fetcher.pump()
  t.match(await conn!.next(), { api: 'ShareAcknowledge', body: { shareSessionEpoch: 1, isRenewAck: false } })
})

t.test('renew goes in a ShareAcknowledge with IsRenewAck at once; fetching continues after', async t => {
  const { fetcher, conns: [conn] } = setup()
  await open(fetcher, conn!, [P0], fetchResponse([{ partition: 0, acquired: [0, 1] }]))
  const [a, b] = fetcher.buffer.take(10, 0).records
  fetcher.acknowledge(a!, RENEW)
  fetcher.acknowledge(b!, ACCEPT)
  fetcher.pump()
  const renew = await conn!.next()
  t.match(renew, { api: 'ShareAcknowledge', body: { isRenewAck: true } })
  t.same(renew.body.topics[0].partitions[0].acknowledgementBatches, [{ firstOffset: 0n, lastOffset: 1n, acknowledgeTypes: [RENEW, ACCEPT] }])
  renew.resolve(ackResponse([{ partition: 0 }]))
  t.match(await conn!.next(), { api: 'ShareFetch', body: { shareSessionEpoch: 2, isRenewAck: false } })
})

t.test('a partition that moved away: its acks go to the node that delivered it, in topics and forgotten', async t => {
  const { fetcher, conns: [conn] } = setup()
  await open(fetcher, conn!, [P0, P1], fetchResponse([{ partition: 1, acquired: [5, 5] }]))
  const [d] = fetcher.buffer.take(10, 0).records
  fetcher.acknowledge(d!, RELEASE)
  fetcher.setPartitions(new Map([[1, [P0]], [2, []]])) // partition 1 now led elsewhere
  const next = await conn!.next()
  t.equal(next.api, 'ShareFetch')
  t.same(next.body.topics, [{ topicId: T, partitions: [{ partitionIndex: 1, acknowledgementBatches: [{ firstOffset: 5n, lastOffset: 5n, acknowledgeTypes: [RELEASE] }] }] }])
  t.same(next.body.forgottenTopicsData, [{ topicId: T, partitions: [1] }], 'forgotten: it leaves the session and acks without rejoining it')
})

t.test('node with no partitions left: acks go at once in a ShareAcknowledge', async t => {
  const { fetcher, conns: [conn] } = setup()
  await open(fetcher, conn!, [P0], fetchResponse([{ partition: 0, acquired: [5, 5] }]))
  const [d] = fetcher.buffer.take(10, 0).records
  fetcher.setPartitions(new Map())
  fetcher.acknowledge(d!, ACCEPT)
  fetcher.pump()
  t.equal((await conn!.next()).api, 'ShareAcknowledge')
})

t.test('session errors: in-flight acks fail as session lost, buffered records are dropped, next request is epoch 0 without acks', async t => {
  for (const code of [ErrorCode.SHARE_SESSION_NOT_FOUND, ErrorCode.INVALID_SHARE_SESSION_EPOCH, ErrorCode.SHARE_SESSION_LIMIT_REACHED]) {
    const { fetcher, conns: [conn], results } = setup()
    await open(fetcher, conn!, [P0], fetchResponse([{ partition: 0, acquired: [0, 3] }]))
    const taken = fetcher.buffer.take(2, 0).records
    for (const d of taken) fetcher.acknowledge(d, ACCEPT)
    fetcher.policy.enabled = true
    // Two records stay buffered; flush to force the acks out.
    const flushed = fetcher.flush(10_000)
    const ack = await conn!.next()
    ack.resolve(ackResponse([], code))
    const flushResults = await flushed
    t.type(flushResults[0]?.error, ShareSessionLostError, `code ${code}: acks reported as session lost`)
    t.equal(results.length, 1)
    t.equal(fetcher.buffer.size, 0, 'records of the lost session are not handed out')
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
  const taken = fetcher.buffer.take(1, 0).records
  fetcher.acknowledge(taken[0]!, ACCEPT)
  conns.push(new FakeConnection(2))
  conns[0]!.close()
  await tick()
  t.type(results[0]?.error, ShareSessionLostError, 'the queued ack failed')
  t.equal(fetcher.buffer.size, 0, 'buffered records dropped: the broker released them')
  fetcher.pump()
  const reopen = await conns[1]!.next()
  t.equal(reopen.body.shareSessionEpoch, 0)
})

t.test('a request timeout resets the session (its effect is unknown) and fails its acks', async t => {
  const { fetcher, conns: [conn], results } = setup()
  await open(fetcher, conn!, [P0], fetchResponse([{ partition: 0, acquired: [0, 0] }]))
  const [d] = fetcher.buffer.take(1, 0).records
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
  fetcher.acknowledge(fetcher.buffer.take(1, 0).records[0]!, ACCEPT)
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
  const taken = fetcher.buffer.take(10, 0).records
  for (const d of taken) fetcher.acknowledge(d, ACCEPT)
  fetcher.policy.enabled = false // no fetch to ride on
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
  const [d] = fetcher.buffer.take(1, 0).records
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
  fetcher.policy.enabled = false
  fetcher.setPartitions(new Map([[1, [P0]]]))
  t.same(await fetcher.close(), [])
  t.equal(conn!.sent.length, 0)
})

t.test('record_limit: fetch only for a waiting poll with nothing buffered', async t => {
  const { fetcher, conns: [conn] } = setup({ recordLimit: true })
  fetcher.setPartitions(new Map([[1, [P0]]]))
  await tick()
  t.equal(conn!.sent.length, 0, 'no poll waiting: no fetch')
  fetcher.policy.pollWaiting = true
  fetcher.pump()
  ;(await conn!.next()).resolve(fetchResponse([{ partition: 0, acquired: [0, 0] }]))
  await tick()
  fetcher.policy.pollWaiting = false
  fetcher.buffer.take(1, 0)
  fetcher.pump()
  await tick()
  t.equal(conn!.sent.length, 1, 'no prefetch in record_limit mode')
})
