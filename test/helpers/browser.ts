/**
 * Debian's chromium driven by playwright-core (which downloads no browser): the browser tests'
 * one way in. A machine without chromium fails the tests at once, saying how to install it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'

/** Where Debian installs chromium. */
export const CHROMIUM = process.env.KSHARE_CHROMIUM ?? '/usr/bin/chromium'

/**
 * A headless chromium with a fresh profile (playwright takes the profile directory as
 * `userDataDir`, not as `--user-data-dir`); `close()` removes the profile.
 */
export async function launchChromium (): Promise<{ context: BrowserContext, close: () => Promise<void> }> {
  if (!existsSync(CHROMIUM)) throw new Error(`chromium not found at ${CHROMIUM}: install it with 'apt-get install -y chromium' (as root; .ci/run does), or set KSHARE_CHROMIUM`)
  const profile = mkdtempSync(join(tmpdir(), 'kshare-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync']
  })
  return {
    context,
    close: async () => {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    }
  }
}
