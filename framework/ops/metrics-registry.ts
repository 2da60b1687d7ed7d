/**
 * A Prometheus registry as the App uses it. prom-client's `Registry` is one; this type is ours so
 * that kshare's declarations compile without prom-client, an optional peer dependency.
 */
export interface MetricsRegistry {
  /** Adds a metric; the App registers each of its prom-client metrics here. */
  registerMetric (metric: object): void
  /** Every registered metric in the text exposition format (what `/metrics` answers). */
  metrics (): Promise<string>
  /** The content type of {@link metrics}' text. */
  readonly contentType: string
  /** Every registered metric as data: a swarm's workers send theirs to the primary, which aggregates them. */
  getMetricsAsJSON (): Promise<unknown[]>
}
