import { ConfigurationError } from './errors.js'

/** A broker address. */
export interface BrokerAddress {
  /** Host name or IP address (IPv6 without brackets). */
  host: string
  /** TCP port, 1–65535. */
  port: number
}

const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]/]+)):(\d{1,5})$/

/**
 * Parses `host:port` (`[::1]:9092` for IPv6). A malformed value is a
 * {@link ConfigurationError} naming `option`, raised before any connection is tried.
 */
export function parseBrokerAddress (text: string, option = 'bootstrapServers'): BrokerAddress {
  const m = HOST_PORT.exec(text.trim())
  const port = m === null ? NaN : Number(m[3])
  if (m === null || port < 1 || port > 65535) {
    throw new ConfigurationError(`${option}: ${JSON.stringify(text)} is not a broker address; write host:port, e.g. localhost:9092 or [::1]:9092`, option)
  }
  return { host: (m[1] ?? m[2]) as string, port }
}

/** Parses a bootstrap list (an array, or one comma-separated string); at least one address. */
export function parseBootstrapServers (servers: string | readonly string[], option = 'bootstrapServers'): BrokerAddress[] {
  const list = (typeof servers === 'string' ? servers.split(',') : [...servers]).map(s => s.trim()).filter(s => s !== '')
  if (list.length === 0) throw new ConfigurationError(`${option} is empty; give at least one host:port`, option)
  return list.map(s => parseBrokerAddress(s, option))
}

/** `host:port`, with brackets around IPv6 addresses. */
export function formatAddress (address: BrokerAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`
}
