/**
 * Captures golden frames from a real broker for `test/unit/protocol/golden.test.ts`.
 *
 *   npx tsc -p . && node dist/scripts/capture-golden.js
 *
 * Starts a private Kafka broker (the test harness; KAFKA_VERSION picks the release, default
 * 4.4.0) whose client listener is advertised at the port of a raw TCP tee, so that after
 * bootstrap Kafka's own tools still connect through the tee and every byte they exchange is
 * recorded. Through the tee it runs: TopicCommand (create the topic), ConfigCommand (set
 * share.auto.offset.reset=earliest on the group, then describe it), ConsoleProducer, two
 * ConsoleShareConsumer runs (the first accepts 2 of 3 records and closes, the second gets the
 * released record again with delivery count 2 plus new ones, rejects them and times out),
 * then ShareGroupCommand --describe/--members/--list/--reset-offsets/--delete-offsets/--delete.
 *
 * The streams are cut into frames and paired by correlation id. For each API that kshare
 * declares and each version seen, the first 2 exchanges are written, plus the first one
 * showing each feature the golden test checks (a ShareFetch with acquired records, one with
 * a redelivery, piggy-backed acks, ...). Output, replacing what was there:
 *   test/fixtures/golden/<api>-v<version>-{request,response}-<n>.bin  (size-prefixed frames)
 *   test/fixtures/golden/manifest.json  (what each frame is, topic/group names, advertised port)
 * Takes about a minute (one broker start and ~14 JVM tool runs). Kills the broker at the end.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  API_BY_KEY, decodeRequest, decodeResponse, ShareAcknowledge, ShareFetch, ShareGroupHeartbeat, type ApiDefinition
} from '../protocol/index.js'
import { kafkaToolCommand, startBroker, stopBroker, type BrokerHandle } from '../test/harness/index.js'
import { GOLDEN_DIR, type GoldenFrame, type GoldenManifest } from '../test/helpers/golden-manifest.js'
import { allocatePorts } from '../test/harness/ports.js'
import { pairExchanges, type Exchange } from './golden/exchanges.js'
import { TcpTee } from './golden/tcp-tee.js'

const TOPIC = 'golden-share'
const GROUP = 'golden-group'
const KEEP_FIRST = 2

type Feature = [name: string, test: (e: Exchange) => boolean]

const body = (e: Exchange): Buffer => e.request.subarray(4)
const resBody = (e: Exchange): Buffer | undefined => e.response?.subarray(4)

/** Per API key: exchanges worth a fixture even after the first few (what the golden test looks for). */
const FEATURES: Record<number, Feature[]> = {
  [ShareFetch.apiKey]: [
    ['acquired records', e => {
      const r = resBody(e)
      return r !== undefined && decodeResponse(ShareFetch, e.apiVersion, r).body.responses.some(t => t.partitions.some(p => p.acquiredRecords.length > 0))
    }],
    ['redelivery', e => {
      const r = resBody(e)
      return r !== undefined && decodeResponse(ShareFetch, e.apiVersion, r).body.responses
        .some(t => t.partitions.some(p => p.acquiredRecords.some(a => a.deliveryCount >= 2)))
    }],
    ['piggy-backed acks', e => decodeRequest(ShareFetch, body(e)).body.topics.some(t => t.partitions.some(p => p.acknowledgementBatches.length > 0))],
    ['session close', e => decodeRequest(ShareFetch, body(e)).body.shareSessionEpoch === -1]
  ],
  [ShareAcknowledge.apiKey]: [
    ['acks', e => decodeRequest(ShareAcknowledge, body(e)).body.topics.length > 0],
    ['session close', e => decodeRequest(ShareAcknowledge, body(e)).body.shareSessionEpoch === -1]
  ],
  [ShareGroupHeartbeat.apiKey]: [
    ['assignment', e => {
      const r = resBody(e)
      return r !== undefined && (decodeResponse(ShareGroupHeartbeat, e.apiVersion, r).body.assignment?.topicPartitions.length ?? 0) > 0
    }],
    ['leave', e => decodeRequest(ShareGroupHeartbeat, body(e)).body.memberEpoch === -1]
  ]
}

function kebab (name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()
}

/** True when the feature test holds; a frame our codec cannot decode has no features (the golden test will say why). */
function has (e: Exchange, [, test]: Feature): boolean {
  try {
    return test(e)
  } catch {
    return false
  }
}

/** The exchanges to keep: per API and version the first few, plus the first showing each feature. */
function select (exchanges: Exchange[]): Exchange[] {
  const byKind = new Map<string, Exchange[]>()
  for (const e of exchanges) {
    if (!API_BY_KEY.has(e.apiKey) || e.response === undefined) continue
    const kind = `${e.apiKey}/${e.apiVersion}`
    byKind.set(kind, [...(byKind.get(kind) ?? []), e])
  }
  const kept: Exchange[] = []
  for (const list of byKind.values()) {
    const chosen = new Set(list.slice(0, KEEP_FIRST))
    for (const feature of FEATURES[list[0]!.apiKey] ?? []) {
      if ([...chosen].some(e => has(e, feature))) continue
      const first = list.find(e => has(e, feature))
      if (first !== undefined) chosen.add(first)
    }
    kept.push(...list.filter(e => chosen.has(e)))
  }
  return kept
}

/** Runs one Kafka tool to completion (killed after 90 s), with `input` on its stdin. */
async function runTool (tee: TcpTee, label: string, mainClass: string, args: string[],
  opts: { input?: string, allowFailure?: boolean } = {}): Promise<void> {
  tee.label = label
  const cmd = await kafkaToolCommand(mainClass, args)
  const started = Date.now()
  const { code, output } = await new Promise<{ code: number | null, output: string }>((resolve, reject) => {
    const child = spawn(cmd.command, cmd.args, { stdio: ['pipe', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d: Buffer) => { output += d.toString() })
    child.stderr.on('data', (d: Buffer) => { output += d.toString() })
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000)
    child.on('error', err => { clearTimeout(timer); reject(err) })
    child.on('close', code => { clearTimeout(timer); resolve({ code, output }) })
    child.stdin.end(opts.input ?? '')
  })
  process.stderr.write(`capture-golden: ${label}: exit ${String(code)} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
  if (code !== 0 && opts.allowFailure !== true) throw new Error(`${label} failed (exit ${String(code)}):\n${output}`)
}

async function capture (tee: TcpTee, bootstrap: string): Promise<void> {
  const b = ['--bootstrap-server', bootstrap]
  const groupConfig = ['--entity-type', 'groups', '--entity-name', GROUP]
  const consumer = [...b, '--topic', TOPIC, '--group', GROUP, '--formatter-property', 'print.key=true']
  const producer = [...b, '--topic', TOPIC, '--reader-property', 'parse.key=true', '--reader-property', 'key.separator=:', '--reader-property', 'parse.headers=true']
  const share = 'org.apache.kafka.tools.consumer.group.ShareGroupCommand'
  await runTool(tee, 'create topic', 'org.apache.kafka.tools.TopicCommand', [...b, '--create', '--topic', TOPIC, '--partitions', '1', '--replication-factor', '1'])
  await runTool(tee, 'alter group config', 'org.apache.kafka.tools.ConfigCommand', [...b, '--alter', ...groupConfig, '--add-config', 'share.auto.offset.reset=earliest'])
  await runTool(tee, 'describe group config', 'org.apache.kafka.tools.ConfigCommand', [...b, '--describe', ...groupConfig])
  // --sync: one Produce (and one record batch) per line.
  await runTool(tee, 'produce 3', 'org.apache.kafka.tools.ConsoleProducer', [...producer, '--sync'],
    { input: 'trace:a\tk1:one\ntrace:b\tk2:two\ntrace:c\tk3:three\n' })
  // Acquires all 3, accepts 2, closes: the close releases the third.
  await runTool(tee, 'consume accept 2', 'org.apache.kafka.tools.consumer.ConsoleShareConsumer', [...consumer, '--max-messages', '2'])
  await runTool(tee, 'produce 2', 'org.apache.kafka.tools.ConsoleProducer', producer, { input: 'trace:d\tk4:four\ntrace:e\tk5:five\n' })
  // Gets the released record again (delivery count 2) and the new ones, rejects them (acks
  // piggy-backed on the next ShareFetch), then gives up after the timeout and closes.
  await runTool(tee, 'consume reject', 'org.apache.kafka.tools.consumer.ConsoleShareConsumer',
    [...consumer, '--reject', '--timeout-ms', '5000'], { allowFailure: true })
  await runTool(tee, 'describe offsets', share, [...b, '--describe', '--group', GROUP])
  await runTool(tee, 'describe members', share, [...b, '--describe', '--members', '--group', GROUP])
  await runTool(tee, 'list groups', share, [...b, '--list'])
  await runTool(tee, 'reset offsets', share, [...b, '--reset-offsets', '--to-earliest', '--execute', '--group', GROUP, '--topic', TOPIC])
  await runTool(tee, 'delete offsets', share, [...b, '--delete-offsets', '--group', GROUP, '--topic', TOPIC])
  await runTool(tee, 'delete group', share, [...b, '--delete', '--group', GROUP])
}

function writeFixtures (exchanges: Exchange[], kafkaVersion: string, advertisedPort: number): { frames: GoldenFrame[], bytes: number } {
  mkdirSync(GOLDEN_DIR, { recursive: true })
  for (const f of readdirSync(GOLDEN_DIR)) {
    if (f.endsWith('.bin') || f === 'manifest.json') rmSync(join(GOLDEN_DIR, f))
  }
  const counters = new Map<string, number>()
  const frames: GoldenFrame[] = []
  let bytes = 0
  for (const e of select(exchanges)) {
    const api = API_BY_KEY.get(e.apiKey) as ApiDefinition
    const stem = `${kebab(api.name)}-v${e.apiVersion}`
    const n = (counters.get(stem) ?? 0) + 1
    counters.set(stem, n)
    const request = `${stem}-request-${n}.bin`
    const response = e.response !== undefined ? `${stem}-response-${n}.bin` : null
    writeFileSync(join(GOLDEN_DIR, request), e.request)
    if (response !== null) writeFileSync(join(GOLDEN_DIR, response), e.response!)
    bytes += e.request.length + (e.response?.length ?? 0)
    const features = (FEATURES[e.apiKey] ?? []).filter(f => has(e, f)).map(([name]) => name)
    frames.push({ api: api.name, apiKey: e.apiKey, apiVersion: e.apiVersion, correlationId: e.correlationId, clientId: e.clientId, tool: e.label, request, response, features })
  }
  const manifest: GoldenManifest = { kafkaVersion, capturedAt: new Date().toISOString(), topic: TOPIC, group: GROUP, advertisedPort, frames }
  writeFileSync(join(GOLDEN_DIR, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n')
  return { frames, bytes }
}

function summary (exchanges: Exchange[], frames: GoldenFrame[], bytes: number, leftoverBytes: number): string {
  const seen = new Map<string, number>()
  for (const e of exchanges) {
    const name = API_BY_KEY.get(e.apiKey)?.name ?? `undeclared key ${e.apiKey}`
    const kind = `${name} v${e.apiVersion}`
    seen.set(kind, (seen.get(kind) ?? 0) + 1)
  }
  const lines = [...seen].sort().map(([kind, n]) => `  ${kind}: ${n} exchange(s), ${frames.filter(f => `${f.api} v${f.apiVersion}` === kind).length} kept`)
  return [`capture-golden: ${exchanges.length} exchanges; wrote ${frames.length} pairs (~${bytes} bytes) to ${GOLDEN_DIR}`, ...lines,
    leftoverBytes > 0 ? `  warning: ${leftoverBytes} byte(s) after the last whole frame` : ''].filter(l => l !== '').join('\n')
}

async function main (): Promise<void> {
  const [port, controllerPort, externalPort, teePort] = await allocatePorts(4) as [number, number, number, number]
  const tee = new TcpTee(teePort, externalPort)
  await tee.start()
  let handle: BrokerHandle | undefined
  let kafkaVersion = ''
  try {
    // PLAINTEXT stays the inter-broker listener at its real address; clients use EXTERNAL,
    // which the broker advertises at the tee, so Metadata and FindCoordinator answers lead
    // the tools back through the tee.
    handle = await startBroker({
      port,
      controllerPort,
      outliveProcess: false,
      serverProperties: {
        listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort},EXTERNAL://127.0.0.1:${externalPort}`,
        'advertised.listeners': `PLAINTEXT://127.0.0.1:${port},EXTERNAL://127.0.0.1:${teePort}`,
        'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,EXTERNAL:PLAINTEXT'
      }
    })
    kafkaVersion = handle.version
    await capture(tee, `127.0.0.1:${teePort}`)
  } finally {
    if (handle !== undefined) await stopBroker(handle)
    await tee.close()
  }
  const { exchanges, leftoverBytes } = pairExchanges(tee.chunks, tee.connections)
  const { frames, bytes } = writeFixtures(exchanges, kafkaVersion, teePort)
  process.stderr.write(summary(exchanges, frames, bytes, leftoverBytes) + '\n')
}

main().catch((err: unknown) => {
  process.stderr.write(`capture-golden: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exitCode = 1
})
