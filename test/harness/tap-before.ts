/**
 * tap's `before` script (package.json "tap".before): gets the shared test broker before any
 * test file runs. tap runs it as its own process; a non-zero exit makes tap exit with that
 * status without running tests, so "no broker" fails the run with the reason printed.
 *
 * The work happens in `tap-hooks.js`, run as a plain Node child. Why: tap starts this script
 * with its coverage loader, and (tap 21) without excluding it from coverage, so harness
 * modules imported here would be reported as partly covered source and tap's coverage gate
 * would fail the run although coverage is disabled for the tests. Hence this file imports
 * nothing of ours, is straight-line code (every line runs: nothing to report), and turns
 * coverage off for the child. The tap runner is our parent; the child learns its pid from
 * KSHARE_TAP_RUNNER_PID.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const res = spawnSync(process.execPath, [fileURLToPath(new URL('./tap-hooks.js', import.meta.url)), 'before'], {
  stdio: 'inherit',
  // _TAPJS_PROCESSINFO_COVERAGE_=0 is @tapjs/processinfo's documented switch: without it tap's
  // spawn hook would instrument the child too.
  env: { ...process.env, KSHARE_TAP_RUNNER_PID: String(process.ppid), _TAPJS_PROCESSINFO_COVERAGE_: '0' }
})
// status is null when the hook died of a signal or could not start: that is a failure too.
process.exit([res.status, 1].find(Number.isInteger))
