import { BrokerHarnessError } from './errors.js'
import { sleep } from './processes.js'
import { probeApiVersions, tcpProbe, type ApiVersionsBody, type HostPort } from './probe.js'

/**
 * One readiness attempt against a node whose port already accepted a connection: an
 * ApiVersions round trip with error code 0. Rejects (and is retried until the deadline) when
 * the broker cannot answer yet.
 */
export async function answersRequests (target: HostPort): Promise<ApiVersionsBody> {
  const body = await probeApiVersions(target, { connectTimeoutMs: 2000, readTimeoutMs: 5000 })
  if (body.errorCode !== 0) throw new Error(`ApiVersions error code ${body.errorCode}`)
  return body
}

/** Options for {@link waitUntilReady}. */
export interface WaitOptions {
  /** Absolute deadline (Date.now() scale). */
  deadline: number
  /**
   * Called on every poll; throwing aborts the wait (e.g. the JVM died, so waiting longer is
   * pointless and the error should carry its log).
   */
  check?: () => void
  /** Text for the timeout message, e.g. `Kafka 4.4.0 node 1`. */
  what: string
  /** Appended to the timeout message, e.g. the log tail. */
  onTimeout?: () => string
}

/**
 * Polls until `target` accepts TCP connections and {@link answersRequests} succeeds (returning
 * its ApiVersions answer), or throws
 * START_TIMEOUT at the deadline. A Kafka broker opens its client port only once started and
 * unfenced, so polling the port does not race the start-up.
 */
export async function waitUntilReady (target: HostPort, opts: WaitOptions): Promise<ApiVersionsBody> {
  let lastError = 'port not open'
  for (;;) {
    opts.check?.()
    if (await tcpProbe(target, 1000)) {
      try {
        return await answersRequests(target)
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err)
      }
    }
    if (Date.now() >= opts.deadline) {
      throw new BrokerHarnessError('START_TIMEOUT',
        `${opts.what} at ${target.host}:${target.port} not ready before the deadline (${lastError})`, opts.onTimeout?.())
    }
    await sleep(200)
  }
}

/** Finalized feature levels of an ApiVersions answer as a map (`{ 'share.version': 2, ... }`). */
export function finalizedFeatures (body: ApiVersionsBody | undefined): Record<string, number> {
  return Object.fromEntries((body?.finalizedFeatures ?? []).map((f) => [f.name, f.maxVersionLevel]))
}
