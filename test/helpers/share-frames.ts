import { encodeRequest, encodeResponse, ShareAcknowledge, ShareFetch, ShareGroupHeartbeat, ZERO_UUID } from '../../protocol/index.js'
import { ExchangeDecoder, type DecodedFrame } from '../../cli/exchange.js'

/** An acknowledgement batch as the wire carries it. */
export interface Batch { firstOffset: bigint, lastOffset: bigint, acknowledgeTypes: number[] }

/**
 * Builds share-group frames with kshare's own encoders and decodes them as the proxy does,
 * for the checker's unit tests: real bytes, no broker.
 */
export class ShareFrames {
  private readonly decoder = new ExchangeDecoder(() => 0)
  private correlationId = 0

  constructor (readonly topicId: string, readonly member = 'member-1', readonly group = 'g') {}

  /** A ShareFetch request (v2) with acks for partition 0. */
  fetch (epoch: number, acks: Batch[] = [], options: { isRenewAck?: boolean } = {}): DecodedFrame {
    const renew = options.isRenewAck === true
    return this.decoder.request(encodeRequest(ShareFetch, 2, { correlationId: ++this.correlationId, clientId: 'c' }, {
      groupId: this.group, memberId: this.member, shareSessionEpoch: epoch,
      maxWaitMs: renew ? 0 : 500, minBytes: renew ? 0 : 1, maxBytes: renew ? 0 : 1 << 20, maxRecords: renew ? 0 : 500, batchSize: 500,
      isRenewAck: renew,
      topics: [{ topicId: this.topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: acks }] }],
      forgottenTopicsData: []
    }).subarray(4))
  }

  /** The ShareFetch response to the last request, acquiring `acquired`. */
  fetched (acquired: Array<[bigint, bigint, number]>, options: { lockMs?: number, errorCode?: number, acknowledgeErrorCode?: number } = {}): DecodedFrame {
    return this.decoder.response(encodeResponse(ShareFetch, 2, this.correlationId, {
      throttleTimeMs: 0, errorCode: options.errorCode ?? 0, acquisitionLockTimeoutMs: options.lockMs ?? 30_000,
      responses: [{
        topicId: this.topicId,
        partitions: [{
          partitionIndex: 0, errorCode: 0, acknowledgeErrorCode: options.acknowledgeErrorCode ?? 0,
          currentLeader: { leaderId: 1, leaderEpoch: 0 }, records: Buffer.alloc(0),
          acquiredRecords: acquired.map(([firstOffset, lastOffset, deliveryCount]) => ({ firstOffset, lastOffset, deliveryCount }))
        }]
      }],
      nodeEndpoints: []
    }).subarray(4))
  }

  /** A ShareAcknowledge request (v2). */
  acknowledge (epoch: number, acks: Batch[], options: { isRenewAck?: boolean } = {}): DecodedFrame {
    return this.decoder.request(encodeRequest(ShareAcknowledge, 2, { correlationId: ++this.correlationId, clientId: 'c' }, {
      groupId: this.group, memberId: this.member, shareSessionEpoch: epoch, isRenewAck: options.isRenewAck ?? false,
      topics: [{ topicId: this.topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: acks }] }]
    }).subarray(4))
  }

  /** The ShareAcknowledge response to the last request. */
  acknowledged (errorCode = 0, lockMs = 30_000): DecodedFrame {
    return this.decoder.response(encodeResponse(ShareAcknowledge, 2, this.correlationId, {
      throttleTimeMs: 0, errorCode, acquisitionLockTimeoutMs: lockMs,
      responses: [{ topicId: this.topicId, partitions: [{ partitionIndex: 0, errorCode: 0, currentLeader: { leaderId: 1, leaderEpoch: 0 } }] }],
      nodeEndpoints: []
    }).subarray(4))
  }

  /** A heartbeat request and its response with `errorCode`. */
  heartbeat (memberEpoch: number, errorCode: number): [DecodedFrame, DecodedFrame] {
    const request = this.decoder.request(encodeRequest(ShareGroupHeartbeat, 1, { correlationId: ++this.correlationId, clientId: 'c' }, {
      groupId: this.group, memberId: this.member, memberEpoch, subscribedTopicNames: null
    }).subarray(4))
    const response = this.decoder.response(encodeResponse(ShareGroupHeartbeat, 1, this.correlationId, {
      throttleTimeMs: 0, errorCode, memberId: this.member, memberEpoch, heartbeatIntervalMs: 1000, assignment: null
    }).subarray(4))
    return [request, response]
  }
}

export { ZERO_UUID }
