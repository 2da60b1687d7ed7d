/**
 * tap's `after` script (package.json "tap".after): releases this run's use of the shared
 * broker once every test file finished, stopping it if this run started it and no other run
 * still uses it. Like tap-before.ts (see there for why), it only runs `tap-hooks.js` in a plain
 * Node process.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const res = spawnSync(process.execPath, [fileURLToPath(new URL('./tap-hooks.js', import.meta.url)), 'after'], {
  stdio: 'inherit',
  // _TAPJS_PROCESSINFO_COVERAGE_=0 is @tapjs/processinfo's documented switch: without it tap's
  // spawn hook would instrument the child too.
  env: { ...process.env, KSHARE_TAP_RUNNER_PID: String(process.ppid), _TAPJS_PROCESSINFO_COVERAGE_: '0' }
})
// status is null when the hook died of a signal or could not start: that is a failure too.
process.exit([res.status, 1].find(Number.isInteger))
