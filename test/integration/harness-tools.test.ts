import t from 'tap'
import { kafkaToolClass, requestedKafkaVersion, runKafkaTool, type KafkaToolName } from '../harness/index.js'

// kafkaToolClass() names classes inside Kafka's jars; this runs each one from the harness's
// cached jars (the version under test) so a class that moved or vanished is caught here.

const TOOLS: KafkaToolName[] = [
  'kafka-configs', 'kafka-topics', 'kafka-features', 'kafka-console-producer', 'kafka-console-share-consumer',
  'kafka-share-consumer-perf-test', 'kafka-share-groups', 'kafka-broker-api-versions'
]

t.test(`every tool class exists in the Kafka ${requestedKafkaVersion()} jars and runs`, async (t) => {
  const version = requestedKafkaVersion()
  // Two at a time: each is a JVM start on a 2-core machine.
  const results: Array<{ tool: KafkaToolName, code: number | null, out: string }> = []
  for (let i = 0; i < TOOLS.length; i += 2) {
    results.push(...await Promise.all(TOOLS.slice(i, i + 2).map(async (tool) => {
      // kafka-features (argparse4j) has no --version; --help proves the class loads and runs.
      const res = await runKafkaTool(kafkaToolClass(tool, version), [tool === 'kafka-features' ? '--help' : '--version'], { timeoutMs: 120_000 })
      return { tool, code: res.code, out: res.stdout + res.stderr }
    })))
  }
  for (const { tool, code, out } of results) {
    t.notMatch(out, /Could not find or load main class/, `${tool}: ${kafkaToolClass(tool, version)} is on the classpath`)
    if (tool === 'kafka-features') {
      // its --help exit status differs between releases (1 in 4.2, 0 in 4.4): check the text
      t.match(out, /usage: kafka-features/, `${tool} prints its usage`)
    } else {
      t.equal(code, 0, `${tool} exits 0`)
      t.match(out, new RegExp(`^${version.replace(/\./g, '\\.')}`, 'm'), `${tool} reports version ${version}`)
    }
  }
})

t.test('kafka-configs moved from the core jar to kafka-tools in 4.4', async (t) => {
  t.equal(kafkaToolClass('kafka-configs', '4.2.1'), 'kafka.admin.ConfigCommand')
  t.equal(kafkaToolClass('kafka-configs', '4.3.0'), 'kafka.admin.ConfigCommand')
  t.equal(kafkaToolClass('kafka-configs', '4.4.0'), 'org.apache.kafka.tools.ConfigCommand')
  t.equal(kafkaToolClass('kafka-configs', '5.0.0'), 'org.apache.kafka.tools.ConfigCommand')
})
