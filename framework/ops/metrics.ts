/**
 * Prometheus metrics with prom-client: the framework's from the App's monitor events, the
 * client's from kshare's diagnostics channels (`client/tracing.ts`). Nothing is counted inside
 * the processing code; with no metrics the channels have no subscribers and cost nothing.
 */
import diagnostics from 'node:diagnostics_channel'
import { BrokerResponseError } from '../../client/errors.js'
import {
  TRACE_CHANNELS, type AcknowledgeTrace, type AckResultTrace, type ConnectionTrace, type FetchedRecordsTrace, type ProducerBatchTrace, type RequestTrace
} from '../../client/tracing.js'
import type { Monitor } from '../monitor.js'
import type { MetricsRegistry } from './metrics-registry.js'
import type { PromClientModule } from './optional.js'

const GT = ['group', 'topic'] as const
const SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]

/** The error label: Kafka's name for a broker error code, else the error class. */
export function errorLabel (error: unknown): string {
  if (error instanceof BrokerResponseError) return error.errorName
  return error instanceof Error ? error.name : typeof error
}

/**
 * Registers `metric` in `registry` and returns it. prom-client's `registers` option would do it
 * but wants prom-client's own Registry type, so metrics are created with `registers: []`
 * (without it they would go to prom-client's global registry) and registered here.
 */
export function registered<M extends object> (registry: MetricsRegistry, metric: M): M {
  registry.registerMetric(metric)
  return metric
}

/** The App's metrics in `registry`; `close()` unsubscribes from the monitor and the channels. */
export class AppMetrics {
  readonly #unsubscribe: Array<() => void> = []

  /**
   * @param prom the loaded prom-client
   * @param registry where the metrics are registered
   * @param monitor the App's monitor
   */
  constructor (prom: PromClientModule, readonly registry: MetricsRegistry, monitor: Monitor) {
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) => registered(registry, new prom.Counter<L>({ name, help, labelNames, registers: [] }))
    const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]) => registered(registry, new prom.Histogram<L>({ name, help, labelNames, buckets, registers: [] }))
    const on: Monitor['on'] = (event, handler) => { const off = monitor.on(event, handler); this.#unsubscribe.push(off); return off }
    const channel = <T>(name: string, handler: (message: T) => void): void => {
      const fn = (message: unknown): void => handler(message as T)
      diagnostics.subscribe(name, fn)
      this.#unsubscribe.push(() => diagnostics.unsubscribe(name, fn))
    }

    // Framework.
    const polled = counter('kshare_records_polled_total', 'Records handed out by polls', GT)
    on('listener.polled', (e) => { if (e.count > 0) polled.inc({ group: e.groupId, topic: e.topic }, e.count) })
    const accepted = counter('kshare_records_accepted_total', 'Records accepted', GT)
    on('consumer.accepted', (e) => accepted.inc({ group: e.groupId, topic: e.topic }))
    const released = counter('kshare_records_released_total', 'Records released back to the group, by reason', [...GT, 'reason'])
    on('consumer.released', (e) => released.inc({ group: e.groupId, topic: e.topic, reason: e.reason }))
    const rejected = counter('kshare_records_rejected_total', 'Records rejected (archived), by reason', [...GT, 'reason'])
    on('consumer.rejected', (e) => rejected.inc({ group: e.groupId, topic: e.topic, reason: e.reason }))
    const deadLettered = counter('kshare_records_dead_lettered_total', 'Records written to a dead letter topic', GT)
    on('dlq.dispatched', (e) => deadLettered.inc({ group: e.groupId, topic: e.topic }))
    const paused = counter('kshare_records_paused_total', 'Records held for a backoff', GT)
    on('consumer.paused', (e) => paused.inc({ group: e.groupId, topic: e.topic }))
    const duration = histogram('kshare_job_duration_seconds', 'Time in consume() per job', [...GT, 'outcome'], SECONDS)
    on('consumer.consumed', (e) => duration.observe({ group: e.groupId, topic: e.topic, outcome: 'error' in e ? 'error' : 'ok' }, e.durationMs / 1000))
    const queued = histogram('kshare_queue_latency_seconds', 'Record timestamp to the start of its job', GT, SECONDS)
    const attempts = histogram('kshare_delivery_attempts', 'Delivery attempt of each record at the start of its job (1 = first)', GT, [1, 2, 3, 4, 5, 7, 10])
    on('consumer.started', (e) => {
      const now = Date.now()
      const labels = { group: e.groupId, topic: e.topic }
      for (const r of e.records) {
        queued.observe(labels, Math.max(0, now - r.timestamp) / 1000)
        attempts.observe(labels, r.deliveryAttempt)
      }
    })
    const renewed = counter('kshare_lock_renewals_total', 'Acquisition lock renewals sent, per record', GT)
    on('lock.renewed', (e) => renewed.inc({ group: e.groupId, topic: e.topic }, e.count))
    const expired = counter('kshare_lock_expiries_total', 'Records whose acquisition lock ran out while we held them', GT)
    on('lock.expired', (e) => expired.inc({ group: e.groupId, topic: e.topic }))
    const errors = counter('kshare_errors_total', 'Errors the framework reported, by source and error class', ['source', 'error'])
    on('error.occurred', (e) => errors.inc({ source: e.source, error: errorLabel(e.error) }))
    const counters = monitor.counters
    const gauge = (name: string, help: string, read: () => number): void => {
      // Read at each scrape. Summed over the workers of a swarm (prom-client's default aggregator).
      registered(registry, new prom.Gauge({ name, help, registers: [], collect () { this.set(read()) } }))
    }
    gauge('kshare_jobs_running', 'Jobs in consume() now', () => counters.jobsRunning)
    gauge('kshare_records_in_flight', 'Records handed out and not yet decided', () => counters.recordsInFlight)
    gauge('kshare_records_held_paused', 'Records held for a backoff now', () => counters.paused)
    gauge('kshare_locks_held', 'Records whose acquisition lock we hold now', () => counters.locksHeld)
    // Every worker of a swarm sees the same lag: the primary shows the largest report.
    const lag = registered(registry, new prom.Gauge({ name: 'kshare_share_group_lag', help: 'Records of a partition not yet acknowledged by the share group (last statistics round)', labelNames: [...GT, 'partition'], registers: [], aggregator: 'max' }))
    on('statistics.emitted', (e) => {
      if (e.lag === undefined) return
      lag.reset()
      for (const p of e.lag) if (p.lag !== null) lag.set({ group: p.groupId ?? '', topic: p.topic, partition: String(p.partition) }, p.lag)
    })

    // Client.
    const requests = counter('kshare_client_requests_total', 'Requests sent, by API', ['api'])
    const requestErrors = counter('kshare_client_request_errors_total', 'Requests that failed (timeout, connection lost, bad response), by API and error', ['api', 'error'])
    const latency = histogram('kshare_client_request_duration_seconds', 'Request to response, by API', ['api'], [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30])
    const sent = counter('kshare_client_sent_bytes_total', 'Request bytes written to brokers', [])
    const received = counter('kshare_client_received_bytes_total', 'Response bytes read from brokers', [])
    channel<RequestTrace>(TRACE_CHANNELS.end, (t) => {
      requests.inc({ api: t.api })
      latency.observe({ api: t.api }, (t.durationMs ?? 0) / 1000)
      sent.inc(t.requestBytes)
      received.inc(t.responseBytes ?? 0)
    })
    channel<RequestTrace>(TRACE_CHANNELS.error, (t) => {
      requests.inc({ api: t.api })
      requestErrors.inc({ api: t.api, error: errorLabel(t.error) })
      sent.inc(t.requestBytes)
    })
    const open = registered(registry, new prom.Gauge({ name: 'kshare_client_connections_open', help: 'Broker connections ready now', registers: [] }))
    const connectionFailures = counter('kshare_client_connection_failures_total', 'Connections that failed to open or were lost, by error', ['error'])
    const ready = new Set<number>()
    channel<ConnectionTrace>(TRACE_CHANNELS.connection, (c) => {
      if (c.event === 'ready') {
        ready.add(c.connectionId)
        open.set(ready.size)
      } else if (c.event === 'closed') {
        ready.delete(c.connectionId)
        open.set(ready.size)
        if (c.error !== undefined) connectionFailures.inc({ error: errorLabel(c.error) })
      }
    })
    const fetched = counter('kshare_client_records_fetched_total', 'Records received by share consumers', GT)
    channel<FetchedRecordsTrace>(TRACE_CHANNELS.records, (r) => fetched.inc({ group: r.groupId, topic: r.topic }, r.count))
    const acks = counter('kshare_client_acknowledgements_total', 'Acknowledgements recorded by share consumers (sent with their next request), by type', [...GT, 'type'])
    channel<AcknowledgeTrace>(TRACE_CHANNELS.acknowledge, (a) => acks.inc({ group: a.groupId, topic: a.topic, type: a.type }))
    const ackFailures = counter('kshare_client_acknowledgement_failures_total', 'Acknowledged records the broker (or the client) did not apply, by error', [...GT, 'error'])
    channel<AckResultTrace>(TRACE_CHANNELS.ackResult, (r) => { if (r.error !== null) ackFailures.inc({ group: r.groupId, topic: r.topic, error: errorLabel(r.error) }, r.count) })
    const produced = counter('kshare_producer_records_sent_total', 'Records the producer wrote', ['topic'])
    const retried = counter('kshare_producer_records_retried_total', 'Records the producer will send again after a retriable error', ['topic'])
    const failed = counter('kshare_producer_records_failed_total', 'Records the producer gave up on, by error', ['topic', 'error'])
    channel<ProducerBatchTrace>(TRACE_CHANNELS.producerBatch, (b) => {
      if (b.outcome === 'sent') produced.inc({ topic: b.topic }, b.count)
      else if (b.outcome === 'retried') retried.inc({ topic: b.topic }, b.count)
      else failed.inc({ topic: b.topic, error: errorLabel(b.error) }, b.count)
    })
  }

  /** Stops counting (the metrics stay in the registry). */
  close (): void {
    for (const off of this.#unsubscribe.splice(0)) off()
  }
}
