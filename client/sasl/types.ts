/** SASL PLAIN (RFC 4616): username and password in clear text; use it over TLS only. */
export interface SaslPlainOptions {
  /** `PLAIN`. */
  mechanism: 'PLAIN'
  /** User name. */
  username: string
  /** Password. */
  password: string
}

/** SASL SCRAM (RFC 5802 / RFC 7677): the password never travels; the broker proves it knows it too. */
export interface SaslScramOptions {
  /** `SCRAM-SHA-256` or `SCRAM-SHA-512`, as enabled on the broker's listener. */
  mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512'
  /** User name (created on the broker with kafka-configs or `StorageTool format --add-scram`). */
  username: string
  /** Password. */
  password: string
}

/** An OAuth 2 bearer token and optional SASL extensions (KIP-342). */
export interface OAuthBearerToken {
  /** The token (usually a JWT), without the `Bearer ` prefix. */
  value: string
  /** SASL extensions sent with the token, e.g. `{ logicalCluster: 'lkc-123' }`. */
  extensions?: Readonly<Record<string, string>>
}

/** Which broker a token is for, given to {@link SaslOAuthBearerOptions.token}. */
export interface SaslTarget {
  /** Broker host. */
  host: string
  /** Broker port. */
  port: number
  /** Node id, -1 for a bootstrap connection. */
  nodeId: number
}

/** SASL OAUTHBEARER (RFC 7628) with a token callback. */
export interface SaslOAuthBearerOptions {
  /** `OAUTHBEARER`. */
  mechanism: 'OAUTHBEARER'
  /**
   * Called on every new connection: returns a currently valid token (kshare does not cache
   * it; cache and refresh in the callback). A throw fails the connection with an
   * `AuthenticationError`.
   */
  token: (target: SaslTarget) => string | OAuthBearerToken | Promise<string | OAuthBearerToken>
}

/** SASL settings of a client; absent means no SASL. */
export type SaslOptions = SaslPlainOptions | SaslScramOptions | SaslOAuthBearerOptions

/**
 * One SASL conversation, mechanism side: the messages the client sends, given what the
 * server replies. Implementations throw `AuthenticationError` when the server's reply is wrong.
 */
export interface SaslExchange {
  /** The client's first message. */
  start (): Promise<Buffer>
  /** The next client message after the server's reply, or `null` when the exchange is complete. */
  next (challenge: Buffer): Promise<Buffer | null>
}
