import { readFile } from 'node:fs/promises'
import { API_BY_KEY, API_BY_NAME, describeMessage, KafkaProtocolError, MAX_FRAME_SIZE, renderTree, treeToJson, type ApiDefinition } from '../../protocol/index.js'
import { ExchangeDecoder, type DecodedFrame } from '../exchange.js'
import { parseArgs } from 'node:util'
import type { CommandMain } from '../command.js'
import { UsageError } from '../errors.js'
import { toJson, type Output } from '../output.js'
import { decodeCapture, isTrafficLog } from '../capture/decode-capture.js'
import { FILTER_HELP, FILTER_OPTIONS, filterFromArgs, type FrameFilter } from '../proxy/filter.js'

/** Help text of `kshare decode`. */
export const DECODE_HELP = `Usage: kshare decode [HEX...] [--file PATH] [--api NAME --version N] [--request|--response] [--json]

Decodes Kafka frames given as hex (arguments, a file, or standard input) and prints every
field by name. Input may be one frame without its 4-byte size prefix, or any number of
size-prefixed frames back to back (as captured on the wire). Requests describe themselves;
a response is decoded with the API and version of a preceding request in the same input
that has its correlation id, or with --api and --version.

Options:
  --file PATH      read the frames from PATH (hex text, or raw bytes)
  --api NAME       API of a response without its request (name like ShareFetch, or key)
  --version N      version of that response
  --request        treat every frame as a request
  --response       treat every frame as a response
  --json           one JSON object per frame

Captures: --pcap FILE reads a pcap or pcapng capture (tcpdump, tshark, Wireshark, kshare
proxy --pcap): TCP streams are reassembled, responses paired by correlation id, what is not
Kafka skipped. --file also takes a \`kshare proxy --json\` log. Both print the proxy's timeline
(--verbose adds every field), the conformance checker's findings and the summary; exit 1
when the checker found a violation.
  --pcap FILE      read a capture
  --port N         only TCP streams with port N (the broker side)
  --verbose        every field under each timeline line
${FILTER_HELP}`

/** Options of `kshare decode`. */
export interface DecodeOptions {
  /** Hex given as arguments. */
  hex: string[]
  /** File to read instead. */
  file?: string
  /** API name or key for responses. */
  api?: string
  /** Version for responses. */
  version?: string
  /** Force the direction. */
  direction?: 'request' | 'response'
  /** JSON output. */
  json: boolean
  /** Capture file (pcap/pcapng). */
  pcap?: string
  /** Broker port in a capture. */
  port?: number
  /** Filters for captures and logs. */
  filter?: FrameFilter
  /** Field trees under timeline lines (captures and logs). */
  verbose?: boolean
}

/** Parses hex text, ignoring white space, `0x` prefixes and `:` separators. */
export function parseHex (text: string): Buffer {
  const clean = text.replace(/0x/gi, '').replace(/[\s:,]/g, '')
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) {
    const bad = clean.search(/[^0-9a-f]/i)
    throw new UsageError(bad >= 0 ? `not hex at character ${bad}: ${JSON.stringify(clean[bad])}` : 'odd number of hex digits')
  }
  return Buffer.from(clean, 'hex')
}

/** Input split into frame payloads. */
export interface SplitInput {
  /** Size-prefixed frame payloads that chain exactly to the end of the input, else empty. */
  frames: Buffer[]
  /** When the chain breaks: the complete frames before the break, and where it broke. */
  partial?: { frames: Buffer[], at: number, declared: number, available: number }
}

/**
 * Splits input into size-prefixed frame payloads when the prefixes chain exactly to the end
 * of the input. Otherwise the input is either one frame without a prefix or frames cut
 * short; `partial` keeps what the prefixes say so the caller can tell which.
 */
export function splitFrames (input: Buffer): SplitInput {
  const frames: Buffer[] = []
  let o = 0
  while (o + 4 <= input.length) {
    const size = input.readInt32BE(o)
    if (size < 0 || size > MAX_FRAME_SIZE || o + 4 + size > input.length) break
    frames.push(input.subarray(o + 4, o + 4 + size))
    o += 4 + size
  }
  if (o === input.length && frames.length > 0) return { frames }
  const declared = o + 4 <= input.length ? input.readInt32BE(o) : 4
  return { frames: [], partial: { frames, at: o, declared, available: Math.max(0, input.length - o - 4) } }
}

function resolveApi (name: string | undefined): ApiDefinition | undefined {
  if (name === undefined) return undefined
  const api = /^\d+$/.test(name) ? API_BY_KEY.get(Number(name)) : API_BY_NAME.get(name)
  if (api === undefined) throw new UsageError(`unknown API ${JSON.stringify(name)} (known: ${[...API_BY_NAME.keys()].join(', ')})`)
  return api
}

async function readInput (opts: DecodeOptions, stdin: NodeJS.ReadableStream): Promise<Buffer> {
  if (opts.file !== undefined) {
    const data = await readFile(opts.file)
    const text = data.toString('latin1')
    return /^[\s0-9a-fA-Fx:,]*$/.test(text) ? parseHex(text) : data
  }
  if (opts.hex.length > 0) return parseHex(opts.hex.join(''))
  const chunks: Buffer[] = []
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string))
  return parseHex(Buffer.concat(chunks).toString('latin1'))
}

/** One line saying what a frame is. */
export function frameTitle (f: DecodedFrame): string {
  const parts = [`${f.direction} ${f.apiName}${f.version !== undefined ? ` v${f.version}` : ''}`, `correlationId=${f.correlationId}`]
  if (f.clientId !== undefined) parts.push(`clientId=${JSON.stringify(f.clientId)}`)
  if (f.latencyMs !== undefined) parts.push(`${f.latencyMs.toFixed(1)}ms`)
  parts.push(`${f.payload.length + 4} bytes`)
  return parts.join(' ')
}

/** Renders a decoded frame as text or as one JSON line. */
export function renderFrame (f: DecodedFrame, json: boolean): string {
  const fields = f.api !== undefined && f.body !== undefined && f.version !== undefined
    ? describeMessage(f.api, f.version, f.direction, f.body as object)
    : undefined
  if (json) {
    return toJson({
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
  }
  return `${frameTitle(f)}\n${fields !== undefined ? renderTree(fields, '  ') : `  raw: ${f.payload.toString('hex')}\n`}`
}

/** Runs `kshare decode`. Throws `UsageError`, `KafkaProtocolError`, or `ConformanceError` for a capture with violations. */
export async function decodeCommand (opts: DecodeOptions, io: Output, stdin: NodeJS.ReadableStream): Promise<void> {
  if (opts.pcap !== undefined || (opts.file !== undefined && isTrafficLog(await readFile(opts.file)))) {
    const input = await readFile(opts.pcap ?? opts.file!)
    decodeCapture(input, { port: opts.port, filter: opts.filter ?? {}, verbose: opts.verbose ?? false, json: opts.json }, io)
    return
  }
  const hintApi = resolveApi(opts.api)
  if ((hintApi === undefined) !== (opts.version === undefined)) throw new UsageError('--api and --version go together')
  const hintVersion = opts.version === undefined ? undefined : Number(opts.version)
  if (hintVersion !== undefined && !Number.isInteger(hintVersion)) throw new UsageError(`--version must be a number, got ${opts.version}`)
  const hint = hintApi !== undefined && hintVersion !== undefined ? { api: hintApi, version: hintVersion } : undefined

  const input = await readInput(opts, stdin)
  if (input.length === 0) throw new UsageError('no input: give hex as arguments, --file, or on standard input')
  const decoder = new ExchangeDecoder()
  const decodeOne = (payload: Buffer): DecodedFrame => {
    const asResponse = opts.direction === 'response' ||
      (opts.direction === undefined && (decoder.isAwaited(payload) || hint !== undefined))
    return asResponse ? decoder.response(payload, hint) : decoder.request(payload)
  }
  const { frames, partial } = splitFrames(input)
  if (partial === undefined) {
    for (const payload of frames) io.out.write(renderFrame(decodeOne(payload), opts.json))
    return
  }
  // Either one frame without its size prefix, or prefixed frames cut short: try the first.
  let whole: DecodedFrame | undefined
  let failure: unknown
  try {
    whole = decodeOne(input)
  } catch (e) {
    failure = e
  }
  if (whole !== undefined && whole.body !== undefined) {
    io.out.write(renderFrame(whole, opts.json))
    return
  }
  // With --api the user says this is one response payload: its own decode error says more.
  const plausiblyPrefixed = partial.frames.length > 0 || (hint === undefined && partial.declared > partial.available && partial.declared > 0)
  if (!plausiblyPrefixed) {
    if (whole !== undefined) io.out.write(renderFrame(whole, opts.json))
    if (failure !== undefined) throw failure
    return
  }
  for (const payload of partial.frames) io.out.write(renderFrame(decodeOne(payload), opts.json))
  throw new KafkaProtocolError(
    `frame cut short: its size prefix says ${partial.declared} bytes, ${partial.available} follow`, partial.at, 'size')
}

/** `kshare decode [HEX...] [options]`. */
export const decodeMain: CommandMain = async (args, io, ctx) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      file: { type: 'string' },
      version: { type: 'string' },
      request: { type: 'boolean', default: false },
      response: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      pcap: { type: 'string' },
      port: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      ...FILTER_OPTIONS,
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help) {
    io.out.write(DECODE_HELP)
    return
  }
  if (values.request && values.response) throw new UsageError('--request and --response exclude each other')
  const port = values.port === undefined ? undefined : Number(values.port)
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) throw new UsageError(`--port must be a TCP port, got ${values.port}`)
  await decodeCommand({
    hex: positionals,
    file: values.file,
    api: values.api,
    version: values.version,
    direction: values.request ? 'request' : values.response ? 'response' : undefined,
    json: values.json,
    pcap: values.pcap,
    port,
    filter: filterFromArgs(values),
    verbose: values.verbose
  }, io, ctx.stdin)
}
