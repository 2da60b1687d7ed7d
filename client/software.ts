import { createRequire } from 'node:module'

/** `ClientSoftwareName` sent in ApiVersions (shown by the broker in its client metrics). */
export const CLIENT_SOFTWARE_NAME = 'kshare'

/**
 * `ClientSoftwareVersion`: kshare's package version. Read from package.json next to the
 * compiled tree (`dist/client/` → `../../package.json`, also in an installed package).
 */
export const CLIENT_SOFTWARE_VERSION: string = readVersion()

function readVersion (): string {
  try {
    const pkg = createRequire(import.meta.url)('../../package.json') as { version?: unknown }
    // The broker only accepts [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])? here (KIP-511).
    return typeof pkg.version === 'string' && /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/.test(pkg.version) ? pkg.version : 'unknown'
  } catch {
    return 'unknown'
  }
}
