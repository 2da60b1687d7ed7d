import { readFile } from 'node:fs/promises'
import { API_BY_KEY, API_BY_NAME, KafkaProtocolError, MAX_FRAME_SIZE, type ApiDefinition } from '../../protocol/index.js'
import { ExchangeDecoder, type DecodedFrame } from '../exchange.js'
import { parseArgs } from 'node:util'
import type { CommandMain } from '../command.js'
import { UsageError } from '../errors.js'
import type { Output } from '../output.js'
import { DEFAULT_MAX_BYTES, renderDecoded } from '../render-frame.js'
import { decodeCapture, isTrafficLog } from '../capture/decode-capture.js'
import { FILTER_HELP, FILTER_OPTIONS, filterFromArgs, type FrameFilter } from '../proxy/filter.js'

/** Help text of `kshare decode`. */
export const DECODE_HELP = `Usage: kshare decode [HEX...] [--file PATH] [--api NAME --version N] [--request|--response] [--max-bytes N] [--json]

Decodes Kafka frames given as hex (arguments, a file, or standard input; plain hex or an
xxd / hexdump -C dump) and prints every field by name. Input may be one frame without its
4-byte size prefix, or any number of size-prefixed frames back to back (as captured on the
wire). Requests describe themselves; a response is decoded with the API and version of a
preceding request in the same input that has its correlation id, or with --api and --version.

Record batches (Produce, Fetch, ShareFetch records) are decoded: batch header, CRC check,
every record's offset, timestamp, key, value and headers (text when printable, else hex;
JSON pretty-printed), control records named, and in ShareFetch responses each record's
delivery count and the acquired offsets without a record (gaps). A CRC mismatch or a batch
that cannot be decoded is printed, and the exit code is 1.

Options:
  --file PATH      read the frames from PATH (hex text, an xxd dump, or raw bytes)
  --api NAME       API of a response without its request (name like ShareFetch, or key)
  --version N      version of that response
  --request        treat every frame as a request
  --response       treat every frame as a response
  --max-bytes N    show at most N bytes of each record key, value and header (default 1024; 0: all)
  --json           one JSON object per frame

Captures: --pcap FILE reads a pcap or pcapng capture (tcpdump, tshark, Wireshark, kshare
proxy --pcap): TCP streams are reassembled, responses paired by correlation id, what is not
Kafka skipped. --file also takes a \`kshare proxy --json\` log. Both print the proxy's timeline
(--verbose adds every field), the conformance checker's findings and the summary; exit 1
when the checker found a violation.
  --pcap FILE      read a capture
  --port N         only TCP streams with port N (the broker side)
  --verbose        every field under each timeline line
Filters (captures and logs; there --api selects APIs rather than naming a lone response's):
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
  /** Bytes of each record key, value and header shown (0: all; default `DEFAULT_MAX_BYTES`). */
  maxBytes?: number
  /** Capture file (pcap/pcapng). */
  pcap?: string
  /** Broker port in a capture. */
  port?: number
  /** Filters for captures and logs. */
  filter?: FrameFilter
  /** Field trees under timeline lines (captures and logs). */
  verbose?: boolean
}

// `xxd`: `00000010: 0000 0034 0012  ...4..`; `hexdump -C`: `00000010  00 00 00 34 00 12  |...4..|`.
const XXD_LINE = /^\s*[0-9a-f]+:\s+(.*)$/i
const HEXDUMP_LINE = /^[0-9a-f]{7,}\s\s(.*?)\s*(\|.*\|)?\s*$/i

/**
 * The hex of an `xxd` or `hexdump -C` dump (offset column and text column removed), or the
 * text unchanged when it is not one.
 */
export function stripDump (text: string): string {
  const lines = text.split(/\r?\n/).filter(l => l.trim() !== '')
  if (lines.length === 0) return text
  if (lines.every(l => XXD_LINE.test(l))) {
    // The text column follows the hex after two spaces.
    return lines.map(l => (XXD_LINE.exec(l)![1] as string).split('  ')[0]).join('\n')
  }
  // hexdump -C ends with a line holding only the total length.
  if (lines.every(l => HEXDUMP_LINE.test(l) || /^[0-9a-f]{7,}\s*$/i.test(l)) && lines.some(l => HEXDUMP_LINE.test(l))) {
    return lines.map(l => HEXDUMP_LINE.exec(l)?.[1] ?? '').join('\n')
  }
  return text
}

/** Parses hex text, ignoring white space, `0x` prefixes and `:` separators; accepts `xxd` and `hexdump -C` dumps. */
export function parseHex (text: string): Buffer {
  const clean = stripDump(text).replace(/0x/gi, '').replace(/[\s:,]/g, '')
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
    return /^[\s0-9a-fA-Fx:,]*$/.test(text) || stripDump(text) !== text ? parseHex(text) : data
  }
  if (opts.hex.length > 0) return parseHex(opts.hex.join(''))
  const chunks: Buffer[] = []
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string))
  return parseHex(Buffer.concat(chunks).toString('latin1'))
}

/** Record batches in the input that are corrupt: printed with the frames, then `decode` exits 1. */
export class CorruptRecordsError extends Error {
  override readonly name = 'CorruptRecordsError'

  /** @param problems each problem with the frame and field it was found in */
  constructor (readonly problems: string[]) {
    super(`${problems.length} record batch problem(s): ${problems.join('; ')}`)
  }
}

/**
 * Decodes a frame that should be a request. A response given without --api reads as a
 * request of nonsense (its correlation id's high bytes become an API key and version), so a
 * key or version Kafka does not define, or a body that does not decode, says so.
 */
function decodeAsRequest (decoder: ExchangeDecoder, payload: Buffer): DecodedFrame {
  const hint = 'if this is a response, give --api NAME --version N (or its request first)'
  // Checked before the decoder remembers the request, so a failed reading leaves no trace.
  if (payload.length >= 4) {
    const key = payload.readInt16BE(0)
    const version = payload.readInt16BE(2)
    const known = API_BY_KEY.get(key)
    if (known === undefined) throw new KafkaProtocolError(`not a request: Kafka has no API key ${key}; ${hint}`, 0, 'apiKey')
    if (version < known.minVersion || version > known.maxVersion) {
      throw new KafkaProtocolError(
        `not a request: ${known.name} (key ${key}) has no version ${version} (Kafka 4.4 speaks v${known.minVersion}-v${known.maxVersion}); ${hint}`, 2, 'apiVersion')
    }
  }
  try {
    return decoder.request(payload)
  } catch (e) {
    if (e instanceof KafkaProtocolError) throw new KafkaProtocolError(`${e.reason}; ${hint}`, e.offset, e.fieldPath, e.api, e.version)
    throw e
  }
}

/**
 * Runs `kshare decode`. Throws `UsageError`, `KafkaProtocolError`, `CorruptRecordsError` after
 * printing, or `ConformanceError` for a capture with violations.
 */
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
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES
  if (!Number.isInteger(maxBytes) || maxBytes < 0) throw new UsageError(`--max-bytes must be a whole number of bytes, got ${opts.maxBytes}`)

  const input = await readInput(opts, stdin)
  if (input.length === 0) throw new UsageError('no input: give hex as arguments, --file, or on standard input')
  const decoder = new ExchangeDecoder()
  const decodeOne = (payload: Buffer): DecodedFrame => {
    const asResponse = opts.direction === 'response' ||
      (opts.direction === undefined && (decoder.isAwaited(payload) || hint !== undefined))
    if (asResponse) return decoder.response(payload, hint)
    return opts.direction === 'request' ? decoder.request(payload) : decodeAsRequest(decoder, payload)
  }
  const problems: string[] = []
  const emit = (frame: DecodedFrame): void => {
    // The time between decoding a request and its response here says nothing about a broker.
    const rendered = renderDecoded({ ...frame, latencyMs: undefined }, opts.json, { records: { maxBytes } })
    io.out.write(rendered.text)
    problems.push(...rendered.problems.map(p => `${frame.direction} ${frame.apiName} correlationId=${frame.correlationId} ${p}`))
  }
  const finish = (): void => {
    if (problems.length > 0) throw new CorruptRecordsError(problems)
  }
  const { frames, partial } = splitFrames(input)
  if (partial === undefined) {
    for (const payload of frames) emit(decodeOne(payload))
    return finish()
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
    emit(whole)
    return finish()
  }
  // With --api the user says this is one response payload: its own decode error says more.
  const plausiblyPrefixed = partial.frames.length > 0 || (hint === undefined && partial.declared > partial.available && partial.declared > 0)
  if (!plausiblyPrefixed) {
    if (whole !== undefined) emit(whole)
    if (failure !== undefined) throw failure
    return finish()
  }
  for (const payload of partial.frames) emit(decodeOne(payload))
  // A lone response's correlation id also reads as a size prefix: say what each reading found.
  const asOneFrame = partial.frames.length === 0 && failure instanceof KafkaProtocolError ? `; read as one frame: ${failure.reason}` : ''
  throw new KafkaProtocolError(
    `frame cut short: its size prefix says ${partial.declared} bytes, ${partial.available} follow${asOneFrame}`, partial.at, 'size')
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
      'max-bytes': { type: 'string' },
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
    maxBytes: values['max-bytes'] === undefined ? undefined : Number(values['max-bytes']),
    pcap: values.pcap,
    port,
    filter: filterFromArgs(values),
    verbose: values.verbose
  }, io, ctx.stdin)
}
