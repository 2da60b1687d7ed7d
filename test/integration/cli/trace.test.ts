import t from 'tap'
import { testBootstrap } from '../../harness/index.js'
import { runCli } from '../../helpers/run-cli.js'
import { uniqueName } from '../../helpers/share-setup.js'

// --trace prints kshare's own requests and responses as the proxy timeline does, decoded
// from the client's diagnostics channel; stdout keeps only the command's output.

const B = ['--bootstrap', testBootstrap()]

t.test('--trace, --trace=full and --json --trace on a share-consume', async t => {
  const topic = uniqueName('cli-trace')
  t.equal((await runCli(['topics', 'create', topic, '--partitions', '1', ...B])).code, 0)
  t.teardown(async () => { await runCli(['topics', 'delete', topic, ...B]) })
  const produced = await runCli(['produce', '--topic', topic, '--trace', ...B], { stdin: 'x\ny\nz\n' })
  t.equal(produced.code, 0, produced.err)
  t.match(produced.err, /^#\d+ connecting to bootstrap \S+ \(default\)$/m)
  t.match(produced.err, /^\d\d:\d\d:\d\d\.\d{3} #\d+ → Metadata v\d+ c=\d+/m)
  t.match(produced.err, /^\d\d:\d\d:\d\d\.\d{3} #\d+ ← Produce v\d+ c=\d+ [\d.]+ms ok$/m, 'the Produce response with its latency')
  t.match(produced.out, /^3 records/m, 'stdout has only the result')

  const summary = await runCli(['share-consume', '--group', uniqueName('cli-trace-g'), '--topic', topic, '--from', 'earliest', '--max', '3', '--trace', ...B])
  t.equal(summary.code, 0, summary.err)
  t.equal(summary.out.split('\n').filter(l => l !== '').length, 3, 'three records on stdout')
  t.match(summary.err, /→ IncrementalAlterConfigs v\d c=\d+/, '--from shows as the config change it is')
  t.match(summary.err, new RegExp(`→ ShareGroupHeartbeat v1 c=\\d+ member=\\S+ epoch=0 subscribe=\\[${topic}\\]`))
  t.match(summary.err, /→ ShareFetch v\d c=\d+ epoch=0 maxWait=\d+ms maxRecords=3 record_limit /, 'session opened with epoch 0')
  t.match(summary.err, new RegExp(`← ShareFetch v\\d c=\\d+ [\\d.]+ms NONE lock=\\d+ms ${topic}-0 acquired\\[0-2×1\\]`), 'acquired range with delivery count')
  t.match(summary.err, new RegExp(`→ Share(Acknowledge|Fetch) v\\d c=\\d+ epoch=[1-9]\\d* .*${topic}-0 acks\\[0-2:accept\\]`), 'the acknowledgement')
  t.match(summary.err, /→ ShareGroupHeartbeat v1 c=\d+ member=\S+ epoch=-1/, 'leaves the group on close')

  const full = await runCli(['share-consume', '--group', uniqueName('cli-trace-g'), '--topic', topic, '--from', 'earliest', '--max', '3', '--trace=full', ...B])
  t.equal(full.code, 0, full.err)
  t.match(full.err, /→ ShareFetch v\d c=\d+ .*\n(\s{6}.*\n)*\s{6}shareSessionEpoch: 0\n/, 'request fields')
  t.match(full.err, /← ShareFetch v\d c=\d+ .*\n(\s{6}.*\n)*\s+acquiredRecords \(1\):\n\s+\[0\]:\n\s+firstOffset: 0\n\s+lastOffset: 2\n\s+deliveryCount: 1\n/, 'acquired records, every field')
  t.match(full.err, /\s+acquisitionLockTimeoutMs: \d+\n/)

  const json = await runCli(['share-consume', '--group', uniqueName('cli-trace-g'), '--topic', topic, '--from', 'earliest', '--max', '3', '--json', '--trace', ...B])
  t.equal(json.code, 0, json.err)
  const traced = json.err.split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l) as { connection: number, purpose: string, direction: string, api: string, body: Record<string, unknown> })
  const fetched = traced.find(f => f.api === 'ShareFetch' && f.direction === 'response')
  t.match(fetched, { purpose: 'fetch', body: { errorCode: 0, responses: [{ partitions: [{ partitionIndex: 0, acquiredRecords: [{ firstOffset: '0', lastOffset: '2', deliveryCount: 1 }] }] }] } })
  t.ok(traced.some(f => f.api === 'ShareGroupHeartbeat' && f.direction === 'request' && f.purpose === 'coordinator'))
  t.equal(json.out.split('\n').filter(l => l !== '').map(l => (JSON.parse(l) as { value: string }).value).join(), 'x,y,z', 'records as JSON on stdout')
})
