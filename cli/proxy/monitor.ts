import { describeMessage, renderTree, treeToJson, type KafkaProtocolError } from '../../protocol/index.js'
import { DEFAULT_MAX_BYTES } from '../render-frame.js'
import type { DecodedFrame } from '../exchange.js'
import { toJson } from '../output.js'
import { frameMatches, isIdleExchange, mayBeIdle, requestFacts, responseFacts, type FrameFacts, type FrameFilter } from './filter.js'
import { ShareChecker, type Finding } from './share-checker.js'
import { renderSummary, TrafficStats } from './stats.js'
import { summarize, TopicNames } from './timeline.js'

/**
 * The proxy's view of traffic, shared by `kshare proxy`, `kshare decode` of captures and
 * `--trace`: one timeline line per frame tagged with connection and client id, connection
 * open/close lines, filters, the conformance checker's findings, and the exit summary.
 * Input is whatever saw the frames (a live proxy, a capture); output is text or JSON lines.
 */

/** A frame as seen on one connection. */
export interface SeenFrame {
  /** Wall-clock milliseconds. */
  at: number
  /** Connection number. */
  connection: number
  /** Which way. */
  direction: 'request' | 'response'
  /** The decoded frame; absent when decoding failed. */
  frame?: DecodedFrame
  /** Why decoding failed. */
  decodeError?: KafkaProtocolError
  /** The frame bytes without the size prefix. */
  wire: Buffer
  /** Broker addresses in this response were rewritten. */
  rewritten?: boolean
}

/** A connection's ends. */
export interface SeenConnection {
  /** Connection number. */
  connection: number
  /** Wall-clock milliseconds. */
  at: number
  /** The client, `host:port`. */
  peer: string
  /** The broker, `host:port`. */
  upstream: string
  /** Who closed it (close only). */
  closedBy?: string
}

/** Options of {@link Monitor}. */
export interface MonitorOptions {
  /** What to show. */
  filter: FrameFilter
  /** Every field of every frame under its line. */
  verbose: boolean
  /** JSON lines instead of text. */
  json: boolean
}

interface ConnectionState {
  info?: SeenConnection
  clientId?: string
  software?: string
  announced: boolean
  requests: Map<number, { frame: DecodedFrame, facts: FrameFacts, held?: SeenFrame }>
  frames: number
  bytes: number
}

/** Record batches under verbose lines and in JSON are decoded, values cut at the decode default. */
const RECORDS = { records: { maxBytes: DEFAULT_MAX_BYTES } }

/** `HH:MM:SS.mmm` (UTC) of a wall-clock time. */
export function clockTime (at: number): string {
  return new Date(at).toISOString().slice(11, 23)
}

/** One timeline line for a frame (and its fields when verbose). */
export function timelineLine (f: SeenFrame, tag: string, names: TopicNames, verbose: boolean): string {
  const arrow = f.direction === 'request' ? '→' : '←'
  const head = `${clockTime(f.at)} ${tag} ${arrow}`
  if (f.frame === undefined) return `${head} undecodable frame (${f.wire.length + 4} bytes): ${f.decodeError?.message ?? ''}\n`
  const frame = f.frame
  names.learn(frame)
  const latency = frame.latencyMs !== undefined ? ` ${frame.latencyMs.toFixed(1)}ms` : ''
  const rewritten = f.rewritten === true ? ' (addresses rewritten)' : ''
  const summary = summarize(frame, names)
  let line = `${head} ${frame.apiName}${frame.version !== undefined ? ` v${frame.version}` : ''} c=${frame.correlationId}${latency}${summary !== '' ? ` ${summary}` : ''}${rewritten}\n`
  if (verbose && frame.api !== undefined && frame.body !== undefined && frame.version !== undefined) {
    line += renderTree(describeMessage(frame.api, frame.version, frame.direction, frame.body as object, RECORDS), '      ')
  }
  return line
}

/** Follows traffic and writes what the options ask for; see the module comment. */
export class Monitor {
  private readonly names = new TopicNames()
  private readonly connections = new Map<number, ConnectionState>()
  private readonly checker = new ShareChecker((topicId, p) => `${this.names.name(topicId)}-${p}`)
  private readonly stats = new TrafficStats()
  private readonly memberClients = new Map<string, string>()
  private violations = 0
  private events = 0
  private readonly showConnections: boolean

  /**
   * @param write where lines go
   * @param options filters and format
   */
  constructor (private readonly write: (text: string) => void, private readonly options: MonitorOptions) {
    const f = options.filter
    this.showConnections = f.apis === undefined && f.group === undefined && f.member === undefined && f.topic === undefined && f.errorsOnly !== true
  }

  /** Every finding so far, counted. */
  get findings (): { violations: number, events: number } {
    return { violations: this.violations, events: this.events }
  }

  /** A connection opened. */
  opened (c: SeenConnection): void {
    this.state(c.connection).info = c
  }

  /** A connection closed. */
  closed (c: SeenConnection): void {
    const s = this.state(c.connection)
    s.info ??= c
    this.announce(c.connection, s)
    // Held-back requests never got their response: show them after all.
    for (const r of s.requests.values()) if (r.held !== undefined) this.emitFrame(r.held, s, r.facts)
    this.checker.connectionClosed(c.connection)
    if (this.showConnections && this.clientMatches(s)) {
      const opened = s.info?.at ?? c.at
      this.write(this.options.json
        ? toJson({ ts: new Date(c.at).toISOString(), connection: c.connection, event: 'close', closedBy: c.closedBy, frames: s.frames, bytes: s.bytes }) + '\n'
        : `${clockTime(c.at)} ${this.tag(c.connection, s)} closed${c.closedBy !== undefined ? ` by ${c.closedBy}` : ''} after ${((c.at - opened) / 1000).toFixed(1)}s, ${s.frames} frames, ${s.bytes} bytes\n`)
    }
    this.connections.delete(c.connection)
  }

  /** A frame crossed. */
  frame (f: SeenFrame): void {
    const s = this.state(f.connection)
    s.frames++
    s.bytes += f.wire.length + 4
    this.stats.record(f.frame)
    const frame = f.frame
    // Topic names come from Metadata responses, shown or filtered out.
    if (frame !== undefined) this.names.learn(frame)
    if (frame === undefined) {
      this.announce(f.connection, s)
      this.emitFrame(f, s, undefined)
      return
    }
    let facts: FrameFacts
    let heldRequest: SeenFrame | undefined
    if (frame.direction === 'request') {
      if (frame.clientId !== undefined && frame.clientId !== null) s.clientId ??= frame.clientId
      const body = frame.body as { clientSoftwareName?: string, clientSoftwareVersion?: string } | undefined
      if (frame.apiName === 'ApiVersions' && body?.clientSoftwareName !== undefined && body.clientSoftwareName !== '') {
        s.software = `${body.clientSoftwareName}/${body.clientSoftwareVersion ?? '?'}`
      }
      facts = requestFacts(frame, id => this.names.name(id))
      for (const m of facts.members) if (m !== '' && s.clientId !== undefined) this.memberClients.set(m, s.clientId)
      const pending: { frame: DecodedFrame, facts: FrameFacts, held?: SeenFrame } = { frame, facts }
      if (s.requests.size < 10_000) s.requests.set(frame.correlationId, pending)
      if (this.options.filter.hideIdle === true && mayBeIdle(frame)) pending.held = f
    } else {
      const request = s.requests.get(frame.correlationId)
      s.requests.delete(frame.correlationId)
      facts = responseFacts(frame, request?.facts, id => this.names.name(id))
      if (request?.held !== undefined) {
        if (isIdleExchange(request.frame, frame)) {
          this.check(f)
          return
        }
        heldRequest = request.held
      }
    }
    this.announce(f.connection, s)
    if (heldRequest !== undefined) this.emitFrame(heldRequest, s, facts)
    if (frame.direction === 'response' || this.options.filter.hideIdle !== true || !mayBeIdle(frame)) this.emitFrame(f, s, facts)
    this.check(f)
  }

  /** The exit summary as text. */
  summary (now: number): string {
    const counts = this.checker.memberCounts(now)
    return renderSummary(this.stats, counts, m => `${m}${this.memberClients.has(m) ? ` (${this.memberClients.get(m)!})` : ''}`, this.findings)
  }

  private check (f: SeenFrame): void {
    const s = this.connections.get(f.connection)
    const findings = this.checker.observe({ at: f.at, connection: f.connection, broker: s?.info?.upstream ?? '', frame: f.frame! })
    for (const finding of findings) this.report(finding)
  }

  private report (finding: Finding): void {
    if (finding.kind === 'violation') this.violations++
    else this.events++
    const s = this.state(finding.connection)
    const filter = this.options.filter
    if (filter.member !== undefined && finding.member !== filter.member) return
    if (filter.clientId !== undefined && s.clientId !== filter.clientId) return
    this.write(this.options.json
      ? toJson({ ts: new Date(finding.at).toISOString(), connection: finding.connection, [finding.kind]: finding.rule, member: finding.member, message: finding.message }) + '\n'
      : `${clockTime(finding.at)} ${this.tag(finding.connection, s)} ${finding.kind === 'violation' ? '✗ VIOLATION' : '! event'} ${finding.rule} member=${finding.member}: ${finding.message}\n`)
  }

  private emitFrame (f: SeenFrame, s: ConnectionState, facts: FrameFacts | undefined): void {
    if (facts !== undefined ? !frameMatches(this.options.filter, facts, f.direction) : !this.allowsUndecoded()) return
    if (this.options.json) {
      const frame = f.frame
      this.write(toJson({
        ts: new Date(f.at).toISOString(),
        connection: f.connection,
        peer: s.info?.peer,
        upstream: s.info?.upstream,
        direction: f.direction,
        api: frame?.apiName,
        version: frame?.version,
        correlationId: frame?.correlationId,
        clientId: s.clientId,
        latencyMs: frame?.latencyMs,
        summary: frame !== undefined ? summarize(frame, this.names) : undefined,
        body: frame?.api !== undefined && frame.body !== undefined && frame.version !== undefined
          ? treeToJson(describeMessage(frame.api, frame.version, frame.direction, frame.body as object, RECORDS))
          : undefined,
        error: f.decodeError?.message,
        rewritten: f.rewritten,
        frame: f.wire.toString('hex')
      }) + '\n')
      return
    }
    this.write(timelineLine(f, this.tag(f.connection, s), this.names, this.options.verbose))
  }

  private allowsUndecoded (): boolean {
    const f = this.options.filter
    return f.apis === undefined && f.group === undefined && f.member === undefined && f.topic === undefined && f.clientId === undefined
  }

  private clientMatches (s: ConnectionState): boolean {
    return this.options.filter.clientId === undefined || s.clientId === this.options.filter.clientId
  }

  /** The open line, once per connection, when its client id (and software) are known. */
  private announce (connection: number, s: ConnectionState): void {
    if (s.announced) return
    s.announced = true
    if (!this.showConnections || !this.clientMatches(s) || s.info === undefined) return
    const at = s.info.at
    this.write(this.options.json
      ? toJson({ ts: new Date(at).toISOString(), connection, event: 'open', peer: s.info.peer, upstream: s.info.upstream, clientId: s.clientId, software: s.software }) + '\n'
      : `${clockTime(at)} ${this.tag(connection, s)} open ${s.info.peer} → ${s.info.upstream}${s.clientId !== undefined ? ` client-id=${s.clientId}` : ''}${s.software !== undefined ? ` software=${s.software}` : ''}\n`)
  }

  private tag (connection: number, s: ConnectionState): string {
    return `#${connection}${s.clientId !== undefined && s.clientId !== '' ? ` ${s.clientId}` : ''}`
  }

  private state (connection: number): ConnectionState {
    let s = this.connections.get(connection)
    if (s === undefined) this.connections.set(connection, s = { announced: false, requests: new Map(), frames: 0, bytes: 0 })
    return s
  }
}
