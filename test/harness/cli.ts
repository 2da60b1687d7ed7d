#!/usr/bin/env node
/**
 * `npm run broker [-- --brokers N] [-- --secure]`, `npm run broker:stop`, `node cli.js status`.
 * Without `--brokers`, the node count is the tests' (`KSHARE_TEST_BROKERS`, default 3), so a
 * broker started here is the one `npm test` would have started.
 * Errors print one message (no stack) and exit 1.
 */
import { BrokerHarnessError } from './errors.js'
import { ensureSharedBroker, sharedBrokerAnswers, stopSharedBroker } from './shared.js'
import { liveUsers, readState } from './state.js'

const USAGE = 'usage: cli.js start [--brokers N] [--secure] | stop | status'

/** Parses `start` flags. */
function parseStartArgs (args: string[]): { brokers: number | undefined, secure: boolean } {
  let brokers: number | undefined
  let secure = process.env.KSHARE_BROKER_SECURE === '1'
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string
    if (a === '--brokers' || a.startsWith('--brokers=')) {
      const text = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i]
      brokers = Number(text)
      if (!Number.isInteger(brokers) || brokers < 1 || brokers > 9) throw new BrokerHarnessError('BAD_OPTIONS', `--brokers needs a node count 1..9, not ${String(text)}`)
    } else if (a === '--secure') {
      secure = true
    } else {
      throw new BrokerHarnessError('BAD_OPTIONS', `unknown option ${a}; ${USAGE}`)
    }
  }
  return { brokers, secure }
}

async function main (argv: string[]): Promise<void> {
  const [command = 'start', ...rest] = argv
  if (command === 'start') {
    const { brokers, secure } = parseStartArgs(rest)
    const { handle, startedNow } = await ensureSharedBroker({ who: 'cli', brokers, secure })
    if (!startedNow) console.log(`kshare harness: Kafka ${handle.version} broker already running at ${handle.bootstrap}`)
    console.log(`KAFKA_BOOTSTRAP=${handle.bootstrap}`)
    for (const node of handle.nodes) {
      if (node.secure !== undefined) {
        console.log(`node ${node.nodeId}: SASL_PLAINTEXT 127.0.0.1:${node.secure.saslPlaintextPort}, SSL 127.0.0.1:${node.secure.sslPort}, SASL_SSL 127.0.0.1:${node.secure.saslSslPort}`)
      }
      if (node.logFile !== undefined) console.log(`node ${node.nodeId}: pid ${node.pid ?? '?'}, log ${node.logFile}`)
    }
    if (handle.scram !== undefined) console.log(`SCRAM-SHA-512 user ${handle.scram.username} / ${handle.scram.password}; CA ${handle.tls?.caCertFile ?? '?'}`)
  } else if (command === 'stop') {
    if (rest.length > 0) throw new BrokerHarnessError('BAD_OPTIONS', USAGE)
    console.log(`kshare harness: ${await stopSharedBroker()}`)
  } else if (command === 'status') {
    const state = readState()
    if (state === undefined) {
      console.log('kshare harness: no shared broker recorded')
      process.exitCode = 1
      return
    }
    const up = await sharedBrokerAnswers(state.handle)
    console.log(`kshare harness: Kafka ${state.handle.version} (${state.handle.mode}) at ${state.handle.bootstrap}: ${up ? 'answering' : 'NOT answering'}; started by ${state.startedBy}; users: ${liveUsers(state).map((u) => `${u.what} pid ${u.pid}`).join(', ') || 'none'}`)
    if (!up) process.exitCode = 1
  } else {
    throw new BrokerHarnessError('BAD_OPTIONS', USAGE)
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof BrokerHarnessError) console.error(`kshare harness: ${err.message}`)
  else console.error(err)
  process.exit(1)
})
