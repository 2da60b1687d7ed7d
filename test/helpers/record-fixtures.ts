import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../harness/paths.js'

/**
 * Record batches captured from Kafka's Java producer (`scripts/capture-record-batches.ts`):
 * what was produced, and how to load a capture. Shared by the capture script, the fixture
 * test and the decode benchmark.
 */

/** Where the captures live. */
export const FIXTURE_DIR = join(repoRoot(), 'test', 'fixtures', 'records')

/** The ConsoleProducer null marker (null key, value, header value, or no headers). */
export const NULL_MARKER = '<NULL>'

/** A produced record, as text (the console producer sends UTF-8). */
export interface ExpectedRecord {
  /** Key, or null. */
  key: string | null
  /** Value, or null. */
  value: string | null
  /** Headers in order. */
  headers: Array<{ key: string, value: string | null }>
}

/** The JSON written next to each capture. */
export interface RecordFixture {
  /** The Java class that produced the records. */
  producer: string
  /** Broker (and tools) version. */
  kafkaVersion: string
  /** Codec given to the producer. */
  codec: string
  /** Wall clock before the producer started (ms); record timestamps are create times after it. */
  capturedFrom: number
  /** Wall clock after the producer exited (ms). */
  capturedTo: number
  /** Records, in offset order from 0 (absent when `benchRecords` says how to regenerate them). */
  records?: ExpectedRecord[]
  /** For the benchmark capture: the records are `benchRecords(n)`. */
  benchRecords?: number
}

/** The records a capture holds, in offset order from 0. */
export function expectedRecords (fixture: RecordFixture): ExpectedRecord[] {
  return fixture.records ?? benchRecords(fixture.benchRecords ?? 0)
}

/** What each codec topic gets: keys, headers, nulls, empty and non-ASCII text, a compressible value. */
export const SAMPLE_RECORDS: readonly ExpectedRecord[] = [
  { key: 'k1', value: 'hello', headers: [{ key: 'h1', value: 'v1' }, { key: 'h2', value: 'v2' }] },
  { key: null, value: 'no key', headers: [{ key: 'trace', value: 'abc' }] },
  { key: 'k3', value: null, headers: [{ key: 'null-header', value: null }, { key: 'empty', value: '' }] },
  { key: 'clé-ü', value: 'héllo wörld ✓ 字 🙂', headers: [{ key: 'ключ', value: 'значение' }] },
  { key: 'k5', value: 'compress me '.repeat(200), headers: [] },
  { key: '', value: '', headers: [{ key: 'h1', value: 'v1' }] }
]

/** Records in the benchmark capture. */
export const BENCH_RECORD_COUNT = 200

const WORDS = ('lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore ' +
  'et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip').split(' ')

/** `count` records with 1 KiB values of pseudo-random words (deterministic), a key and one header. */
export function benchRecords (count: number): ExpectedRecord[] {
  let state = 42
  const next = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0
    return state >>> 8
  }
  const records: ExpectedRecord[] = []
  for (let i = 0; i < count; i++) {
    let value = ''
    while (value.length < 1024) value += WORDS[next() % WORDS.length]! + ' '
    const traceId = (next().toString(16) + next().toString(16)).padStart(16, '0').slice(0, 16)
    records.push({ key: `key-${String(i).padStart(6, '0')}`, value: value.slice(0, 1024), headers: [{ key: 'trace-id', value: traceId }] })
  }
  return records
}

/** Loads a capture: the batch bytes and what was produced. */
export function loadRecordFixture (name: string): { bytes: Buffer, fixture: RecordFixture } {
  return {
    bytes: readFileSync(join(FIXTURE_DIR, `${name}.bin`)),
    fixture: JSON.parse(readFileSync(join(FIXTURE_DIR, `${name}.json`), 'utf8')) as RecordFixture
  }
}
