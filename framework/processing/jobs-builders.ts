import type { Message } from '../consumer/message.js'
import { JobsBuilderError } from '../errors.js'
import { splitVirtualPartitions, type VirtualPartitionsOptions } from './virtual-partitions.js'

/** Built-in ways to turn a polled batch into jobs. */
export type JobsBuilderKind = 'per_message' | 'per_batch' | 'per_partition' | 'per_key'

/**
 * A custom jobs builder: split the batch into groups, one job each. Every message must be in
 * exactly one group.
 */
export type CustomJobsBuilder = (messages: readonly Message[]) => ReadonlyArray<readonly Message[]>

/** `t.jobsBuilder(...)`: a built-in kind or a function. */
export type JobsBuilderSpec = JobsBuilderKind | CustomJobsBuilder

/** The built-in kinds, for validation. */
export const JOBS_BUILDER_KINDS: readonly JobsBuilderKind[] = ['per_message', 'per_batch', 'per_partition', 'per_key']

/**
 * How a topic's polled batches become jobs, and how much the listener may poll for the workers
 * free right now. A record's lock starts when the broker hands it out, so a poll must not bring
 * more jobs than free workers can start at once.
 */
export interface JobsPlan {
  /** How many records to poll for with `free` workers free (never more than `maxPollRecords`). */
  pollLimit (free: number, maxPollRecords: number): number
  /** How many free workers a poll of `records` records needs so that all its jobs start at once. */
  workersFor (records: number): number
  /** Splits a batch into jobs, given the workers free when it arrived. */
  build<M extends Message> (messages: readonly M[], free: number): M[][]
}

/**
 * The plan for a topic. Rules, all keeping jobs ≤ free workers:
 * - `per_batch`: the whole poll is one job, so it may be `maxPollRecords` long;
 * - `per_message`, `per_partition`, `per_key`, custom: each job has at least one record, so a
 *   poll asks for at most one record per free worker;
 * - virtual partitions: the whole poll, split into at most min(maxPartitions, free) jobs.
 */
export function jobsPlanFor (spec: JobsBuilderSpec, virtualPartitions?: VirtualPartitionsOptions): JobsPlan {
  if (virtualPartitions !== undefined) {
    return {
      pollLimit: (_free, max) => max,
      workersFor: () => 1,
      build: (messages, free) => splitVirtualPartitions(messages, virtualPartitions, Math.min(virtualPartitions.maxPartitions, Math.max(1, free)))
    }
  }
  if (spec === 'per_batch') return { pollLimit: (_free, max) => max, workersFor: () => 1, build: (messages) => [[...messages]] }
  return {
    pollLimit: (free, max) => Math.min(max, free),
    workersFor: (records) => records,
    build: (messages) => splitBy(spec, messages)
  }
}

function splitBy<M extends Message> (spec: Exclude<JobsBuilderSpec, 'per_batch'>, messages: readonly M[]): M[][] {
  switch (spec) {
    case 'per_message': return messages.map((m) => [m])
    case 'per_partition': return groupBy(messages, (m) => m.partition)
    case 'per_key': return groupBy(messages, (m) => m.key === null ? `\0${m.partition}:${m.offset}` : m.key.toString('latin1'))
    default: return checkCustom(spec(messages), messages) as M[][]
  }
}

function groupBy<M, K> (items: readonly M[], keyOf: (item: M) => K): M[][] {
  const groups = new Map<K, M[]>()
  for (const item of items) {
    const key = keyOf(item)
    const group = groups.get(key)
    if (group === undefined) groups.set(key, [item])
    else group.push(item)
  }
  return [...groups.values()]
}

function checkCustom (groups: ReadonlyArray<readonly Message[]>, messages: readonly Message[]): Message[][] {
  const input = new Set(messages)
  const seen = new Set<Message>()
  for (const group of groups) {
    for (const m of group) {
      if (seen.has(m) || !input.has(m)) throw new JobsBuilderError('a custom jobs builder returned a message twice or one that was not in the batch')
      seen.add(m)
    }
  }
  if (seen.size !== messages.length) throw new JobsBuilderError(`a custom jobs builder left out ${messages.length - seen.size} message(s)`)
  return groups.filter((g) => g.length > 0).map((g) => [...g])
}
