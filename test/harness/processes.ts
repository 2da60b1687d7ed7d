import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs'

/**
 * True when `pid` is a live process. With `marker`, on Linux it must also mention `marker` in
 * its command line, so a pid recycled by an unrelated process after a crash is not taken for
 * our broker (other systems fall back to the bare liveness check).
 */
export function isAlive (pid: number, marker?: string): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    // ESRCH: gone. EPERM: it exists but belongs to someone else, so not a broker we started.
    return false
  }
  if (marker === undefined) return true
  const cmdline = `/proc/${pid}/cmdline`
  if (!existsSync('/proc/self/cmdline')) return true
  try {
    const text = readFileSync(cmdline, 'utf8')
    // Empty: a zombie leader. A JVM shows this after SIGKILL while its other threads are still
    // being torn down, and they still hold its listening sockets: not gone until reaped.
    if (text === '') return true
    return text.replace(/\0/g, ' ').includes(marker)
  } catch {
    return false
  }
}

/** Sends `signal` to the process group led by `pid` (the harness spawns JVMs detached, as group leaders), falling back to the pid alone. */
export function signalGroup (pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    try {
      process.kill(pid, signal)
    } catch {
      // already gone
    }
  }
}

/** Resolves once `pid` is gone, or false after `timeoutMs`. */
export async function waitForExit (pid: number, timeoutMs: number, marker?: string): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (isAlive(pid, marker)) {
    if (Date.now() >= deadline) return false
    await sleep(100)
  }
  return true
}

/**
 * Stops a process: SIGTERM (Kafka then does a controlled shutdown), SIGKILL if it is still
 * there after `graceMs`. With `graceMs` 0 it kills at once. Resolves when it is gone.
 */
export async function terminate (pid: number, graceMs: number, marker?: string): Promise<void> {
  if (!isAlive(pid, marker)) return
  if (graceMs > 0) {
    signalGroup(pid, 'SIGTERM')
    if (await waitForExit(pid, graceMs, marker)) return
  }
  signalGroup(pid, 'SIGKILL')
  await waitForExit(pid, 10_000, marker)
}

/** The last `lines` lines of a text file ('' when missing); reads at most the last 64 KiB. */
export function tailFile (file: string, lines = 40): string {
  let fd: number | undefined
  try {
    fd = openSync(file, 'r')
    const size = fstatSync(fd).size
    const len = Math.min(size, 64 * 1024)
    const buf = Buffer.alloc(len)
    readSync(fd, buf, 0, len, size - len)
    const all = buf.toString('utf8').split('\n')
    if (all[all.length - 1] === '') all.pop()
    return all.slice(-lines).join('\n')
  } catch {
    return ''
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/** Promise-based sleep. */
export function sleep (ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
