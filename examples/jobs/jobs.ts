/**
 * The example's jobs: what a job is, and the work that may fail transiently (a flaky
 * downstream service: try again later) or permanently (bad input: never retry).
 */

/** A job as produced to the topic (JSON). */
export interface Job {
  /** Job number. */
  id: number
  /** What it does (only for show). */
  kind: 'email' | 'thumbnail' | 'report'
  /** How long the work takes, ms. */
  ms: number
  /** The first this-many attempts fail transiently. */
  flakyAttempts: number
  /** The job can never succeed (bad input). */
  broken: boolean
}

/** Worth retrying later. */
export class TransientError extends Error {
  override name = 'TransientError'
}

/** Retrying cannot help. */
export class PermanentError extends Error {
  override name = 'PermanentError'
}

const KINDS: ReadonlyArray<Job['kind']> = ['email', 'thumbnail', 'report']

/**
 * `count` jobs, the same every run: about 70 % succeed at once, 20 % fail once or twice
 * before succeeding, 5 % keep failing transiently (out of attempts → dead letter queue) and
 * 5 % are broken (dead letter queue at once).
 */
export function makeJobs (count: number): Job[] {
  let seed = 42
  const random = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
    return seed / 2 ** 31
  }
  return Array.from({ length: count }, (_, id) => {
    const roll = random()
    return {
      id,
      kind: KINDS[id % KINDS.length] ?? 'email',
      ms: 10 + Math.floor(random() * 60),
      flakyAttempts: roll < 0.70 ? 0 : roll < 0.80 ? 1 : roll < 0.90 ? 2 : roll < 0.95 ? 99 : 0,
      broken: roll >= 0.95
    }
  })
}

/** Does the job's work on its `attempt`-th delivery. */
export async function perform (job: Job, attempt: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, job.ms))
  if (job.broken) throw new PermanentError(`job ${job.id}: invalid ${job.kind} request`)
  if (attempt <= job.flakyAttempts) throw new TransientError(`job ${job.id}: ${job.kind} service unavailable`)
}
