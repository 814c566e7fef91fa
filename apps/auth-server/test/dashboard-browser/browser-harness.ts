import { readFileSync } from 'node:fs'
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
import { fetch } from 'undici'
import { afterEach, expect } from 'vitest'
import {
  ISSUER,
  type ListeningDashboard,
  listeningDashboardApp,
} from '../dashboard/dashboard-helpers.js'

export { ISSUER, type ListeningDashboard }

// Debian's chromium (.ci/run installs it); playwright-core never downloads a browser.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const require = createRequire(import.meta.url)

/** Screenshots of every page: a test artifact (test-results/ is git-ignored). */
export const SCREENSHOTS = fileURLToPath(new URL('../../test-results/dashboard/', import.meta.url))

/** The dev tenant's local-only client ids and secrets (tenants/dev/tenant.yaml takes them from here). */
const devKeywords = JSON.parse(
  readFileSync(new URL('../../tenants/dev/keywords.json', import.meta.url), 'utf8'),
) as Record<string, string>

/** Dev tenant clients the tests exchange tokens for, each with the API it is granted. */
export const STOREFRONT = {
  name: 'Storefront',
  client_id: devKeywords.STOREFRONT_CLIENT_ID as string,
  client_secret: devKeywords.STOREFRONT_CLIENT_SECRET as string,
  audience: 'urn:gift-deliveries',
}
export const LIMITED_MAPPER = {
  name: 'Limited Mapper',
  client_id: devKeywords.LIMITED_MAPPER_CLIENT_ID as string,
  client_secret: devKeywords.LIMITED_MAPPER_CLIENT_SECRET as string,
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
 * unless `bypassCSP` is asked for.
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

/** Marks the page's document: still marked later means the page was not reloaded nor left. */
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => {
    ;(globalThis as { markedByTest?: boolean }).markedByTest = true
  })
}
export const isMarkedDocument = (page: Page): Promise<boolean> =>
  page.evaluate(() => (globalThis as { markedByTest?: boolean }).markedByTest === true)

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

/** Keeps what the page looked like when a test fails: test-results/dashboard/failed-<test>.png. */
export function screenshotWhenFailing(currentPage: () => Page | undefined): void {
  afterEach(async (context) => {
    const page = currentPage()
    if (context.task.result?.state !== 'fail' || !page || page.isClosed()) return
    const name = `failed-${context.task.name.replace(/\W+/g, '-')}`
    await screenshot(page, name).catch(() => undefined)
    console.error(`screenshot of the failed page: ${join(SCREENSHOTS, `${name}.png`)}`)
  })
}

let axeSource: Promise<string> | undefined
const readAxe = () => {
  axeSource ??= readFile(require.resolve('axe-core/axe.min.js'), 'utf8')
  return axeSource
}

/**
 * A context for screenshots and axe, under the dashboard's real CSP: axe-core
 * comes in as an init script (run by the browser itself, which no CSP
 * governs), so every page the context opens has it.
 */
export async function auditContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext()
  await context.addInitScript({ content: await readAxe() })
  return context
}

/** An audit context (see `auditContext`), signed in with a one-time link. */
export async function signedInForAudit(
  browser: Browser,
  tenant: ListeningDashboard,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await auditContext(browser)
  const page = await context.newPage()
  await page.goto(tenant.loginUrl())
  expect(new URL(page.url()).pathname).toBe('/dashboard')
  return { context, page }
}

/** Each violation on a line, then each element it was found on. */
export function describeViolations(violations: readonly Result[]): string {
  return violations
    .map((violation) => {
      const nodes = violation.nodes
        .map(
          (node) => `    at ${node.target.join(' ')}: ${node.failureSummary?.replace(/\s+/g, ' ')}`,
        )
        .join('\n')
      return `[${violation.impact}] ${violation.id}: ${violation.help} (${violation.helpUrl})\n${nodes}`
    })
    .join('\n')
}

/**
 * axe-core on the page as it is now: no violation of any impact (the issue
 * asks for none serious or critical; the dashboard has none at all, and keeps it so).
 * Without `signedInForAudit`'s init script, axe is added as a script tag:
 * the page's context must then bypass CSP.
 */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) {
    await page.addScriptTag({ content: await readAxe() })
  }
  const results = await page.evaluate(() =>
    (globalThis as unknown as { axe: { run(): Promise<AxeResults> } }).axe.run(),
  )
  const blocking = results.violations
  if (blocking.length > 0) {
    throw new Error(
      `axe found ${blocking.length} violation(s) on ${name} (${page.url()}):\n${describeViolations(blocking)}`,
    )
  }
}

/** The flash message a change leaves on the page it redirects to. */
export const flash = (page: Page) => page.locator('main .flash')

/**
 * Answers every `data-confirm` dialog (accept, or dismiss while `dismiss`
 * says so) and keeps what each asked. Playwright would dismiss them all.
 */
export function answerDialogs(page: Page, dismiss: () => boolean = () => false): string[] {
  const asked: string[] = []
  page.on('dialog', (dialog) => {
    asked.push(dialog.message())
    void (dismiss() ? dialog.dismiss() : dialog.accept())
  })
  return asked
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

/** A page of the dashboard as a signed-in person reaches it with a GET. */
export interface DashboardPage {
  /** The screenshot's file name. */
  name: string
  path(tenant: ListeningDashboard): string
  /** The page's `<h1>`. */
  title: string
  /** The navigation entry marked as the current page. */
  section: string
  /** With JavaScript on: what the page's script has done once it has settled. */
  settled?: (page: Page) => Promise<void>
}

const apiId = (tenant: ListeningDashboard, identifier: string) =>
  tenant.state.resourceServers.find((api) => api.identifier === identifier)?.id ?? identifier

export const DASHBOARD_PAGES: readonly DashboardPage[] = [
  { name: 'overview', path: () => '/dashboard', title: 'Overview', section: 'Overview' },
  {
    name: 'applications',
    path: () => '/dashboard/applications',
    title: 'Applications',
    section: 'Applications',
  },
  {
    name: 'application',
    path: () => `/dashboard/applications/${STOREFRONT.client_id}`,
    title: 'Storefront',
    section: 'Applications',
  },
  { name: 'apis', path: () => '/dashboard/apis', title: 'APIs', section: 'APIs' },
  {
    name: 'api',
    path: (tenant) => `/dashboard/apis/${apiId(tenant, 'urn:worldmappers')}`,
    title: 'World Mappers API',
    section: 'APIs',
  },
  {
    name: 'api-system',
    path: (tenant) => `/dashboard/apis/${apiId(tenant, `${ISSUER}api/v2/`)}`,
    title: 'Auth0 Management API',
    section: 'APIs',
  },
  { name: 'grants', path: () => '/dashboard/grants', title: 'Grants', section: 'Grants' },
  {
    name: 'organizations',
    path: () => '/dashboard/organizations',
    title: 'Organizations',
    section: 'Organizations',
  },
  {
    name: 'organization',
    path: (tenant) =>
      `/dashboard/organizations/${tenant.state.organizations.find((org) => org.name === 'acme')?.id}`,
    title: 'Acme Inc.',
    section: 'Organizations',
  },
  { name: 'keys', path: () => '/dashboard/keys', title: 'Signing keys', section: 'Signing keys' },
  { name: 'quotas', path: () => '/dashboard/quotas', title: 'Token quotas', section: 'Quotas' },
  {
    name: 'logs',
    path: () => '/dashboard/logs',
    title: 'Logs',
    section: 'Logs',
    settled: (page) => page.locator('#live-status').getByText('Live', { exact: true }).waitFor(),
  },
  { name: 'try', path: () => '/dashboard/try', title: 'Try it', section: 'Try it' },
]

/** A test file's browser, its tenant and one signed-in page whose script problems are watched. */
export interface SignedInSuite {
  browser: Browser
  tenant: ListeningDashboard
  page: Page
  problems: string[]
}

/** Opens a `SignedInSuite` (call it in `beforeAll`; `closeSuite` in `afterAll`). */
export async function openSignedInSuite(): Promise<SignedInSuite> {
  const [browser, tenant] = await Promise.all([launchBrowser(), startTenant()])
  const { page } = await signedIn(browser, tenant)
  return { browser, tenant, page, problems: watchForScriptProblems(page) }
}

/** Closes what `openSignedInSuite` opened, however far it got. */
export async function closeSuite(
  browser: Browser | undefined,
  tenant: ListeningDashboard | undefined,
) {
  await browser?.close()
  await tenant?.close()
}
