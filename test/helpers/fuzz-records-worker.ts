import { parentPort, workerData } from 'node:worker_threads'
import { fuzzRecords, type FuzzRecordsOptions } from './fuzz-records.js'

// Worker side of `fuzzRecordsWatched`: publishes the index of the case being decoded (plus
// one) in shared memory, so the parent can name a case that stops making progress.
const { options, progress } = workerData as { options: FuzzRecordsOptions, progress: SharedArrayBuffer }
const current = new Int32Array(progress)
parentPort!.postMessage(fuzzRecords({ ...options, onCase: index => Atomics.store(current, 0, index + 1) }))
