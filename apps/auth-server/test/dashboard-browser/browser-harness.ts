import { mkdir, readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { AxeResults, Result } from 'axe-core'
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from 'playwright-core'
import { expect } from 'vitest'
import { type ListeningDashboard, listeningDashboardApp } from '../dashboard/dashboard-helpers.js'

export type { ListeningDashboard }

// Debian's chromium (.ci/run installs it); playwright-core never downloads a browser.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const require = createRequire(import.meta.url)

/** Screenshots of every page: a test artifact (test-results/ is git-ignored). */
export const SCREENSHOTS = fileURLToPath(new URL('../../test-results/dashboard/', import.meta.url))

/** The dev tenant's clients the tests exchange tokens for (tenants/dev/keywords.json). */
export const STOREFRONT = {
  name: 'Storefront',
  client_id: 'storefront-dev',
  client_secret: 'N7XLjWCLi63xbMTzZYZAG-d1sVggUWLvgDrMTGuvJAk',
  audience: 'urn:gift-deliveries',
}
export const LIMITED_MAPPER = {
  name: 'Limited Mapper',
  client_id: 'limited-mapper-dev',
  client_secret: 'cawDW5piCzTIAjIVVxD6MK7p5P_XCoOVStJJdmeGmLs',
  audience: 'urn:worldmappers',
}

/** One headless chromium per test file. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
}

/** The dev tenant with its dashboard, listening on 127.0.0.1 on a free port. */
export function startTenant(
  options: Parameters<typeof listeningDashboardApp>[0] = {},
): Promise<ListeningDashboard> {
  return listeningDashboardApp(options)
}

/**
 * A new browser context signed in with a one-time link. CSP stays enforced
 * unless `bypassCSP` is asked for (only to inject axe-core or msw).
 */
export async function signedIn(
  browser: Browser,
  tenant: ListeningDashboard,
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(options)
  const page = await context.newPage()
  await page.goto(tenant.loginUrl())
  expect(new URL(page.url()).pathname).toBe('/dashboard')
  return { context, page }
}

/**
 * What went wrong in the page's own scripts: uncaught errors and CSP
 * refusals (an inline script or style, a foreign connection). Read it at the end of a test.
 */
export function watchForScriptProblems(page: Page): string[] {
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
      problems.push(`CSP: ${message.text()}`)
    }
  })
  return problems
}

/** The signed-in session's CSRF token, as the page carries it. */
export async function csrfOf(page: Page): Promise<string> {
  const token = await page.locator('body').getAttribute('data-csrf')
  if (!token) throw new Error(`no CSRF token on ${page.url()}`)
  return token
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
}

let axeSource: Promise<string> | undefined

/** Each violation on a line, then each element it was found on. */
export function describeViolations(violations: readonly Result[]): string {
  return violations
    .map((violation) => {
      const nodes = violation.nodes
        .map((node) => `    at ${node.target.join(' ')}: ${node.failureSummary?.replace(/\s+/g, ' ')}`)
        .join('\n')
      return `[${violation.impact}] ${violation.id}: ${violation.help} (${violation.helpUrl})\n${nodes}`
    })
    .join('\n')
}

/**
 * axe-core on the page as it is now; no violation may be serious or critical.
 * The page's context must bypass CSP: the dashboard allows no injected script.
 */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  axeSource ??= readFile(require.resolve('axe-core/axe.min.js'), 'utf8')
  await page.addScriptTag({ content: await axeSource })
  const results = await page.evaluate(() =>
    (globalThis as unknown as { axe: { run(): Promise<AxeResults> } }).axe.run(),
  )
  const blocking = results.violations.filter(
    (violation) => violation.impact === 'serious' || violation.impact === 'critical',
  )
  expect(describeViolations(blocking), `axe on ${name} (${page.url()})`).toBe('')
}

/** The flash message a change leaves on the page it redirects to. */
export const flash = (page: Page) => page.locator('main .flash')

/** Accepts the next `data-confirm` dialog, checking what it asks. */
export function acceptNextConfirm(page: Page, asks: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    page.once('dialog', (dialog) => {
      const message = dialog.message()
      const answer = asks.test(message) ? dialog.accept() : dialog.dismiss()
      answer.then(
        () => (asks.test(message) ? resolve() : reject(new Error(`unexpected dialog: ${message}`))),
        reject,
      )
    })
  })
}

/** A token request from Node, as a service would make it. */
export async function requestToken(
  tenant: ListeningDashboard,
  client: { client_id: string; client_secret: string; audience: string },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${tenant.base}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', ...client }),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}
