/**
 * Captures record batches written by Kafka's Java producer, one topic per compression codec,
 * for `test/unit/protocol/records/java-fixtures.test.ts` and `bench/decode.ts`:
 *
 *   npx tsc -p . && node dist/scripts/capture-record-batches.js
 *
 * Starts a private broker (the test harness; KAFKA_VERSION picks the release, default 4.4.0)
 * with topic auto-creation, runs `org.apache.kafka.tools.ConsoleProducer` once per codec
 * (none, gzip, snappy, lz4, zstd) with keys, headers, a null key, a tombstone and non-ASCII
 * text, then copies the partition's log segment: the broker stores batches exactly as the
 * producer compressed them (topic `compression.type=producer`, the default), so the file
 * holds the producer's bytes. Also captures `bench-zstd`: 200 records of 1 KiB in one zstd
 * batch, the zstd input of the decode benchmark (Node 20 has no zstd encoder).
 * Output, replacing what was there:
 *   test/fixtures/records/<codec>.bin   the batches (the segment file, as is)
 *   test/fixtures/records/<codec>.json  what was produced: records and the capture time window
 * Takes about a minute. Kills the broker at the end.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { kafkaToolCommand, startPrivateBroker, stopBroker } from '../test/harness/index.js'
import { BENCH_RECORD_COUNT, benchRecords, FIXTURE_DIR, NULL_MARKER, SAMPLE_RECORDS, type ExpectedRecord, type RecordFixture } from '../test/helpers/record-fixtures.js'

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const

/**
 * One ConsoleProducer input line: "h1:v1,h2:v2<TAB>key<TAB>value" (parse.headers and parse.key);
 * the null marker stands for a null key, value or header value, and for "no headers".
 */
function line (r: ExpectedRecord): string {
  const headers = r.headers.length === 0 ? NULL_MARKER : r.headers.map(h => `${h.key}:${h.value ?? NULL_MARKER}`).join(',')
  return `${headers}\t${r.key ?? NULL_MARKER}\t${r.value ?? NULL_MARKER}`
}

async function produce (bootstrap: string, topic: string, codec: string, records: readonly ExpectedRecord[]): Promise<void> {
  const cmd = await kafkaToolCommand('org.apache.kafka.tools.ConsoleProducer', [
    '--bootstrap-server', bootstrap, '--topic', topic, '--compression-codec', codec,
    // One batch: everything fits in batch.size and is sent when linger.ms expires (or at exit).
    '--batch-size', String(4 * 1024 * 1024), '--command-property', 'linger.ms=2000',
    '--reader-property', 'parse.key=true', '--reader-property', 'parse.headers=true',
    '--reader-property', `null.marker=${NULL_MARKER}`
  ])
  await new Promise<void>((resolve, reject) => {
    const child = spawn(cmd.command, cmd.args, { stdio: ['pipe', 'inherit', 'inherit'] })
    child.on('error', reject)
    child.on('close', code => code === 0 ? resolve() : reject(new Error(`ConsoleProducer for ${topic} exited with ${code}`)))
    child.stdin.end(records.map(line).join('\n') + '\n')
  })
}

const broker = await startPrivateBroker({
  serverProperties: { 'auto.create.topics.enable': true, 'num.partitions': 1, 'log.flush.interval.messages': 1 }
})
try {
  const node = broker.nodes[0]!
  mkdirSync(FIXTURE_DIR, { recursive: true })
  const jobs: Array<[name: string, codec: string, records: readonly ExpectedRecord[], bench: boolean]> = [
    ...CODECS.map((c): [string, string, readonly ExpectedRecord[], boolean] => [c, c, SAMPLE_RECORDS, false]),
    ['bench-zstd', 'zstd', benchRecords(BENCH_RECORD_COUNT), true]
  ]
  for (const [name, codec, records, bench] of jobs) {
    const topic = `records-${name}`
    const from = Date.now()
    await produce(broker.bootstrap, topic, codec, records)
    const to = Date.now()
    const segment = readFileSync(join(node.dir!, 'data', `${topic}-0`, '00000000000000000000.log'))
    writeFileSync(join(FIXTURE_DIR, `${name}.bin`), segment)
    const fixture: RecordFixture = {
      producer: 'org.apache.kafka.tools.ConsoleProducer',
      kafkaVersion: broker.version,
      codec,
      capturedFrom: from,
      capturedTo: to,
      ...(bench ? { benchRecords: records.length } : { records: [...records] })
    }
    writeFileSync(join(FIXTURE_DIR, `${name}.json`), JSON.stringify(fixture, null, 2) + '\n')
    console.log(`${name}: ${segment.length} bytes, ${records.length} records`)
  }
} finally {
  await stopBroker(broker)
}
