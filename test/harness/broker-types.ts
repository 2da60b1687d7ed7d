/**
 * How a broker was obtained: started here as JVM processes, by `docker compose`, or given by
 * `KAFKA_BOOTSTRAP` (the harness neither started nor will stop it).
 */
export type BrokerMode = 'local' | 'docker' | 'external'

/** One node of a harness cluster. Plain data: it is written to the state file as JSON. */
export interface BrokerNodeInfo {
  /** KRaft node id (1-based). */
  nodeId: number
  /** Host clients connect to (always 127.0.0.1 for harness brokers). */
  host: string
  /** PLAINTEXT client port. */
  port: number
  /** CONTROLLER listener port (local mode only). */
  controllerPort?: number
  /** Process id of the node's JVM (local mode only). */
  pid?: number
  /** Node directory: server.properties, data/, broker.log (local mode only). */
  dir?: string
  /** The node's log: stdout and stderr of the JVM (local mode only). */
  logFile?: string
  /** Extra listeners when started with `secure: true` (see {@link SecureListeners}). */
  secure?: SecureListeners
}

/**
 * Secured listeners of one node, for the network layer's TLS/SASL tests. All three accept the
 * SCRAM-SHA-512 user {@link BrokerHandle.scram} where SASL is involved; TLS listeners present a
 * certificate signed by the CA in {@link BrokerHandle.tls}.
 */
export interface SecureListeners {
  /** SASL_PLAINTEXT (SCRAM-SHA-512) port. */
  saslPlaintextPort: number
  /** SSL port (server authentication only). */
  sslPort: number
  /** SASL_SSL (SCRAM-SHA-512 over TLS) port. */
  saslSslPort: number
}

/** Start-up durations, for the printed summary and for measuring the harness itself. */
export interface StartTimings {
  /** True when Maven had to download the jars (cold cache). */
  jarsCold: boolean
  /** Jar resolution, ms (≈0 when warm). */
  jarsMs: number
  /** Storage format (all nodes, in parallel), ms. */
  formatMs: number
  /** From spawning the JVMs until every node answered, ms. */
  startMs: number
  /** Whole call, ms. */
  totalMs: number
}

/** A running broker or cluster. JSON-serialisable; the state file stores one. */
export interface BrokerHandle {
  /** See {@link BrokerMode}. */
  mode: BrokerMode
  /** Kafka version (`unknown` for an external broker). */
  version: string
  /** Comma-separated `host:port` list of every node's PLAINTEXT listener. */
  bootstrap: string
  /** Nodes, in node-id order. */
  nodes: BrokerNodeInfo[]
  /** Work directory the harness removes on stop (local mode only). */
  workDir?: string
  /** KRaft cluster id. */
  clusterId?: string
  /** Cached jar directory used to start the nodes (local mode only; restarts need it). */
  libDir?: string
  /** The java binary used (local mode only). */
  java?: string
  /** ISO time the broker became ready. */
  startedAt: string
  /** Finalized cluster features seen at start-up (ApiVersions), e.g. `{ 'share.version': 2 }`. */
  features?: Record<string, number>
  /** Present when this handle started the broker. */
  timings?: StartTimings
  /** SCRAM credentials created at format time (when started with `secure: true`). */
  scram?: { mechanism: 'SCRAM-SHA-512', username: string, password: string }
  /** TLS material (when started with `secure: true`): the CA certificate clients must trust. */
  tls?: { caCertFile: string, caCertPem: string, serverName: string }
  /** docker compose project and file (docker mode only). */
  compose?: { project: string, file: string }
}
