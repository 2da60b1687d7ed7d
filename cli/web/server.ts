import { randomBytes } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ClusterOptions } from '../../client/cluster.js'
import { errorLine } from '../error-line.js'
import { DASHBOARD_CSS, DASHBOARD_JS } from './assets.js'
import { DashboardData } from './dashboard-data.js'
import type { Dashboard, WebDependencies } from './dependencies.js'
import { groupErrors, liveness, rates } from './render.js'
import { TEMPLATES } from './templates.js'

/** `createDashboard` options. */
export interface DashboardOptions {
  /** How to reach Kafka. Stays on the server: no page shows more than the bootstrap list. */
  kafka: ClusterOptions
  /** Topic the Apps publish reports to. Default `kshare.reports`. */
  reportsTopic?: string
  /** kshare-owned compacted topic of dismissal marks. Default `kshare.dismissed`. */
  dismissedTopic?: string
  /** Allow replay, dismiss and offsets reset (else every action answers 403). Default false. */
  allowActions?: boolean
  /** Path the dashboard is mounted under, e.g. `/kshare` (no trailing slash). Default: the root. */
  prefix?: string
  /** Where actions are logged (one line each). Default: stderr. */
  log?: (line: string) => void
  /**
   * Host names the `Host` header may carry; others are refused (a page of another site that
   * DNS-rebinds its name to 127.0.0.1 must not read the dashboard). Default: loopback names;
   * `'any'` checks nothing (a dashboard served on every interface on purpose).
   */
  allowedHosts?: readonly string[] | 'any'
  /** Chart sample interval, ms. Default 2000. */
  sampleEveryMs?: number
  /** Chart history, ms. Default 10 minutes. */
  historyMs?: number
}

/** Default topic of process reports. */
export const DEFAULT_REPORTS_TOPIC = 'kshare.reports'
/** Default topic of dismissal marks. */
export const DEFAULT_DISMISSED_TOPIC = 'kshare.dismissed'

// Pages run no inline code and load nothing from elsewhere.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store'
}

type Query = Record<string, string | undefined>

/** Names of this machine the dashboard answers to by default. */
export const LOOPBACK_NAMES: readonly string[] = ['127.0.0.1', 'localhost', '::1']

// `Host` without the port; `[::1]:3000` → `::1`.
function hostName (host: string): string {
  const m = /^\[([^\]]*)\](?::\d+)?$/.exec(host) ?? /^([^:]*)(?::\d+)?$/.exec(host)
  return (m?.[1] ?? host).toLowerCase()
}

/**
 * The dashboard, a fastify instance (not listening): `await dashboard.listen({ host, port })`
 * serves it; `await dashboard.ready()` then `dashboard.routing(req, res)` is a plain Node
 * request handler, to mount it in another server. Closing it closes its Kafka clients.
 */
export function createDashboard (deps: WebDependencies, options: DashboardOptions): Dashboard {
  const base = options.prefix ?? ''
  const allowActions = options.allowActions === true
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  const reportsTopic = options.reportsTopic ?? DEFAULT_REPORTS_TOPIC
  const historyMs = options.historyMs ?? 10 * 60_000
  const data = new DashboardData({
    kafka: options.kafka,
    reportsTopic,
    dismissedTopic: options.dismissedTopic ?? DEFAULT_DISMISSED_TOPIC,
    sampleEveryMs: options.sampleEveryMs ?? 2000,
    historyMs
  })
  // Forms carry it: a page of another site cannot post actions (it cannot read ours to learn it).
  const token = randomBytes(16).toString('hex')
  const eta = new deps.Eta({ autoEscape: true, autoTrim: false, cache: true })
  for (const [name, source] of Object.entries(TEMPLATES)) eta.loadTemplate(`@${name}`, source)

  // loadWebDependencies loaded fastify: the type users see names only what serving takes.
  const app = deps.fastify({ logger: false, bodyLimit: 64 * 1024 }) as FastifyInstance
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, new URLSearchParams(body as string))
  })
  app.addHook('onSend', async (_req, reply) => { reply.headers(SECURITY_HEADERS) })
  const allowedHosts = options.allowedHosts === 'any' ? undefined : new Set(options.allowedHosts ?? LOOPBACK_NAMES)
  app.addHook('onRequest', async (req, reply) => {
    if (allowedHosts !== undefined && !allowedHosts.has(hostName(req.headers.host ?? ''))) await reply.code(403).type('text/plain').send('host not allowed: open the dashboard by the address it listens on')
  })

  let sampler: ReturnType<typeof setInterval> | undefined
  let samplingFailed = false
  const sample = async (): Promise<void> => {
    try {
      await data.sample()
      samplingFailed = false
    } catch (err) {
      if (!samplingFailed) log(`kshare web: reading reports from ${reportsTopic} failed: ${errorLine(err)}`)
      samplingFailed = true
    }
  }
  app.addHook('onReady', async () => {
    await sample()
    sampler = setInterval(() => { void sample() }, options.sampleEveryMs ?? 2000)
    sampler.unref()
  })
  app.addHook('onClose', async () => {
    clearInterval(sampler)
    await data.close()
  })

  const page = (reply: FastifyReply, name: string, section: string, title: string, view: object, status = 200): FastifyReply => {
    const html = eta.render(`@${name}`, {
      ...view, base, section, title, allowActions, reportsTopic, reportsMissing: data.reports.missing, now: Date.now(), token
    })
    return reply.code(status).type('text/html; charset=utf-8').send(html)
  }
  const failing = (handler: (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>) => async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    try {
      return await handler(req, reply)
    } catch (err) {
      return page(reply, 'failure', '', 'Error', { heading: 'Kafka did not answer as expected', message: errorLine(err) }, 502)
    }
  }

  const statics: Record<string, [string, string | Buffer]> = {
    'uPlot.iife.min.js': ['text/javascript; charset=utf-8', deps.uplot.js],
    'uPlot.min.css': ['text/css; charset=utf-8', deps.uplot.css],
    'dashboard.css': ['text/css; charset=utf-8', DASHBOARD_CSS],
    'dashboard.js': ['text/javascript; charset=utf-8', DASHBOARD_JS]
  }
  app.get(`${base}/static/:file`, async (req, reply) => {
    const file = (req.params as { file: string }).file
    const asset = Object.hasOwn(statics, file) ? statics[file] : undefined
    if (asset === undefined) return await reply.code(404).send('not found')
    return await reply.type(asset[0]).send(asset[1])
  })

  app.get(base === '' ? '/' : base, failing(async (_req, reply) => {
    await data.reports.poll()
    // Groups kshare processes report on first: those are the ones with numbers and a chart.
    const groups = (await data.groups()).sort((a, b) => Number(b.totals !== undefined) - Number(a.totals !== undefined))
    const charts = groups.filter((g) => data.samples(g.groupId).length >= 2).slice(0, 12).map((g) => ({ groupId: g.groupId, data: rates(data.samples(g.groupId)) }))
    return page(reply, 'overview', 'Overview', 'Overview', { groups, charts, historyMs })
  }))

  app.get(`${base}/groups/:groupId`, failing(async (req, reply) => {
    const { groupId } = req.params as { groupId: string }
    await data.reports.poll()
    const g = await data.group(groupId)
    return page(reply, 'group', 'Overview', `Share group ${groupId}`, { groupId, ...g, flash: (req.query as Query).flash })
  }))

  app.post(`${base}/groups/:groupId/reset`, failing(async (req, reply) => {
    const { groupId } = req.params as { groupId: string }
    const form = await checkedForm(req, reply)
    if (form === undefined) return reply
    const to = form.get('to')
    if (to !== 'earliest' && to !== 'latest') return await reply.code(400).type('text/plain').send('to must be earliest or latest')
    let flash: string
    try {
      const changes = await data.resetOffsets(groupId, to)
      log(`kshare web: ${req.ip} reset the start offsets of share group ${groupId} to ${to}: ${changes.join(', ')}`)
      flash = `start offsets of ${changes.length} partition(s) set to ${to}`
    } catch (err) {
      flash = `not reset: ${errorLine(err)}`
    }
    return await reply.redirect(`${base}/groups/${encodeURIComponent(groupId)}?${new URLSearchParams({ flash }).toString()}`, 303)
  }))

  app.get(`${base}/processes`, failing(async (_req, reply) => {
    await data.reports.poll()
    const now = Date.now()
    const processes = data.processReports().map((report) => ({ report, liveness: liveness(report, now) }))
    return page(reply, 'processes', 'Processes', 'Processes', { processes })
  }))

  app.get(`${base}/errors`, failing(async (_req, reply) => {
    await data.reports.poll()
    return page(reply, 'errors', 'Errors', 'Errors', { errors: groupErrors(data.processReports()) })
  }))

  app.get(`${base}/dead-letters`, failing(async (req, reply) => {
    const q = req.query as Query
    await data.reports.poll()
    await data.dismissed.poll()
    const topic = q.topic?.trim() === '' ? undefined : q.topic?.trim()
    const partition = nonNegative(q.partition) ?? 0
    const showAll = q.show === 'all'
    let view: Awaited<ReturnType<DashboardData['newestFirst']>> | undefined
    if (topic !== undefined) {
      view = await data.newestFirst(topic, partition, offsetParam(q.before))
      if (!showAll) view = { ...view, records: view.records.filter((r) => !data.isDismissed(topic, partition, r.offset)) }
    }
    return page(reply, 'deadLetters', 'Dead letters', 'Dead letters', {
      topic, partition, showAll, dlqs: data.deadLetterTopics(), page: view, flash: q.flash,
      isDismissed: (offset: string) => topic !== undefined && data.isDismissed(topic, partition, offset)
    })
  }))

  // An action's form, when actions are allowed, the form is ours and confirmed; otherwise the refusal is sent.
  const checkedForm = async (req: FastifyRequest, reply: FastifyReply): Promise<URLSearchParams | undefined> => {
    const form = req.body instanceof URLSearchParams ? req.body : new URLSearchParams()
    if (!allowActions) await reply.code(403).type('text/plain').send('read-only: start kshare web with --allow-actions to replay, dismiss or reset')
    else if (form.get('token') !== token) await reply.code(403).type('text/plain').send('stale or foreign form: reload the page')
    else if (form.get('confirmed') !== 'yes') await reply.code(400).type('text/plain').send('actions must be confirmed')
    else return form
    return undefined
  }

  app.post(`${base}/dead-letters/actions`, failing(async (req, reply) => {
    const form = await checkedForm(req, reply)
    if (form === undefined) return reply
    const topic = form.get('topic') ?? ''
    const partition = nonNegative(form.get('partition') ?? undefined)
    const offsets = form.getAll('offset').map((o) => offsetParam(o)).filter((o): o is bigint => o !== undefined)
    const action = form.get('action')
    if (topic === '' || partition === undefined || offsets.length === 0 || (action !== 'replay' && action !== 'dismiss')) {
      return await reply.code(400).type('text/plain').send('needs topic, partition, offsets and action replay or dismiss')
    }
    let flash: string
    if (action === 'replay') {
      const outcome = await data.replay(topic, partition, offsets)
      log(`kshare web: ${req.ip} replayed ${outcome.replayed.length} dead letter(s): ${outcome.replayed.join(', ')}${outcome.skipped.length > 0 ? `; skipped ${outcome.skipped.join(', ')}` : ''}`)
      flash = `replayed ${outcome.replayed.length} dead letter(s)${outcome.skipped.length > 0 ? `, skipped ${outcome.skipped.length} (not dead letters)` : ''}`
    } else {
      const keys = await data.dismiss(topic, partition, offsets, req.ip)
      log(`kshare web: ${req.ip} dismissed ${keys.length} dead letter(s): ${keys.join(', ')}`)
      flash = `dismissed ${keys.length} dead letter(s)`
    }
    const back = new URLSearchParams({ topic, partition: String(partition), flash })
    return await reply.redirect(`${base}/dead-letters?${back.toString()}`, 303)
  }))

  app.get(`${base}/topics`, failing(async (req, reply) => {
    const q = req.query as Query
    const topic = q.topic?.trim() === '' ? undefined : q.topic?.trim()
    const partition = nonNegative(q.partition) ?? 0
    let read: Awaited<ReturnType<DashboardData['explore']>> | undefined
    if (topic !== undefined) {
      const time = q.time?.trim() === '' ? undefined : q.time?.trim()
      const at = time === undefined ? undefined : Date.parse(time)
      if (at !== undefined && Number.isNaN(at)) return page(reply, 'failure', 'Topic explorer', 'Topic explorer', { heading: 'Topic explorer', message: `not a time: ${time}` }, 400)
      read = await data.explore(topic, partition, at !== undefined ? { timestampMs: at } : { offset: offsetParam(q.offset) ?? 0n })
    }
    return page(reply, 'topics', 'Topic explorer', 'Topic explorer', { topic, partition, offset: q.offset, time: q.time, read })
  }))

  return app
}

function nonNegative (text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,9}$/.test(text)) return undefined
  return Number(text)
}

function offsetParam (text: string | undefined): bigint | undefined {
  return text !== undefined && /^\d{1,19}$/.test(text) ? BigInt(text) : undefined
}
