import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { request } from 'node:http'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import type { Page } from 'playwright-core'
import { Admin } from '../../../client/admin.js'
import { PartitionReader } from '../../../client/partition-reader.js'
import { Producer } from '../../../client/producer.js'
import { createDashboard } from '../../../cli/web/server.js'
import { loadWebDependencies } from '../../../cli/web/dependencies.js'
import { BaseConsumer, type Message } from '../../../framework/index.js'
import { makeJobs, perform, PermanentError, type Job } from '../../../examples/jobs/jobs.js'
import { testBootstrap } from '../../harness/index.js'
import { launchChromium } from '../../helpers/browser.js'
import { runCli } from '../../helpers/run-cli.js'
import { startApp, waitFor } from '../../helpers/framework-setup.js'
import { createTopic, uniqueName } from '../../helpers/share-setup.js'

// The dashboard in Debian's chromium against a real cluster and a running App doing the
// examples/jobs work (with reports on): the numbers on the pages are Admin's, ten dead letters
// replayed from the page are processed again, a <script> payload stays text. Takes the
// README's screenshots (see SCREENSHOTS).

const JOBS = 150
// The README's screenshots are refreshed with KSHARE_SCREENSHOTS=docs/screenshots; other runs write them to a temporary directory.
const SCREENSHOTS = process.env.KSHARE_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'kshare-screenshots-'))
if (process.env.KSHARE_SCREENSHOTS === undefined) t.teardown(() => { rmSync(SCREENSHOTS, { recursive: true, force: true }) })

/** examples/jobs' JobsConsumer, except that a replayed dead letter succeeds (the operator fixed the cause before replaying). */
let replayedProcessed = 0
class ReplayAwareJobs extends BaseConsumer<Job> {
  async consume (messages: readonly Message<Job>[]): Promise<void> {
    for (const m of messages) {
      if (m.headers.some((h) => h.key === 'kshare.replay.count')) {
        replayedProcessed++
        this.accept(m)
        continue
      }
      try {
        await perform(m.payload, m.deliveryAttempt)
        this.accept(m)
      } catch (err) {
        if (err instanceof PermanentError) this.reject(m, err)
        else this.pause(m, 200 * 2 ** (m.deliveryAttempt - 1))
      }
    }
  }
}

async function cellNumber (page: Page, selector: string): Promise<number> {
  return Number((await page.locator(selector).first().textContent())?.trim())
}

t.test('kshare web in chromium: overview, share group, processes, errors, dead letters (replay 10, dismiss), topic explorer, offsets reset', async (t) => {
  const bootstrap = testBootstrap()
  const deps = await loadWebDependencies()
  const suffix = uniqueName('web')
  const topic = `${suffix}-jobs`
  const dlq = `${topic}.dlq`
  const reportsTopic = `${suffix}.reports`
  const groupId = `${suffix}-workers`
  await createTopic(bootstrap, topic, 3)
  await createTopic(bootstrap, dlq, 1)
  const admin = new Admin({ bootstrapServers: bootstrap })
  const reader = new PartitionReader({ bootstrapServers: bootstrap })
  // One teardown, in order: the App, the browser and the dashboard, then the topics and the group.
  const closing: Array<() => Promise<void>> = []
  t.teardown(async () => {
    for (const step of closing.reverse()) await step()
    await admin.deleteGroups([groupId]).catch((err: unknown) => { t.comment(`group ${groupId} not deleted: ${String(err)}`) })
    await admin.deleteTopics([topic, dlq, reportsTopic, `${suffix}.dismissed`]).catch(() => {})
    await admin.close()
    await reader.close()
  })

  const actions: string[] = []
  const dashboard = createDashboard(deps, { kafka: { bootstrapServers: bootstrap }, reportsTopic, dismissedTopic: `${suffix}.dismissed`, allowActions: true, sampleEveryMs: 500, log: (l) => actions.push(l) })
  const url = await dashboard.listen({ host: '127.0.0.1', port: 0 })
  closing.push(async () => { await dashboard.close() })
  const { context, close } = await launchChromium()
  closing.push(close)
  const page = await context.newPage()
  const pageErrors: string[] = []
  page.on('pageerror', (e) => pageErrors.push(e.message))
  page.on('dialog', (d) => { void d.accept() })

  const run = await startApp(bootstrap, (r) => r.shareGroup(groupId, (g) => {
    g.kafka({ 'share.auto.offset.reset': 'earliest', 'share.record.lock.duration.ms': 15_000 })
    g.topic(topic, (tp) => {
      tp.consumer(ReplayAwareJobs)
      tp.kafka({ 'max.poll.records': 5 })
      tp.deadLetterQueue({ topic: dlq, maxAttempts: 4 })
    })
  }), { concurrency: 8, reports: { topic: reportsTopic, intervalMs: 1000 } })
  closing.push(async () => { await run.app.stop(); await run.running.catch(() => {}) })
  const producer = new Producer({ bootstrapServers: bootstrap })
  // Spread over a few seconds, so that the chart has a curve.
  const jobs = makeJobs(JOBS)
  for (let i = 0; i < JOBS; i += 15) {
    await producer.send({ topic, messages: jobs.slice(i, i + 15).map((job) => ({ key: String(job.id), value: JSON.stringify(job) })) })
    await new Promise((resolve) => setTimeout(resolve, 400))
  }
  const c = run.app.monitor.counters
  await waitFor('every job accepted or dead-lettered', () => c.accepted + c.rejected === JOBS, 120_000)
  const deadLettered = c.deadLettered
  t.ok(deadLettered >= 10, `${deadLettered} dead letters (at least 10 to replay)`)

  // Overview: the numbers are Admin's (and the App's, through its reports).
  const row = `tr[data-group="${groupId}"]`
  const deadline = Date.now() + 30_000
  for (;;) {
    await page.goto(url)
    if (await page.locator(row).count() === 1 && await cellNumber(page, `${row} td.dead-lettered`) === deadLettered && await cellNumber(page, `${row} td.accepted`) === c.accepted) break
    if (Date.now() > deadline) t.fail('the overview never showed the App\'s final counts')
    if (Date.now() > deadline) break
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  const description = await admin.describeShareGroup(groupId)
  const offsets = await admin.describeShareGroupOffsets(groupId)
  t.equal(await page.locator(`${row} td.state`).textContent(), description.state, 'state as Admin describes it')
  t.equal(await cellNumber(page, `${row} td.members`), description.members.length, 'members as Admin describes them')
  t.equal(await cellNumber(page, `${row} td.lag`), Number(offsets.reduce((s, o) => s + (o.lag ?? 0n), 0n)), 'lag as Admin reports it')
  t.equal(await cellNumber(page, `${row} td.processes`), 1, 'one reporting process')
  t.equal(await page.locator('[data-testid="mode"]').textContent(), 'actions allowed')
  t.ok(await page.locator('.chart .uplot').count() >= 1, 'uPlot drew the chart (served from the package)')
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, 'overview.png'), fullPage: true })

  // Share group: per-partition start offset and lag are Admin's, end offsets ListOffsets'.
  await page.click(`${row} a`)
  t.equal(await page.locator('[data-testid="group-id"]').textContent(), groupId)
  t.equal(await cellNumber(page, '[data-testid="member-count"]'), description.members.length)
  for (const o of offsets) {
    const p = `tr[data-partition="${o.topic}/${o.partition}"]`
    t.equal(await page.locator(`${p} td.start`).textContent(), String(o.startOffset), `${o.topic}-${o.partition} start offset`)
    t.equal(await page.locator(`${p} td.lag`).textContent(), String(o.lag ?? '–'), `${o.topic}-${o.partition} lag`)
    t.equal(await page.locator(`${p} td.end`).textContent(), String((await reader.offsets(o.topic, o.partition)).end), `${o.topic}-${o.partition} end offset`)
  }
  t.equal(await page.locator('[data-config="share.record.lock.duration.ms"]').textContent(), '15000', 'group configs')
  const attempts = await page.locator('[data-testid="attempts"] td.num').allTextContents()
  t.equal(attempts.map(Number).reduce((a, b) => a + b, 0), c.accepted + c.released + c.rejected, 'the attempt histogram counts every decision')
  await page.screenshot({ path: join(SCREENSHOTS, 'share-group.png'), fullPage: true })

  // Processes and errors.
  await page.click('nav a:text("Processes")')
  t.equal(await page.locator('section.process.running').count(), 1, 'the App process is running')
  await page.click('nav a:text("Errors")')
  t.ok(await page.locator('details.error-group summary:has-text("PermanentError")').count() >= 1, 'permanent failures are grouped')

  // Dead letters: newest first, with the kshare headers; replay ten from the page.
  await page.goto(`${url}/dead-letters?topic=${encodeURIComponent(dlq)}`)
  t.equal(await cellNumber(page, '[data-testid="dlq-total"]'), deadLettered, 'every dead letter is in the DLQ')
  const shownOffsets = (await page.locator('.record').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-offset')))))
  t.same(shownOffsets, [...shownOffsets].sort((a, b) => b - a), 'newest first')
  t.equal(shownOffsets[0], deadLettered - 1)
  t.ok(await page.locator('.record').first().locator(`code:has-text("${topic}-")`).count() === 1, 'the original topic/partition/offset from the kshare headers')
  await page.screenshot({ path: join(SCREENSHOTS, 'dead-letters.png'), fullPage: false })
  const boxes = page.locator('input[name="offset"]')
  for (let i = 0; i < 10; i++) await boxes.nth(i).check()
  const acceptedBefore = c.accepted
  await page.click('[data-testid="replay-selected"]')
  await page.waitForSelector('[data-testid="flash"]')
  t.equal(await page.locator('[data-testid="flash"]').textContent(), 'replayed 10 dead letter(s)')
  t.match(actions.join('\n'), /replayed 10 dead letter\(s\)/, 'the action is logged')
  await waitFor('the App to process the 10 replayed jobs', () => replayedProcessed === 10 && c.accepted === acceptedBefore + 10, 60_000)
  t.equal(c.deadLettered, deadLettered, 'none went back to the DLQ')
  // The counts shown: the overview's accepted total grows by exactly ten.
  const until = Date.now() + 20_000
  let shown = 0
  while (Date.now() < until) {
    await page.goto(url)
    shown = await cellNumber(page, `${row} td.accepted`)
    if (shown === acceptedBefore + 10) break
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  t.equal(shown, acceptedBefore + 10, `accepted shown: ${acceptedBefore} → ${shown}`)
  t.comment(`replay: 10 dead letters replayed from the page, ${replayedProcessed} processed again, accepted ${acceptedBefore} → ${shown}`)

  // Dismiss one: a mark in the dismissal topic, the DLQ untouched.
  await page.goto(`${url}/dead-letters?topic=${encodeURIComponent(dlq)}`)
  const first = await page.locator('.record').first().getAttribute('data-offset')
  await boxes.first().check()
  await page.click('[data-testid="dismiss-selected"]')
  await page.waitForSelector('[data-testid="flash"]')
  t.equal(await page.locator(`.record[data-offset="${first}"]`).count(), 0, 'a dismissed dead letter is hidden')
  t.equal((await reader.offsets(dlq, 0)).end, BigInt(deadLettered), 'nothing was written to the DLQ')
  await page.goto(`${url}/dead-letters?topic=${encodeURIComponent(dlq)}&show=all`)
  t.equal(await page.locator(`.record.dismissed[data-offset="${first}"]`).count(), 1, 'shown as dismissed on request')

  // Escaping: a hostile record is text in the topic explorer.
  const hostile = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
  await producer.send({ topic, messages: [{ key: '<b>key</b>', value: hostile, headers: { '<i>h</i>': '<script>alert(1)</script>' }, partition: 0 }] })
  const end = (await reader.offsets(topic, 0)).end
  await page.goto(`${url}/topics?topic=${encodeURIComponent(topic)}&partition=0&offset=${end - 1n}`)
  t.equal(await page.locator('pre.value').first().textContent(), hostile, 'the value is shown as text')
  t.equal(await page.locator('pre.key').first().textContent(), '<b>key</b>')
  t.equal(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned), undefined, 'no script of the record ran')
  t.equal(await page.locator('.records script, .records img, .records b').count(), 0, 'no element from the record')
  // The topic explorer from a timestamp: the first record at or after it.
  const hostileAt = (await reader.read(topic, 0, end - 1n, { maxRecords: 1 })).records[0]?.timestamp ?? 0
  await page.goto(`${url}/topics?topic=${encodeURIComponent(topic)}&partition=0&time=${encodeURIComponent(new Date(hostileAt).toISOString())}`)
  t.equal(await page.locator('.record').first().getAttribute('data-offset'), String(end - 1n), 'read from a timestamp')
  await producer.close()

  // The App stops: its last report says so. Then the group is empty and its offsets can be reset from the page.
  await run.app.stop()
  await run.running
  let stopped = 0
  for (const until = Date.now() + 20_000; stopped === 0 && Date.now() < until;) {
    await page.goto(`${url}/processes`)
    stopped = await page.locator('section.process.stopped').count()
    if (stopped === 0) await new Promise((resolve) => setTimeout(resolve, 500))
  }
  t.equal(stopped, 1, 'the process is shown as stopped')
  let state = ''
  for (const until = Date.now() + 30_000; state !== 'Empty' && Date.now() < until;) {
    await page.goto(`${url}/groups/${encodeURIComponent(groupId)}`)
    state = await page.locator('[data-testid="state"]').textContent() ?? ''
    if (state !== 'Empty') await new Promise((resolve) => setTimeout(resolve, 500))
  }
  t.equal(state, 'Empty')
  await page.click('[data-testid="reset-earliest"]')
  await page.waitForSelector('[data-testid="flash"]')
  t.equal(await page.locator('[data-testid="flash"]').textContent(), 'start offsets of 3 partition(s) set to earliest')
  const reset = await admin.describeShareGroupOffsets(groupId)
  t.ok(reset.length === 3 && reset.every((o) => o.startOffset === 0n), 'Admin sees every start offset at 0')
  for (const o of reset) t.equal(await page.locator(`tr[data-partition="${o.topic}/${o.partition}"] td.start`).textContent(), '0')
  t.match(actions.join('\n'), new RegExp(`reset the start offsets of share group ${groupId} to earliest`), 'the reset is logged')
  t.same(pageErrors, [], 'no script errors in the pages')
})

t.test('read-only by default: no action buttons, and a POST is refused', async (t) => {
  const bootstrap = testBootstrap()
  const deps = await loadWebDependencies()
  const dashboard = createDashboard(deps, { kafka: { bootstrapServers: bootstrap }, reportsTopic: uniqueName('ro.reports'), log: () => {} })
  const url = await dashboard.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(async () => { await dashboard.close() })
  const { context, close } = await launchChromium()
  t.teardown(close)
  const dlq = uniqueName('ro-dlq')
  await createTopic(bootstrap, dlq, 1)
  const page = await context.newPage()
  await page.goto(`${url}/dead-letters?topic=${dlq}`)
  t.equal(await page.locator('[data-testid="mode"]').textContent(), 'read-only')
  t.equal(await page.locator('[data-testid="replay-selected"]').count(), 0, 'no replay button')
  const res = await page.request.post(`${url}/dead-letters/actions`, { form: { topic: dlq, partition: '0', offset: '0', action: 'replay', confirmed: 'yes' } })
  t.equal(res.status(), 403)
  t.match(await res.text(), /--allow-actions/)
  const headers = (await page.request.get(url)).headers()
  t.match(headers['content-security-policy'], /script-src 'self'/, 'no inline scripts allowed')
  t.notMatch(await page.content(), /password|sasl/i, 'no credentials in the page')
  const port = new URL(url).port
  const foreign = await new Promise<number>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/', headers: { host: `evil.example:${port}` } }, (res) => { res.resume(); resolve(res.statusCode ?? 0) }).on('error', reject).end()
  })
  t.equal(foreign, 403, 'a foreign Host header (DNS rebinding) is refused')
})

t.test('kshare web: serves on --listen until interrupted, read-only, and says so', async (t) => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port
      s.close(() => resolve(p))
    })
  })
  const controller = new AbortController()
  const done = runCli(['web', '--bootstrap', testBootstrap(), '--listen', `127.0.0.1:${port}`, '--reports', uniqueName('cli.reports')], { signal: controller.signal })
  let res: Response | undefined
  for (let i = 0; i < 100 && res === undefined; i++) {
    res = await fetch(`http://127.0.0.1:${port}/processes`).catch(async () => { await new Promise((resolve) => setTimeout(resolve, 100)); return undefined })
  }
  t.equal(res?.status, 200)
  t.match(await res?.text(), /No reports\./)
  controller.abort()
  const run = await done
  t.equal(run.code, 0)
  t.match(run.err, new RegExp(`kshare web: http://127\\.0\\.0\\.1:${port} \\(read-only\\)`))
  t.equal(await fetch(`http://127.0.0.1:${port}/`).then(() => 'open', () => 'closed'), 'closed', 'the server is closed')
})
