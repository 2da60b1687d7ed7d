import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { promisify } from 'node:util'
import { main } from '../../../cli/main.js'
import { kafkaToolClass, runKafkaTool, testBootstrap } from '../../harness/index.js'
import { runCli } from '../../helpers/run-cli.js'
import { createTopic, produceRecords, setGroupConfigs, uniqueName } from '../../helpers/share-setup.js'

const run = promisify(execFile)
const RECORDS = 3000

/** `kshare proxy ...` in-process until the returned stop() is called; its listener ports as it prints them. */
async function startProxy (args: string[], listen = '127.0.0.1:0'): Promise<{ port: number, ports: number[], stop: () => Promise<{ code: number, out: string, err: string }> }> {
  const out = new PassThrough()
  const err = new PassThrough()
  let o = ''
  let e = ''
  out.on('data', d => { o += String(d) })
  const ports: number[] = []
  const listening = new Promise<number>(resolve => err.on('data', d => {
    e += String(d)
    for (const m of String(d).matchAll(/listening on [\d.]+:(\d+)/g)) ports.push(Number(m[1]))
    if (ports.length > 0) resolve(ports[0]!)
  }))
  const abort = new AbortController()
  const done = main(['proxy', '--upstream', testBootstrap().split(',')[0]!, '--listen', listen, ...args], { out, err }, Readable.from(['']), abort.signal)
  const port = await Promise.race([listening, done.then(code => { throw new Error(`proxy exited ${code}: ${e}`) })])
  return { port, ports, stop: async () => { abort.abort(); const code = await done; return { code, out: o, err: e } } }
}

// Thousands of records through the proxy by Kafka's console share consumer, its
// ShareConsumerPerformance and kshare's ShareConsumer: the checker follows every record and
// finds no violation; the capture it wrote is read by tshark and by `kshare decode --pcap`.
t.test('Java and kshare consumers through the proxy: no violations; the pcap reads in tshark and decode', async t => {
  const bootstrap = testBootstrap()
  const topic = uniqueName('conf-ok')
  await createTopic(bootstrap, topic, 3)
  await produceRecords(bootstrap, topic, RECORDS, 3)
  const groups = ['java', 'perf', 'kshare'].map(g => uniqueName(`conf-ok-${g}`))
  for (const g of groups) await setGroupConfigs(bootstrap, g, { 'share.auto.offset.reset': 'earliest' })
  const dir = await mkdtemp(join(tmpdir(), 'kshare-proxy-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const pcap = join(dir, 'proxy.pcap')
  const proxy = await startProxy(['--pcap', pcap, '--hide-idle'])
  const via = `127.0.0.1:${proxy.port}`

  const java = await runKafkaTool(kafkaToolClass('kafka-console-share-consumer'), [
    '--bootstrap-server', via, '--topic', topic, '--group', groups[0]!, '--max-messages', String(RECORDS)
  ], { timeoutMs: 120_000 })
  t.equal(java.code, 0, java.stderr.slice(-500))
  t.equal(new Set(java.stdout.trim().split('\n')).size, RECORDS, 'the console share consumer got every record')

  const perf = await runKafkaTool(kafkaToolClass('kafka-share-consumer-perf-test'), [
    '--bootstrap-server', via, '--topic', topic, '--group', groups[1]!, '--num-records', String(RECORDS), '--timeout', '60000'
  ], { timeoutMs: 120_000 })
  t.equal(perf.code, 0, perf.stderr.slice(-500))

  const kshare = await runCli(['share-consume', '--bootstrap', via, '--group', groups[2]!, '--topic', topic, '--max', String(RECORDS), '--idle', '20000'])
  t.equal(kshare.code, 0, kshare.err.slice(-500))
  t.equal(kshare.out.trim().split('\n').filter(l => / offset=| \d+ /.test(l)).length >= RECORDS, true, 'kshare share-consume printed every record')

  // Kafka's admin tools through the proxy too: every frame of theirs must decode.
  for (const [tool, args] of [
    ['kafka-share-groups', ['--describe', '--group', groups[0]!]],
    ['kafka-topics', ['--describe', '--topic', topic]],
    ['kafka-configs', ['--describe', '--entity-type', 'groups', '--entity-name', groups[0]!]],
    // The console consumer has left: its group is empty, so its start offset may be reset.
    ['kafka-share-groups', ['--reset-offsets', '--group', groups[0]!, '--topic', topic, '--to-earliest', '--execute']]
  ] as const) {
    const admin = await runKafkaTool(kafkaToolClass(tool), ['--bootstrap-server', via, ...args], { timeoutMs: 60_000 })
    t.equal(admin.code, 0, `${tool}: ${admin.stderr.slice(-300)}`)
  }

  const { code, out, err } = await proxy.stop()
  t.equal(code, 0, err)
  const violations = out.split('\n').filter(l => l.includes('✗ VIOLATION'))
  t.same(violations, [], 'no violations')
  t.match(out, /conformance: 0 violations/)
  t.match(out, /open 127\.0\.0\.1:\d+ → [\d.]+:\d+ client-id=\S+ software=apache-kafka-java\/4\.4\.0/, 'a Java connection opens with its software')
  const summary = out.slice(out.indexOf('── summary ──'))
  const acquired = [...summary.matchAll(/^(\S+) \(([^)]*)\)\s+(\d+)\s+(\d+)/gm)].map(m => ({ member: m[1]!, client: m[2]!, acquired: Number(m[3]), accepted: Number(m[4]) }))
  t.ok(acquired.reduce((n, m) => n + m.acquired, 0) >= 3 * RECORDS, `every record acquired by some member: ${JSON.stringify(acquired)}`)
  t.match(summary, /undecoded frames: 0\n/, 'every frame of every tool decoded')
  t.match(out, /→ ShareGroupDescribe v\d+ c=\d+ groups=\[conf-ok-java/, 'admin requests show their group')
  t.match(out, /→ DescribeConfigs v\d+ c=\d+ resource=conf-ok-java/, 'and their resource')
  t.match(out, /→ AlterShareGroupOffsets v\d+ c=\d+/, 'the offsets reset went through the proxy')
  t.comment(summary)
  const shareFetches = Number(/^ShareFetch\s+(\d+)/m.exec(summary)?.[1])
  t.ok(shareFetches > 0)

  // tshark's Kafka dissector claims 9092 only: tell it every listener the proxy opened.
  const decodeAs = proxy.ports.flatMap(p => ['-d', `tcp.port==${p},kafka`])
  const tshark = await run('/usr/bin/tshark', ['-r', pcap, ...decodeAs, '-Y', 'kafka', '-T', 'fields', '-e', 'kafka.api_key', '-e', 'tcp.dstport'], { maxBuffer: 64 << 20 })
  const keys = tshark.stdout.split('\n').filter(l => l !== '').map(l => l.split('\t'))
  // tshark names the API on responses too: requests are the frames towards a proxy listener.
  const requests = keys.filter(([k, port]) => k !== '' && proxy.ports.includes(Number(port)))
  t.equal(requests.filter(([k]) => k === '78').length, shareFetches, 'tshark finds as many ShareFetch requests as the proxy saw')
  t.ok(requests.some(([k]) => k === '76') && requests.some(([k]) => k === '18'), 'and ShareGroupHeartbeat and ApiVersions')
  // (Debian's tshark 4.0 dissector flags newer API versions as malformed: the TCP layer is what we check.)
  const tcp = await run('/usr/bin/tshark', ['-r', pcap, '-o', 'tcp.check_checksum:TRUE', '-Y',
    'tcp.analysis.retransmission || tcp.analysis.lost_segment || tcp.analysis.out_of_order || tcp.analysis.ack_lost_segment || tcp.checksum.status == 0 || ip.checksum.status == 0'], { maxBuffer: 64 << 20 })
  t.equal(tcp.stdout.trim(), '', 'no TCP analysis warnings (seq/ack consistent), checksums right')

  const decoded = await runCli(['decode', '--pcap', pcap, '--api', 'ShareFetch'])
  t.equal(decoded.code, 0, decoded.err)
  t.match(decoded.out, /conformance: 0 violations/)
  t.equal(Number(/^ShareFetch\s+(\d+)/m.exec(decoded.out)?.[1]), shareFetches, 'decode --pcap counts the same ShareFetch requests')
  t.ok(decoded.out.split('\n').filter(l => / → | ← /.test(l)).every(l => /ShareFetch/.test(l)), '--api filters the timeline')
  const raw = await readFile(pcap)
  t.equal(raw.readUInt32LE(0), 0xa1b2c3d4, 'a libpcap file')
})

// A proxy on every interface tells clients the --advertise host (0.0.0.0 is no address to
// connect to) with the port the system chose; its --json log is read back by decode.
t.test('--listen 0.0.0.0:0 --advertise 127.0.0.1:0; --json lines read back by decode', async t => {
  const topic = uniqueName('advertise')
  await createTopic(testBootstrap(), topic, 1)
  const proxy = await startProxy(['--advertise', '127.0.0.1:0', '--json'], '0.0.0.0:0')
  const metadata = await runCli(['metadata', '--bootstrap', `127.0.0.1:${proxy.port}`, '--topic', topic])
  t.equal(metadata.code, 0, metadata.err)
  const { code, out, err } = await proxy.stop()
  t.equal(code, 0, err)
  t.match(err, new RegExp(`listening on 0\\.0\\.0\\.0:${proxy.port} \\(advertised as 127\\.0\\.0\\.1:${proxy.port}\\)`), 'the chosen port is printed')
  t.notMatch(metadata.out, /0\.0\.0\.0/, 'no client is told 0.0.0.0')
  t.ok(proxy.ports.length > 1, 'the brokers got listeners of their own')
  const lines = out.trim().split('\n').map(l => JSON.parse(l) as { ts?: string, connection?: number, direction?: string, frame?: string, event?: string, api?: string })
  const frames = lines.filter(l => l.frame !== undefined)
  t.ok(frames.length > 0 && frames.every(l => typeof l.ts === 'string' && !Number.isNaN(Date.parse(l.ts)) && typeof l.connection === 'number' && /^[0-9a-f]+$/.test(l.frame!)),
    'each frame line has a timestamp, a connection and the bytes')
  t.ok(lines.some(l => l.event === 'open') && lines.some(l => l.event === 'close'), 'connection events')

  const dir = await mkdtemp(join(tmpdir(), 'kshare-json-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const log = join(dir, 'proxy.jsonl')
  await writeFile(log, out)
  const decoded = await runCli(['decode', '--file', log, '--api', 'Metadata', '--verbose'])
  t.equal(decoded.code, 0, decoded.err)
  t.equal(decoded.out.split('\n').filter(l => /#\d+ kshare-cli → Metadata v\d+/.test(l)).length, frames.filter(f => f.api === 'Metadata' && f.direction === 'request').length, 'decode reads the log back: the same Metadata requests')
  t.match(decoded.out, new RegExp(`← Metadata v\\d+ c=\\d+ [\\d.]+ms ok topics=\\[${topic}\\]`))
  t.match(decoded.out, /host: "127\.0\.0\.1"/, 'verbose shows the fields (rewritten addresses)')
})

// With --verbose the proxy shows each record the broker hands out: offset, delivery count,
// key and value, for Java's console share consumer as for any client.
t.test('--verbose: ShareFetch responses show their records with keys, values and delivery counts', async t => {
  const bootstrap = testBootstrap()
  const topic = uniqueName('proxy-records')
  await createTopic(bootstrap, topic, 1)
  await produceRecords(bootstrap, topic, 5, 1)
  const group = uniqueName('proxy-records-g')
  await setGroupConfigs(bootstrap, group, { 'share.auto.offset.reset': 'earliest' })
  const proxy = await startProxy(['--verbose', '--api', 'ShareFetch'])
  const java = await runKafkaTool(kafkaToolClass('kafka-console-share-consumer'), [
    '--bootstrap-server', `127.0.0.1:${proxy.port}`, '--topic', topic, '--group', group, '--max-messages', '5'
  ], { timeoutMs: 120_000 })
  t.equal(java.code, 0, java.stderr.slice(-500))
  const { code, out, err } = await proxy.stop()
  t.equal(code, 0, err)
  for (let i = 0; i < 5; i++) t.match(out, new RegExp(`\\b${i} \\S+ delivery=1 key="key-${i}" value="value-${i}"`), `record ${i} shown with its key, value and delivery count`)
  t.match(out, /crc=0x[0-9a-f]+ ok/, 'batch CRCs checked')
})
