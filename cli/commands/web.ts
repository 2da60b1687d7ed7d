import { parseBrokerAddress } from '../../client/address.js'
import type { CommandMain } from '../command.js'
import { UsageError } from '../errors.js'
import { connectionOptions, NETWORK_HELP, parseNetworkArgs } from '../network.js'
import { loadWebDependencies } from '../web/dependencies.js'
import { createDashboard, DEFAULT_DISMISSED_TOPIC, DEFAULT_REPORTS_TOPIC, LOOPBACK_NAMES } from '../web/server.js'

/** Help text of `kshare web`. */
export const WEB_HELP = `Usage: kshare web [--listen HOST:PORT] [--allow-actions] [options]

A dashboard for share groups and kshare Apps, in the browser: share groups (state,
members, accepted records/s, lag, dead letters), partitions, processes and their running
jobs, errors, dead letters (browse, replay, dismiss) and a topic explorer. Apps appear
once they publish reports (App option reports: { topic: '${DEFAULT_REPORTS_TOPIC}' }).

Read-only unless --allow-actions; actions are confirmed in the page and logged here.
Needs the optional packages fastify, eta and uplot (npm install fastify@5 eta@4 uplot@1).

Options:
  --listen HOST:PORT   where to serve (default 127.0.0.1:3000; only loopback unless told)
  --allow-actions      allow replaying and dismissing dead letters, resetting offsets
  --reports TOPIC      topic of the Apps' reports (default ${DEFAULT_REPORTS_TOPIC})
  --dismissed TOPIC    compacted topic of dismissal marks (default ${DEFAULT_DISMISSED_TOPIC})
${NETWORK_HELP}`

/** Runs `kshare web` until interrupted. */
export const webMain: CommandMain = async (args, io, ctx) => {
  const parsed = parseNetworkArgs(args, {
    listen: { type: 'string', default: '127.0.0.1:3000' },
    'allow-actions': { type: 'boolean', default: false },
    reports: { type: 'string' },
    dismissed: { type: 'string' }
  }, { help: WEB_HELP, io })
  if (parsed === undefined) return
  const { values, net } = parsed
  let listen
  try {
    listen = parseBrokerAddress(values.listen)
  } catch {
    throw new UsageError(`--listen takes HOST:PORT, got ${JSON.stringify(values.listen)}`)
  }
  const deps = await loadWebDependencies()
  const allowActions = values['allow-actions']
  const app = createDashboard(deps, {
    kafka: connectionOptions(net),
    reportsTopic: values.reports,
    dismissedTopic: values.dismissed,
    allowActions,
    // Served on every interface on purpose: any name of this machine may be used to reach it.
    allowedHosts: ['0.0.0.0', '::'].includes(listen.host) ? 'any' : [...LOOPBACK_NAMES, listen.host],
    log: (line) => io.err.write(`${line}\n`)
  })
  try {
    const address = await app.listen({ host: listen.host, port: listen.port })
    io.err.write(`kshare web: ${address} (${allowActions ? 'actions allowed: replay, dismiss, offsets reset' : 'read-only'}), brokers ${net.bootstrap}\n`)
    if (!['127.0.0.1', 'localhost', '::1'].includes(listen.host)) io.err.write(`kshare web: listening on ${listen.host}, not only this machine: anyone who reaches it sees your topics' records\n`)
    const signal = ctx.signal()
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve()
      signal.addEventListener('abort', () => resolve(), { once: true })
    })
  } finally {
    await app.close()
  }
}
