import { spawn } from 'node:child_process'

/** What `runProcess` collected. */
export interface ProcessOutput {
  code: number | null
  lines: Array<{ at: number, text: string }>
  stderr: string
  /** User + system CPU seconds of the process and its children (bash `times`), or null. */
  cpuSeconds: number | null
}

const TIMES = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/

/**
 * Runs a command under bash, whose `times` reports the child's user and system CPU time at
 * its exit (Node has no rusage for a child); resolves with its stdout lines, each stamped with
 * its arrival time (epoch ms).
 */
export function runProcess (command: string, args: string[], timeoutMs: number): Promise<ProcessOutput> {
  return new Promise((resolve, reject) => {
    const script = '"$@"; rc=$?; times >&2; exit $rc'
    const child = spawn('bash', ['-c', script, 'bash', command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    const lines: Array<{ at: number, text: string }> = []
    let partial = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      const at = Date.now()
      const parts = (partial + chunk.toString()).split('\n')
      partial = parts.pop()!
      for (const text of parts) lines.push({ at, text })
    })
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', err => { clearTimeout(timer); reject(err) })
    child.on('close', code => {
      clearTimeout(timer)
      if (partial !== '') lines.push({ at: Date.now(), text: partial })
      // `times` prints the shell's own times, then its children's: the second line is the tool.
      const tail = stderr.trimEnd().split('\n')
      const m = TIMES.exec(tail[tail.length - 1] ?? '')
      const cpuSeconds = m === null ? null : Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])
      if (m !== null) stderr = tail.slice(0, -2).join('\n')
      resolve({ code, lines, stderr, cpuSeconds })
    })
  })
}
