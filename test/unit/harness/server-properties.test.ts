import t from 'tap'
import { clusterTopology } from '../../harness/local-broker.js'
import {
  TOPOLOGY_KEYS, clusterOverrides, parseProperties, readServerPropertiesTemplate, renderServerProperties
} from '../../harness/server-properties.js'

const template = readServerPropertiesTemplate()

t.test('single node: placeholders filled, test tuning present', async (t) => {
  const [node] = clusterTopology([{ port: 39092, controllerPort: 39093 }], '/w')
  if (node === undefined) throw new Error('no node')
  const props = parseProperties(renderServerProperties(template, node))
  t.equal(props.get('node.id'), '1')
  t.equal(props.get('controller.quorum.voters'), '1@127.0.0.1:39093')
  t.equal(props.get('listeners'), 'PLAINTEXT://127.0.0.1:39092,CONTROLLER://127.0.0.1:39093')
  t.equal(props.get('advertised.listeners'), 'PLAINTEXT://127.0.0.1:39092')
  t.equal(props.get('log.dirs'), '/w/node-1/data')
  // the values the issue asks for
  t.equal(props.get('group.share.min.session.timeout.ms'), '6000')
  t.equal(props.get('group.share.session.timeout.ms'), '10000')
  t.equal(props.get('group.share.min.heartbeat.interval.ms'), '500')
  t.equal(props.get('group.share.heartbeat.interval.ms'), '1000')
  t.equal(props.get('group.share.min.record.lock.duration.ms'), '1000')
  t.equal(props.get('group.initial.rebalance.delay.ms'), '0')
  t.equal(props.get('share.coordinator.state.topic.replication.factor'), '1')
  t.equal(props.get('offsets.topic.num.partitions'), '1')
  for (const [k, v] of props) t.notMatch(v, /@[A-Z_]+@/, `${k} has no placeholder left`)
  for (const k of TOPOLOGY_KEYS) t.ok(props.has(k), `topology key ${k} is in the template`)
})

t.test('broker rule: heartbeat < session and min <= value', async (t) => {
  const props = parseProperties(template.replace(/@[A-Z_]+@/g, 'x'))
  const n = (k: string): number => Number(props.get(k))
  t.ok(n('group.share.heartbeat.interval.ms') < n('group.share.session.timeout.ms'))
  t.ok(n('group.share.min.session.timeout.ms') <= n('group.share.session.timeout.ms'))
  t.ok(n('group.share.min.heartbeat.interval.ms') <= n('group.share.heartbeat.interval.ms'))
})

t.test('three nodes: static voters, distinct ports, RF 3 and a partition per node for internal topics', async (t) => {
  const topo = clusterTopology([
    { port: 39092, controllerPort: 39093 }, { port: 39094, controllerPort: 39095 }, { port: 39096, controllerPort: 39097 }
  ], '/w')
  t.equal(topo.length, 3)
  const rendered = topo.map((node) => parseProperties(renderServerProperties(template, node, clusterOverrides(3))))
  for (const [i, props] of rendered.entries()) {
    t.equal(props.get('node.id'), String(i + 1))
    t.equal(props.get('controller.quorum.voters'), '1@127.0.0.1:39093,2@127.0.0.1:39095,3@127.0.0.1:39097')
    t.equal(props.get('offsets.topic.replication.factor'), '3')
    t.equal(props.get('share.coordinator.state.topic.replication.factor'), '3')
    t.equal(props.get('share.coordinator.state.topic.min.isr'), '1', 'writes go on with nodes down')
    t.equal(props.get('offsets.topic.num.partitions'), '3', 'group coordinators spread over the nodes')
    t.equal(props.get('share.coordinator.state.topic.num.partitions'), '3', 'share coordinators spread over the nodes')
    t.equal(props.get('default.replication.factor'), '3')
    t.equal(props.get('log.dirs'), `/w/node-${i + 1}/data`)
  }
  t.not(rendered[0]?.get('listeners'), rendered[1]?.get('listeners'))
})

t.test('overrides replace in place and append new keys; one value per key', async (t) => {
  const [node] = clusterTopology([{ port: 1, controllerPort: 2 }], '/w')
  if (node === undefined) throw new Error('no node')
  const text = renderServerProperties(template, node, { 'group.share.session.timeout.ms': 7000, 'log.retention.ms': 1000 })
  t.equal(text.split('\n').filter((l) => l.startsWith('group.share.session.timeout.ms=')).length, 1)
  const props = parseProperties(text)
  t.equal(props.get('group.share.session.timeout.ms'), '7000')
  t.equal(props.get('log.retention.ms'), '1000')
  t.throws(() => renderServerProperties(template, node, { 'a': 'x\ny=1' }), /line breaks/)
})

t.test('an unknown placeholder is an error, not a broken config', async (t) => {
  const [node] = clusterTopology([{ port: 1, controllerPort: 2 }], '/w')
  if (node === undefined) throw new Error('no node')
  t.throws(() => renderServerProperties('a=@NOPE@\n', node), /unknown placeholder @NOPE@/)
  t.doesNotThrow(() => renderServerProperties('# a comment about @NOPE@\n', node))
})
