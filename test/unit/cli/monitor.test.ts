import t from 'tap'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../../helpers/run-cli.js'
import { encodeRequest, encodeResponse, ShareGroupDescribe } from '../../../protocol/index.js'
import { ExchangeDecoder } from '../../../cli/exchange.js'
import { Monitor } from '../../../cli/proxy/monitor.js'
import { errorsIn, keyFields } from '../../../cli/proxy/timeline.js'
import { readJsonLog, replay } from '../../../cli/capture/replay.js'
import { ShareFrames } from '../../helpers/share-frames.js'

t.test('errors by name with their field path; admin key fields', async t => {
  t.same(errorsIn({ errorCode: 0, topics: [{ name: 'orders', partitions: [{ partitionIndex: 3, errorCode: 6 }] }, { name: 'b', errorCode: 3 }] }),
    ['topics[orders].partitions[3].errorCode=NOT_LEADER_OR_FOLLOWER', 'topics[b].errorCode=UNKNOWN_TOPIC_OR_PARTITION'])
  t.equal(keyFields({ groupIds: ['g1', 'g2'], includeAuthorizedOperations: false }), 'groups=[g1,g2]')
  t.equal(keyFields({ statesFilter: ['Stable', 'Empty'], typesFilter: ['share'] }), 'states=[Stable,Empty] types=[share]')
  t.equal(keyFields({ groups: [{ groupId: 'g1', groupState: 'Stable', members: [] }] }), 'group=g1 state=Stable')
})

t.test('the monitor: open line with client id, tags, hide-idle, findings; JSON lines replay to the same view', async t => {
  const f = new ShareFrames('AAAAAAAAAAAAAAAAAAAAAQ', 'm1', 'g1')
  const text: string[] = []
  const json: string[] = []
  const options = { verbose: false }
  const text1 = new Monitor(s => text.push(s), { ...options, json: false, filter: { hideIdle: true } })
  const json1 = new Monitor(s => json.push(s), { ...options, json: true, filter: {} })
  const frames = [
    f.fetch(0), f.fetched([]), // idle: hidden
    f.fetch(1), f.fetched([[0n, 1n, 1]]),
    f.fetch(2, [{ firstOffset: 5n, lastOffset: 5n, acknowledgeTypes: [1] }]), f.fetched([])
  ]
  for (const m of [text1, json1]) {
    m.opened({ connection: 1, at: 0, peer: '127.0.0.1:5000', upstream: 'b:9092' })
    frames.forEach((frame, i) => m.frame({ at: i, connection: 1, direction: frame.direction, frame, wire: frame.payload }))
    m.closed({ connection: 1, at: 10, peer: '127.0.0.1:5000', upstream: 'b:9092', closedBy: 'client' })
  }
  const out = text.join('')
  t.match(out, /^00:00:00\.000 #1 c open 127\.0\.0\.1:5000 → b:9092 client-id=c\n/, 'the open line names the client')
  t.notMatch(out, /epoch=0/, 'the empty fetch and its response are hidden')
  t.match(out, /#1 c ← ShareFetch v2 c=2 .*acquired\[0-1×1\]/)
  t.match(out, /✗ VIOLATION ack-not-acquired member=m1: ShareFetch c=3: AAAAAAAA…-0: acknowledges 5, not acquired/)
  t.match(out, /closed by client after 0\.0s, 6 frames/)
  t.equal(text1.findings.violations, 1)

  const again: string[] = []
  const replayed = new Monitor(s => again.push(s), { ...options, json: false, filter: { hideIdle: true } })
  replay(readJsonLog(json.join('')), replayed)
  // Latencies differ only because the recorded frames were decoded on a stopped clock.
  const noLatency = (s: string): string => s.replace(/ [\d.]+ms NONE/g, ' NONE')
  t.same(noLatency(again.join('')), noLatency(out), 'a --json log decodes to the same timeline')

  const dir = await mkdtemp(join(tmpdir(), 'kshare-log-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(join(dir, 'log.jsonl'), json.join(''))
  const decoded = await runCli(['decode', '--file', join(dir, 'log.jsonl')])
  t.equal(decoded.code, 1, 'decode of a log with a violation exits 1')
  t.match(decoded.err, /1 share-group protocol violations/)
  t.match(decoded.out, /conformance: 1 violations, 0 events/)
  const ShareGroupDescribeRequest = encodeRequest(ShareGroupDescribe, 1, { correlationId: 9, clientId: 'admin' }, { groupIds: ['g1'], includeAuthorizedOperations: false })
  const d = new ExchangeDecoder(() => 0)
  const request = d.request(ShareGroupDescribeRequest.subarray(4))
  const response = d.response(encodeResponse(ShareGroupDescribe, 1, 9, {
    throttleTimeMs: 0, groups: [{ errorCode: 69, errorMessage: null, groupId: 'g1', groupState: 'Dead', groupEpoch: 0, assignmentEpoch: 0, assignorName: '', members: [], authorizedOperations: 0 }]
  }).subarray(4))
  const errors: string[] = []
  const m = new Monitor(s => errors.push(s), { verbose: false, json: false, filter: { errorsOnly: true } })
  m.frame({ at: 0, connection: 2, direction: 'request', frame: request, wire: request.payload })
  m.frame({ at: 1, connection: 2, direction: 'response', frame: response, wire: response.payload })
  t.equal(errors.length, 1, '--errors-only: the failed response alone')
  t.match(errors[0]!, /← ShareGroupDescribe v1 c=9 [\d.]+ms groups\[g1\]\.errorCode=GROUP_ID_NOT_FOUND group=g1 state=Dead/)
})
