// Apart from tracing.ts, whose declarations name @opentelemetry/api types: the public entry
// exports these names, and its declarations must compile without the optional peer.

/** The attribute names of the job spans (semantic conventions 1.45, plus `kshare.delivery_count`: no standard one exists). */
export const SPAN_ATTRIBUTES = Object.freeze({
  system: 'messaging.system.name',
  destination: 'messaging.destination.name',
  group: 'messaging.consumer.group.name',
  partition: 'messaging.destination.partition.id',
  offset: 'kafka.offset',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  batchCount: 'messaging.batch.message_count',
  deliveryCount: 'kshare.delivery_count'
})
