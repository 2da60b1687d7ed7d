import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { testBootstrap } from '../../harness/index.js'
import { runCli } from '../../helpers/run-cli.js'
import { createTopic, setGroupConfigs, uniqueName } from '../../helpers/share-setup.js'

/**
 * Starts dumpcap and resolves once it captures. Capturing needs root or CAP_NET_RAW: without
 * it this throws saying so (the test fails; it is never skipped).
 */
async function dumpcap (args: string[]): Promise<{ stop: () => Promise<void> }> {
  const child: ChildProcess = spawn('/usr/bin/dumpcap', ['-q', ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dumpcap did not start capturing in 10 s: ${err}`)), 10_000)
    child.stderr!.on('data', d => {
      err += String(d)
      if (/Capturing on/.test(err)) { clearTimeout(timer); resolve() }
    })
    child.once('exit', code => {
      clearTimeout(timer)
      reject(new Error(`dumpcap exited ${code}: ${err.trim()} — capturing on loopback needs root or CAP_NET_RAW for dumpcap (CI runs as root)`))
    })
  })
  return {
    stop: async () => {
      const exited = new Promise(resolve => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
  }
}

// Captures written by Wireshark's own dumpcap while kshare talks to the real cluster: pcapng
// on lo (Ethernet link type), libpcap on `any` (Linux cooked SLL) and pcapng on `any` with
// SLL2 (what newer `tcpdump -i any` writes). `kshare decode --pcap` reassembles the TCP
// streams and decodes the exchanges.
t.test('decode --pcap reads pcapng and pcap captures that dumpcap wrote', async t => {
  const bootstrap = testBootstrap()
  const ports = bootstrap.split(',').map(a => Number(a.slice(a.lastIndexOf(':') + 1)))
  const filter = ports.map(p => `tcp port ${p}`).join(' or ')
  const dir = await mkdtemp(join(tmpdir(), 'kshare-capture-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const topic = uniqueName('capture')
  const group = uniqueName('capture-g')
  await createTopic(bootstrap, topic, 1)
  await setGroupConfigs(bootstrap, group, { 'share.auto.offset.reset': 'earliest' })

  const pcapng = join(dir, 'lo.pcapng')
  const pcap = join(dir, 'any.pcap')
  const lo = await dumpcap(['-i', 'lo', '-f', filter, '-w', pcapng])
  const any = await dumpcap(['-i', 'any', '-P', '-f', filter, '-w', pcap])
  const sll2 = join(dir, 'any-sll2.pcapng')
  const any2 = await dumpcap(['-i', 'any', '-y', 'LINUX_SLL2', '-f', filter, '-w', sll2])
  // "Capturing on" comes a moment before the filter is live on every interface.
  await new Promise(resolve => setTimeout(resolve, 1000))
  try {
    const produced = await runCli(['produce', '--bootstrap', bootstrap, '--topic', topic], { stdin: 'a\nb\nc\nd\ne\n' })
    t.equal(produced.code, 0, produced.err)
    const consumed = await runCli(['share-consume', '--bootstrap', bootstrap, '--group', group, '--topic', topic, '--max', '5', '--idle', '20000'])
    t.equal(consumed.code, 0, consumed.err)
  } finally {
    // dumpcap writes what the kernel buffered when it stops; give the last packets time to get there.
    await new Promise(resolve => setTimeout(resolve, 1000))
    await lo.stop()
    await any.stop()
    await any2.stop()
  }
  t.equal((await readFile(pcapng)).readUInt32LE(0), 0x0a0d0d0a, 'dumpcap wrote pcapng')
  t.equal((await readFile(pcap)).readUInt32LE(0), 0xa1b2c3d4, 'and libpcap')
  t.equal((await readFile(pcap)).readUInt32LE(20), 113, 'on any: Linux cooked (SLL)')
  const ng = await readFile(sll2)
  t.equal(ng.readUInt16LE(ng.readUInt32LE(4) + 8), 276, 'and SLL2 in the pcapng interface block')

  for (const file of [pcapng, pcap, sll2]) {
    const all = await runCli(['decode', '--pcap', file])
    t.equal(all.code, 0, `${file}: ${all.err}`)
    t.match(all.out, /conformance: 0 violations/)
    t.match(all.out, new RegExp(`^\\S+ \\(kshare-cli\\)\\s+5\\s+5 `, 'm'), 'the member acquired and accepted the 5 records')
    // The capture also holds the brokers' own traffic (replica fetches): look at kshare's.
    const r = await runCli(['decode', '--pcap', file, '--client-id', 'kshare-cli'])
    const timeline = r.out.slice(0, r.out.indexOf('── summary'))
    t.match(timeline, /open 127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+ client-id=kshare-cli software=kshare\//, `${file}: connections with client software`)
    t.match(timeline, /→ Produce v\d+ c=\d+/, 'the produce request')
    const fetches = timeline.split('\n').filter(l => /ShareFetch|ShareAcknowledge/.test(l))
    t.ok(fetches.some(l => /← ShareFetch v\d+ c=\d+ [\d.]+ms NONE lock=\d+ms \S+-0 acquired\[0-4×1\]/.test(l)), `the acquired range, paired with its request:\n${fetches.join('\n')}`)
    t.notMatch(timeline, /raw \(not decoded\)|undecodable/, 'every frame of kshare\'s decoded')
  }
  const filtered = await runCli(['decode', '--pcap', pcap, '--port', String(ports[0]), '--api', 'Metadata', '--json'])
  t.equal(filtered.code, 0, filtered.err)
  const lines = filtered.out.trim().split('\n').map(l => JSON.parse(l) as { api?: string, upstream?: string, frame?: string })
  t.ok(lines.length > 0 && lines.every(l => l.api === 'Metadata' && l.upstream === `127.0.0.1:${ports[0]}` && typeof l.frame === 'string'), '--port and --api select, --json carries the bytes')
})
