import { join } from 'node:path'
import { repoRoot } from '../harness/paths.js'

/**
 * The golden frames captured from a real broker: where they live and what
 * `test/fixtures/golden/manifest.json` says about them. Written by
 * `scripts/capture-golden.ts`, read by `test/unit/protocol/golden.test.ts`.
 */

/** `test/fixtures/golden/` of this checkout. */
export const GOLDEN_DIR = join(repoRoot(), 'test', 'fixtures', 'golden')

/** One captured request/response pair. */
export interface GoldenFrame {
  /** Kafka's API name, e.g. `ShareFetch`. */
  api: string
  apiKey: number
  apiVersion: number
  correlationId: number
  clientId: string | null
  /** Which capture step (Kafka tool run) sent it. */
  tool: string
  /** File of the size-prefixed request frame. */
  request: string
  /** File of the size-prefixed response frame; null when the broker sent none. */
  response: string | null
  /** Features the golden test looks for that this exchange shows (e.g. `acquired records`). */
  features: string[]
}

/** `manifest.json`. */
export interface GoldenManifest {
  /** Broker (and tools) release of the capture. */
  kafkaVersion: string
  capturedAt: string
  /** Topic and share group the tools used. */
  topic: string
  group: string
  /** Port the broker advertised (the tee's): FindCoordinator and Metadata answers carry it. */
  advertisedPort: number
  frames: GoldenFrame[]
}
