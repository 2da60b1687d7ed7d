import t from 'tap'
import { BaseConsumer, RoutingError, UnsupportedOptionError, type Message } from '../../../framework/index.js'
import { Routes } from '../../../framework/routing/routes.js'
import { checkKafkaSettings, consumerSettingsOf, groupConfigsOf } from '../../../framework/kafka-settings.js'
import { DEFAULTS, NoopConsumer } from './runtime.js'

class TasksConsumer extends BaseConsumer<{ id: number }> {
  consume (messages: readonly Message<{ id: number }>[]): void {
    for (const m of messages) if (m.payload.id >= 0) this.accept(m)
  }
}

function problemsOf (fn: () => void): string[] {
  try {
    fn()
  } catch (err) {
    if (err instanceof RoutingError) return [...err.problems]
    throw err
  }
  return []
}

t.test('the DSL resolves groups, topics, settings and defaults', async (t) => {
  const routes = new Routes(DEFAULTS)
  routes.draw((r) => {
    r.shareGroup('jobs', (g) => {
      g.kafka({ 'share.record.lock.duration.ms': 30_000, 'share.auto.offset.reset': 'earliest', 'max.poll.records': 100 })
      g.topic('tasks', (t) => {
        t.consumer(TasksConsumer)
        t.kafka({ 'max.poll.records': 500 })
        t.shareBackoffBuffer(2000)
        t.deadLetterQueue({ topic: 'tasks.dlq', maxAttempts: 3 })
        t.virtualPartitions({ partitioner: 'round_robin', maxPartitions: 5 })
      })
      g.topic('emails', (t) => t.consumer(NoopConsumer))
    })
  })
  const [group] = routes.shareGroups
  if (group === undefined) throw new Error('no group')
  t.equal(group.id, 'jobs')
  t.equal(group.type, 'share')
  t.ok(group.isShareGroup())
  t.notOk(group.isConsumerGroup())
  t.same(group.groupConfigs, { 'share.record.lock.duration.ms': '30000', 'share.auto.offset.reset': 'earliest' }, 'only group configs the routes set, as strings')
  const [tasks, emails] = group.topics
  t.equal(tasks?.consumerClass, TasksConsumer)
  t.equal(tasks?.group, group)
  t.same(tasks?.consumerSettings, { groupId: 'jobs', acquireMode: 'record_limit', maxPollRecords: 500 }, 'topic settings override the group\'s')
  t.equal(emails?.consumerSettings.maxPollRecords, 100, 'group consumer settings are the topics\' defaults')
  t.equal(tasks?.settings.shareBackoffBuffer, 2000)
  t.equal(emails?.settings.shareBackoffBuffer, 1000, 'App default')
  t.same(tasks?.deadLetterQueue, { topic: 'tasks.dlq', maxAttempts: 3 })
  t.equal(tasks?.virtualPartitions?.maxPartitions, 5)
  t.equal(emails?.settings.jobsBuilder, 'per_batch')
  t.equal(routes.shareTopics.length, 2)
})

t.test('invalid routes are refused when draw runs, with every problem listed', async (t) => {
  const routes = new Routes(DEFAULTS)
  const problems = problemsOf(() => routes.draw((r) => {
    r.shareGroup('jobs', (g) => {
      g.kafka({ 'share.delivery.count.limit': 3 })
      g.topic('tasks', (t) => t.deadLetterQueue({ topic: 'tasks', maxAttempts: 3 }))
      g.topic('tasks', (t) => t.consumer(NoopConsumer))
      g.topic('bad name!', (t) => t.consumer(class NotAConsumer {} as unknown as typeof NoopConsumer))
    })
    r.shareGroup('empty', () => {})
  }))
  t.equal(problems.length, 6)
  for (const re of [/empty": no topics/, /routed twice/, /no consumer/, /must differ/, /not a legal topic name/, /extending BaseConsumer/]) {
    t.ok(problems.some((p) => re.test(p)), `reports ${re}`)
  }
  t.equal(routes.shareGroups.length, 0, 'nothing of a refused draw is kept')
})

t.test('maxAttempts must be below a delivery count limit the routes set', async (t) => {
  const problems = problemsOf(() => new Routes(DEFAULTS).draw((r) => r.shareGroup('g', (g) => {
    g.kafka({ 'share.delivery.count.limit': 3 })
    g.topic('a', (t) => t.consumer(NoopConsumer).deadLetterQueue({ topic: 'a.dlq', maxAttempts: 3 }))
  })))
  t.match(problems[0], /maxAttempts \(3\) must be below share.delivery.count.limit \(3\)/)
})

t.test('kafka settings: group configs, consumer settings, refused and unknown names, values', async (t) => {
  t.same(checkKafkaSettings({ 'share.record.lock.duration.ms': 15_000, 'max.poll.records': 10 }, 'group'), [])
  t.match(checkKafkaSettings({ 'share.record.lock.duration.ms': 15_000 }, 'topic')[0], /is a share group config .* set it with g.kafka\(\)/)
  t.match(checkKafkaSettings({ 'auto.offset.reset': 'earliest' }, 'group')[0], /use the group config share.auto.offset.reset/)
  t.match(checkKafkaSettings({ 'session.timeout.ms': 10 }, 'group')[0], /belong to the broker/)
  t.match(checkKafkaSettings({ 'share.heartbeat.interval.ms': 10 }, 'group')[0], /belong to the broker/)
  t.match(checkKafkaSettings({ 'enable.auto.commit': true }, 'topic')[0], /no offsets to commit/)
  t.match(checkKafkaSettings({ 'max.pol.records': 1 }, 'topic')[0], /unknown setting max.pol.records/)
  t.match(checkKafkaSettings({ 'share.record.lock.duration.ms': 10 }, 'group')[0], /integer from 1000 to 3600000, got 10/)
  t.match(checkKafkaSettings({ 'share.delivery.count.limit': 11 }, 'group')[0], /from 2 to 10/)
  t.match(checkKafkaSettings({ 'share.acquire.mode': 'fast' }, 'topic')[0], /one of batch_optimized, record_limit/)
  t.same(checkKafkaSettings({ 'share.auto.offset.reset': 'by_duration:PT1H' }, 'group'), [])
  t.match(checkKafkaSettings({ 'share.auto.offset.reset': 'newest' }, 'group')[0], /earliest, latest or by_duration/)
  t.match(checkKafkaSettings({ 'share.renew.acknowledge.enable': 'yes' }, 'group')[0], /true or false/)
  t.same(groupConfigsOf({ 'share.renew.acknowledge.enable': false, 'max.poll.records': 3 }), { 'share.renew.acknowledge.enable': 'false' })
  t.same(consumerSettingsOf('g', { 'fetch.max.wait.ms': 100, 'share.acquire.mode': 'batch_optimized', 'client.id': 'x' }, { 'request.timeout.ms': 5000 }), {
    groupId: 'g', acquireMode: 'batch_optimized', maxPollRecords: 500, clientId: 'x', fetchMaxWaitMs: 100, requestTimeoutMs: 5000
  })
})

t.test('options that cannot apply to share groups: absent for TypeScript, a clear error for JavaScript', async (t) => {
  const routes = new Routes(DEFAULTS)
  const err = t.throws(() => routes.draw((r) => r.shareGroup('g', (g) => g.topic('a', (topic) => {
    // @ts-expect-error manualOffsetManagement does not exist on a share group topic
    topic.manualOffsetManagement(true)
  })))) as UnsupportedOptionError
  t.type(err, UnsupportedOptionError)
  t.equal(err.option, 'manualOffsetManagement')
  t.match(err.message, /not available on a share group: share groups have no offsets to manage/)
  for (const option of ['longRunningJob', 'filter', 'throttle', 'delayBy', 'expireIn']) {
    t.throws(() => new Routes(DEFAULTS).draw((r) => r.shareGroup('g', (g) => g.topic('a', (topic) => {
      (topic as unknown as Record<string, () => void>)[option]?.()
    }))), UnsupportedOptionError, option)
  }
  const consumer = new NoopConsumer()
  // @ts-expect-error seek does not exist on a share group consumer
  t.throws(() => consumer.seek(5), { name: 'UnsupportedOptionError', message: /seek\(\) is not available on a share group/ })
  t.throws(() => (consumer as unknown as Record<string, () => void>).markAsConsumed?.(), UnsupportedOptionError)
})

t.test('groups are unique across draws; routes freeze when the App runs', async (t) => {
  const routes = new Routes(DEFAULTS)
  routes.draw((r) => r.shareGroup('g', (g) => g.topic('a', (t) => t.consumer(NoopConsumer))))
  routes.draw((r) => r.shareGroup('h', (g) => g.topic('a', (t) => t.consumer(NoopConsumer))))
  t.equal(routes.groups.length, 2, 'a second draw adds groups; the same topic in two groups is fine')
  t.match(problemsOf(() => routes.draw((r) => r.shareGroup('g', (g) => g.topic('b', (t) => t.consumer(NoopConsumer)))))[0], /share group g is declared twice/)
  routes.lock()
  t.match(problemsOf(() => routes.draw(() => {}))[0], /cannot change once the App runs/)
})

t.test('topic options are checked: backoff buffer, retry backoff, jobs builder, virtual partitions, deserializer, DLQ', async (t) => {
  const problems = problemsOf(() => new Routes(DEFAULTS).draw((r) => r.shareGroup('g', (g) => {
    g.topic('a', (t) => t.consumer(NoopConsumer).shareBackoffBuffer(-1).retryBackoff({ initialMs: 10, maxMs: 5 }))
    g.topic('b', (t) => t.consumer(NoopConsumer).jobsBuilder('per_topic' as 'per_key'))
    g.topic('c', (t) => t.consumer(NoopConsumer).jobsBuilder('per_key').virtualPartitions({ partitioner: 'hash' as 'key', maxPartitions: 0 }))
    g.topic('d', (t) => t.consumer(NoopConsumer).deserializer('json' as unknown as () => null).deadLetterQueue({ topic: 'x y', maxAttempts: 0 }))
  })))
  for (const re of [/a: shareBackoffBuffer/, /a: retryBackoff needs/, /b: jobsBuilder must be one of/, /c: virtualPartitions.maxPartitions/,
    /c: virtualPartitions.partitioner/, /c: virtual partitions build the jobs/, /d: the deserializer must be a function/,
    /d: deadLetterQueue.topic must be a legal/, /d: deadLetterQueue.maxAttempts must be an integer/]) {
    t.ok(problems.some((p) => re.test(p)), `reports ${re}`)
  }
  t.equal(problems.length, 9)
})
