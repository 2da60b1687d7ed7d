import { Admin } from '../client/admin.js'
import type { ClusterOptions } from '../client/cluster.js'
import { Producer } from '../client/producer.js'
import { ShareConsumer } from '../client/share-consumer.js'
import type { ShareRecord } from '../client/share/share-record.js'
import type { AdminPort, KafkaClientFactory, ShareConsumerPort } from './client-ports.js'
import type { Logger } from './logger.js'

/**
 * How an App reaches Kafka: the connection options every kshare client takes, passed to each
 * client the App creates (a topic's `client.id` setting overrides `clientId` for its consumer).
 */
export interface KafkaConnection extends ClusterOptions {}

/**
 * kshare's own ShareConsumer (explicit acknowledgement), Producer and Admin, seen through the
 * framework's ports. The client logs through the App's logger, warnings and up only.
 */
export function kshareClients (connection: KafkaConnection, logger: Logger): KafkaClientFactory {
  const clientLogger = { debug: () => {}, info: () => {}, warn: (m: string) => logger.warn(m), error: (m: string) => logger.error(m) }
  return {
    shareConsumer: (settings) => {
      const consumer = new ShareConsumer({ ...connection, ...settings, acknowledgementMode: 'explicit', logger: clientLogger })
      const port: ShareConsumerPort = {
        subscribe: (topics) => consumer.subscribe(topics),
        // options.maxRecords: as many records as there are idle workers (record_limit then acquires no more).
        poll: async (timeoutMs, options) => await consumer.poll(timeoutMs, options),
        limitsPerPoll: true,
        // Records come from poll(), so they are the client's own ShareRecord objects.
        acknowledge: (record, type) => consumer.acknowledge(record as ShareRecord, type),
        commitSync: async (timeoutMs) => await consumer.commitSync(timeoutMs),
        commitAsync: () => consumer.commitAsync(),
        onAcknowledgementCommit: (callback) => { consumer.onAcknowledgementCommit(callback) },
        get acquisitionLockTimeoutMs () { return consumer.acquisitionLockTimeoutMs },
        membership: () => consumer.membershipStatus,
        wakeup: () => consumer.wakeup(),
        close: async () => await consumer.close()
      }
      return port
    },
    producer: () => new Producer(connection),
    admin: () => adminPort(new Admin(connection))
  }
}

function adminPort (admin: Admin): AdminPort {
  return {
    describeGroupConfigs: async (groupId) => {
      const entries = await admin.describeGroupConfigs(groupId)
      return Object.fromEntries(Object.entries(entries).map(([name, entry]) => [name, entry.value]))
    },
    alterGroupConfigs: async (groupId, configs) => await admin.alterGroupConfigs(groupId, configs),
    shareGroupLag: async (groupId) => (await admin.describeShareGroupOffsets(groupId)).map((p) => ({
      topic: p.topic, partition: p.partition, lag: p.lag === null ? null : Number(p.lag)
    })),
    createTopic: async (name, options) => {
      await admin.createTopics([{ name, partitions: 1, replicationFactor: options.replicationFactor, configs: options.configs }], { ifNotExists: true, timeoutMs: options.timeoutMs })
    },
    close: async () => await admin.close()
  }
}
