/** Builds a topic runtime over the fakes, for unit tests of the processing modules. */
import { BaseConsumer } from '../../../framework/consumer/base-consumer.js'
import type { ShareTopicBuilder } from '../../../framework/routing/share-topic.js'
import { Routes } from '../../../framework/routing/routes.js'
import { SHARE_GROUP_DEFAULTS, type ShareGroupDefaults } from '../../../framework/routing/share-group.js'
import { Monitor, type FrameworkEventName, type FrameworkEvents } from '../../../framework/monitor.js'
import { silentLogger } from '../../../framework/logger.js'
import type { DeadLetterMode, TopicRuntime } from '../../../framework/processing/topic-runtime.js'
import { FakeProducer, FakeShareConsumer, FakeTopic, ManualClock } from './fakes.js'

/** A consumer that accepts everything. */
export class NoopConsumer extends BaseConsumer {
  consume (): void {}
}

export const DEFAULTS: ShareGroupDefaults = SHARE_GROUP_DEFAULTS

export interface TestRuntime {
  rt: TopicRuntime
  clock: ManualClock
  topic: FakeTopic
  consumer: FakeShareConsumer
  producer: FakeProducer
  events: Array<{ name: FrameworkEventName, payload: unknown }>
  /** Payloads of one event kind. */
  of: <E extends FrameworkEventName>(name: E) => Array<FrameworkEvents[E]>
}

export function makeRuntime (options: {
  declare?: (t: ShareTopicBuilder) => void
  renew?: boolean
  deadLetter?: DeadLetterMode
  lockDurationMs?: number
  acknowledgementMode?: 'explicit' | 'implicit'
} = {}): TestRuntime {
  const clock = new ManualClock()
  const routes = new Routes({ ...DEFAULTS, acknowledgementMode: options.acknowledgementMode ?? 'explicit' })
  routes.draw((r) => r.shareGroup('g', (g) => g.topic('tasks', (t) => { t.consumer(NoopConsumer); options.declare?.(t) })))
  const route = routes.shareTopics[0]
  if (route === undefined) throw new Error('no topic')
  const topic = new FakeTopic('tasks', () => clock.now(), options.lockDurationMs ?? 10_000)
  const consumer = new FakeShareConsumer(topic, route.consumerSettings)
  const producer = new FakeProducer()
  const monitor = new Monitor(silentLogger)
  const events: TestRuntime['events'] = []
  const names: FrameworkEventName[] = ['consumer.accepted', 'consumer.released', 'consumer.rejected', 'consumer.paused', 'dlq.dispatched',
    'lock.renewed', 'lock.expired', 'error.occurred', 'consumer.consumed', 'listener.polled']
  for (const name of names) monitor.on(name, (payload) => events.push({ name, payload }))
  const rt: TopicRuntime = {
    topic: route,
    consumer,
    maxPollRecords: route.consumerSettings.maxPollRecords,
    monitor,
    logger: silentLogger,
    clock,
    renew: options.renew ?? true,
    autoRenewAt: 0.7,
    lockDurationMs: () => topic.lockDurationMs,
    deadLetter: options.deadLetter ?? (route.deadLetterQueue === undefined ? 'none' : 'client'),
    producer: () => producer
  }
  const of = <E extends FrameworkEventName>(name: E): Array<FrameworkEvents[E]> =>
    events.filter((e) => e.name === name).map((e) => e.payload as FrameworkEvents[E])
  return { rt, clock, topic, consumer, producer, events, of }
}

/** Lets pending promise callbacks run. */
export async function settle (): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}
