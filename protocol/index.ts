/**
 * kshare's Kafka wire protocol: primitives, one declaration per API, frames.
 * Pure: no sockets, no timers.
 */
export { Reader } from './reader.js'
export { Writer, sizeOfUVarint, sizeOfVarint, sizeOfVarlong } from './writer.js'
export { KafkaProtocolError } from './protocol-error.js'
export { randomUuid, isUuid, ZERO_UUID } from './uuid.js'
export { ApiDefinition, defineApi, type ApiSpec, type RequestOf, type RequestInput, type ResponseOf, type ResponseInput } from './api.js'
export { UNKNOWN_TAGGED_FIELDS, type UnknownTaggedField, type Codec } from './codec.js'
export {
  encodeRequest, decodeRequest, decodeRequestHeader, encodeResponse, decodeResponse, peekCorrelationId,
  MAX_FRAME_SIZE, type RequestHeader, type RequestHeaderInput
} from './frame.js'
export { FrameDecoder } from './frame-decoder.js'
export {
  GAP, ACCEPT, RELEASE, REJECT, RENEW, acknowledgeTypeId, acknowledgeTypeName, isTerminal, type AcknowledgeType
} from './acknowledge-type.js'
export { API_BY_KEY, API_BY_NAME, HAND_WRITTEN_API_KEYS, decodeAnyRequest, type AnyRequest } from './registry.js'
export * from './messages/index.js'
export { describeMessage, describeStruct, recordProblems, renderTree, treeToJson, type DescribeOptions, type FieldNode } from './pretty.js'
export {
  viewRecords, viewBytes, renderRecordsText, recordsToJson,
  type RecordsView, type BatchView, type RecordView, type HeaderView, type BytesView, type RecordViewOptions
} from './pretty-records.js'
export * as schema from './schema.js'
export { ErrorCode, ERROR_CODES, errorCodeInfo, type ErrorCodeInfo, type ErrorName } from './error-codes.js'
export { negotiateVersion, UnsupportedVersionError, type BrokerApiVersions, type NegotiableApi } from './negotiate.js'
export * from './records/index.js'
