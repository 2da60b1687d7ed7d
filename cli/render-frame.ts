import { describeMessage, recordProblems, renderTree, treeToJson, type DescribeOptions } from '../protocol/index.js'
import type { DecodedFrame } from './exchange.js'
import { toJson } from './output.js'

/**
 * A decoded frame rendered in full, every field with record batches decoded: what `kshare
 * decode` prints per frame and what `--trace --json` writes. Shared by commands, so it lives
 * beside them rather than in one of them.
 */

/** Bytes of a record key, value or header shown by default. */
export const DEFAULT_MAX_BYTES = 1024

/** One line saying what a frame is. */
export function frameTitle (f: DecodedFrame): string {
  const parts = [`${f.direction} ${f.apiName}${f.version !== undefined ? ` v${f.version}` : ''}`, `correlationId=${f.correlationId}`]
  if (f.clientId !== undefined) parts.push(`clientId=${JSON.stringify(f.clientId)}`)
  if (f.latencyMs !== undefined) parts.push(`latency=${f.latencyMs.toFixed(1)}ms`)
  parts.push(`${f.payload.length + 4} bytes`)
  return parts.join(' ')
}

/** A frame rendered, with what is wrong in its record batches. */
export interface RenderedFrame {
  /** Text, or one JSON line. */
  text: string
  /** Record batch problems (CRC mismatches, undecodable batches), each with its field path. */
  problems: string[]
}

/** Renders a decoded frame (record batches decoded) as text or as one JSON line, with the problems found in its records. */
export function renderDecoded (f: DecodedFrame, json: boolean, options: DescribeOptions = { records: { maxBytes: DEFAULT_MAX_BYTES } }): RenderedFrame {
  const fields = f.api !== undefined && f.body !== undefined && f.version !== undefined
    ? describeMessage(f.api, f.version, f.direction, f.body as object, options)
    : undefined
  const problems = fields !== undefined ? recordProblems(fields) : []
  if (json) {
    const text = toJson({
      direction: f.direction,
      api: f.apiName,
      version: f.version,
      correlationId: f.correlationId,
      clientId: f.clientId,
      latencyMs: f.latencyMs,
      size: f.payload.length + 4,
      body: fields !== undefined ? treeToJson(fields) : undefined,
      raw: fields === undefined ? f.payload.toString('hex') : undefined
    }) + '\n'
    return { text, problems }
  }
  const warnings = problems.map(p => `  !! ${p}\n`).join('')
  return { text: `${frameTitle(f)}\n${warnings}${fields !== undefined ? renderTree(fields, '  ') : `  raw: ${f.payload.toString('hex')}\n`}`, problems }
}

/** Renders a decoded frame (record batches decoded) as text or as one JSON line. */
export function renderFrame (f: DecodedFrame, json: boolean, options?: DescribeOptions): string {
  return renderDecoded(f, json, options).text
}
