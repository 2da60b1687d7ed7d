/**
 * The work behind tap's `before` and `after` hooks: `node tap-hooks.js before|after`, started
 * by tap-before.ts / tap-after.ts with the tap runner's pid in KSHARE_TAP_RUNNER_PID.
 *
 * before: starts the shared broker unless one is running (or KAFKA_BOOTSTRAP is set) and
 * registers the tap run as a user. Exits 1 with the reason on failure, which makes tap exit
 * without running tests: a missing broker fails the run loudly, tests are never skipped.
 * after: releases the tap run; the broker stops when this run started it and no other run
 * still uses it. A broker started with `npm run broker` stays up.
 * KSHARE_NO_BROKER=1 (`npm run test:unit`) makes both a no-op.
 */
import { BrokerHarnessError } from './errors.js'
import { ensureSharedBroker, releaseSharedBroker } from './shared.js'

const [hook] = process.argv.slice(2)
const runner = Number(process.env.KSHARE_TAP_RUNNER_PID ?? process.ppid)

function describe (err: unknown): string {
  return err instanceof BrokerHarnessError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)
}

if (process.env.KSHARE_NO_BROKER === '1') {
  // `npm run test:unit`: no broker needed; integration tests would fail via testBootstrap().
} else if (hook === 'before') {
  try {
    const { handle, startedNow } = await ensureSharedBroker({ who: 'tap', userPid: runner, userLabel: 'tap run' })
    if (!startedNow && handle.mode !== 'external') {
      process.stderr.write(`kshare harness: tests use the running Kafka ${handle.version} broker at ${handle.bootstrap}\n`)
    }
  } catch (err) {
    process.stderr.write(`\nkshare harness: cannot get a Kafka broker for the tests: ${describe(err)}\n\n`)
    process.exit(1)
  }
} else if (hook === 'after') {
  try {
    await releaseSharedBroker(runner)
  } catch (err) {
    process.stderr.write(`kshare harness: stopping the test broker failed: ${describe(err)}\n`)
    process.exit(1)
  }
} else {
  process.stderr.write('usage: tap-hooks.js before|after\n')
  process.exit(2)
}
