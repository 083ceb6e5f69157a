// Headless Chromium (Debian's `chromium` package, installed by .ci/run where missing) driven by
// playwright-core, for tests that assert on what a person sees in the dashboard.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { loadConfig } from '../../src/config.js'

export const CHROMIUM = process.env.STREAMFIT_CHROMIUM ?? '/usr/bin/chromium'

const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'
]

export interface Browser {
  page: Page
  close (): Promise<void>
}

/** Opens `url` in a fresh Chromium profile (a new --user-data-dir per call, removed on close). */
export async function openPage (url: string): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (or set STREAMFIT_CHROMIUM)`)
  const profile = mkdtempSync(join(tmpdir(), 'streamfit-chromium-'))
  let context: BrowserContext | undefined
  try {
    // A persistent context is how playwright takes a --user-data-dir.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1360, height: 1000 }
    })
    const page = context.pages()[0] ?? await context.newPage()
    await page.goto(url)
    const ctx = context
    return {
      page,
      close: async () => {
        await ctx.close().catch(() => {})
        rmSync(profile, { recursive: true, force: true })
      }
    }
  } catch (error) {
    await context?.close().catch(() => {})
    rmSync(profile, { recursive: true, force: true })
    throw error
  }
}

/** Saves a full-page screenshot under <state dir>/artifacts/ and prints its path for CI to keep. */
export async function screenshot (page: Page, name: string): Promise<string> {
  const dir = resolve(process.env.STREAMFIT_ARTIFACTS ?? join(loadConfig().stateDir, 'artifacts'))
  mkdirSync(dir, { recursive: true })
  const path = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.png`)
  await page.screenshot({ path, fullPage: true })
  console.log(`screenshot: ${path}`)
  return path
}
