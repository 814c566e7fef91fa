import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type ListeningDashboard,
  launchBrowser,
  screenshotWhenFailing,
  signedIn,
  startTenant,
  watchForScriptProblems,
} from './browser-harness.js'
import {
  loadMswIntoPages,
  type MswGlobal,
  openWithMsw,
  serveMswWorker,
} from './msw-in-the-browser.js'

/**
 * The dashboard's error, empty and slow states, with msw answering in the
 * browser (its Service Worker, served by the test tenant at /mockServiceWorker.js)
 * in place of the tenant: what the page's scripts do when the answer is bad,
 * empty or late. Each scenario is one set of msw handlers: the Try it ones
 * are swapped on one page, the live log's each get a page of their own (the
 * stream opens as the page loads).
 */
type Scenario =
  | 'try-500'
  | 'try-502'
  | 'try-network-error'
  | 'try-slow'
  | 'stream-open'
  | 'stream-refused'
  | 'stream-network-error'

/** What the handlers leave on the page for the test to read or call. */
interface MswPage {
  MockServiceWorker: MswGlobal
  worker?: ReturnType<MswGlobal['setupWorker']>
  /** Lets the held "Try it" request through to the tenant. */
  releaseTry?: () => void
  /** The open mocked event stream, to send events on. */
  stream?: { send(message: { event: 'exchange'; data: unknown }): void }
  /** How many times the live log asked for its stream. */
  streamRequests: number
}

/**
 * Runs in the page (self-contained: Playwright serializes it): starts msw
 * with the scenario's handlers, or once started, swaps them for the scenario's.
 */
async function mock(scenario: Scenario | null): Promise<void> {
  const page = globalThis as unknown as MswPage
  const { setupWorker, http, HttpResponse, passthrough, sse } = page.MockServiceWorker
  page.streamRequests = 0
  const TRY = '/dashboard/try'
  const STREAM = '/dashboard/logs/stream'
  const counted = <T>(answer: () => T) => {
    page.streamRequests += 1
    return answer()
  }
  const handlers = {
    'try-500': () =>
      http.post(TRY, () =>
        HttpResponse.json(
          { ok: false, status: 500, error: 'server_error', error_description: 'Internal error' },
          { status: 500 },
        ),
      ),
    // The body try-routes.tsx sends when the token endpoint gives no OAuth answer: its
    // description already starts with the sentence the script shows (said once, not twice).
    'try-502': () =>
      http.post(TRY, () =>
        HttpResponse.json(
          {
            ok: false,
            status: 502,
            error: 'tenant_unanswered',
            error_description:
              'The tenant did not answer: the token endpoint answered 503: Internal error',
          },
          { status: 502 },
        ),
      ),
    'try-network-error': () => http.post(TRY, () => HttpResponse.error()),
    'try-slow': () =>
      http.post(TRY, async () => {
        await new Promise<void>((resolve) => {
          page.releaseTry = resolve
        })
        return passthrough()
      }),
    'stream-open': () =>
      sse<{ exchange: unknown }>(STREAM, ({ client }) => {
        page.streamRequests += 1
        page.stream = client
      }),
    'stream-refused': () =>
      http.get(STREAM, () =>
        counted(() => new HttpResponse('Too many live logs are open.', { status: 503 })),
      ),
    'stream-network-error': () => http.get(STREAM, () => counted(() => HttpResponse.error())),
  }
  const chosen = scenario === null ? [] : [handlers[scenario]()]
  if (page.worker) {
    page.worker.resetHandlers(...chosen)
    return
  }
  page.worker = setupWorker(...chosen)
  await page.worker.start({ quiet: true, onUnhandledRequest: 'bypass' })
}

let browser: Browser
let tenant: ListeningDashboard
let context: BrowserContext | undefined
let page: Page
let problems: string[]

beforeAll(async () => {
  ;[browser, tenant] = await Promise.all([
    launchBrowser(),
    startTenant({ beforeListen: serveMswWorker }),
  ])
})
afterAll(async () => {
  await browser?.close()
  await tenant?.close()
})
screenshotWhenFailing(() => page)

/** A new signed-in context (its own Service Worker), the page opened with msw in charge. */
async function openMocked(path: string, scenario: Scenario | null, at = tenant) {
  // Closed here rather than after each test, so that a failed test's page can be kept.
  await context?.close()
  ;({ context, page } = await signedIn(browser, at))
  problems = watchForScriptProblems(page)
  await loadMswIntoPages(context)
  await openWithMsw(page, `${at.base}${path}`, mock, scenario)
}

/** Waits for a text, failing with the text there was. */
const expectText = (locator: Locator, text: string) =>
  expect.poll(() => locator.textContent(), { timeout: 10_000 }).toBe(text)

const streamRequests = () => page.evaluate(() => (globalThis as unknown as MswPage).streamRequests)

describe('Try it', () => {
  // One page for all: each test swaps msw's handlers, the form is sent with fetch.
  beforeAll(() => openMocked('/dashboard/try', null))

  const submitButton = () => page.getByRole('button', { name: 'Get a token' })
  const status = () => page.locator('#try-status')

  async function submit() {
    await page.getByLabel('Application and API').selectOption({
      label: 'Storefront → Gift Deliveries API',
    })
    await submitButton().click()
  }

  async function expectUnanswered(reason: string) {
    await expectText(status(), `The tenant did not answer: ${reason}`)
    expect(await page.locator('#try-result').textContent()).toBe('')
    expect(await submitButton().isEnabled()).toBe(true)
    expect(await page.locator('#try-form').getAttribute('aria-busy')).toBeNull()
  }

  it('a 500 shows the error state and gives the form back', async () => {
    await page.evaluate(mock, 'try-500' as Scenario)
    await submit()
    await expectUnanswered('Internal error')
    expect(problems).toEqual([])
  })

  it('a 502 from the dashboard says once that the tenant did not answer', async () => {
    await page.evaluate(mock, 'try-502' as Scenario)
    await submit()
    await expectUnanswered('the token endpoint answered 503: Internal error')
  })

  it('a network error shows the error state and gives the form back', async () => {
    await page.evaluate(mock, 'try-network-error' as Scenario)
    await submit()
    await expectUnanswered('Failed to fetch')
  })

  it('while the answer is slow: "Requesting a token…", the button disabled; then the token', async () => {
    await page.evaluate(mock, 'try-slow' as Scenario)
    await submit()
    await page.waitForFunction(
      () => typeof (globalThis as unknown as MswPage).releaseTry === 'function',
    )
    expect(await status().textContent()).toBe('Requesting a token…')
    expect(await submitButton().isDisabled()).toBe(true)
    expect(await page.locator('#try-form').getAttribute('aria-busy')).toBe('true')

    await page.evaluate(() => (globalThis as unknown as MswPage).releaseTry?.())
    await expectText(status(), 'Token issued.')
    await page
      .locator('#try-result')
      .getByRole('heading', { name: 'Token issued (HTTP 200)' })
      .waitFor()
    expect(await submitButton().isEnabled()).toBe(true)
    expect(problems).toEqual([])
  })
})

describe('the live log', () => {
  const status = () => page.locator('#live-status')
  // A tenant of its own, so that its log is empty whatever ran before.
  let quiet: ListeningDashboard
  beforeAll(async () => {
    quiet = await startTenant({ beforeListen: serveMswWorker })
  })
  afterAll(() => quiet?.close())
  // Each test opens the log anew (and a new context): the live log opens its stream as the page loads.

  it('an open stream with no exchange yet: "Live" and the empty state', async () => {
    await openMocked('/dashboard/logs', 'stream-open', quiet)
    await expectText(status(), 'Live')
    expect(await streamRequests()).toBe(1)
    expect(await page.locator('#log-rows tr').count()).toBe(0)
    expect(await page.locator('#log-empty').isVisible()).toBe(true)

    // An event on the mocked stream becomes a row; its text is never read as HTML.
    await page.evaluate(() =>
      (globalThis as unknown as MswPage).stream?.send({
        event: 'exchange',
        data: {
          log_id: '0123456789abcdef01234567',
          date: '2026-05-01T12:34:56.789Z',
          type: 'seccft',
          outcome: 'issued',
          client_id: 'mocked-client',
          client_name: '<img src=x id=injected>',
          audience: 'urn:mocked',
          scope: 'read:mocked',
          description: 'Success Exchange',
        },
      }),
    )
    const row = page.locator('#log-rows tr[data-log-id="0123456789abcdef01234567"]')
    await row.waitFor()
    expect(await row.textContent()).toContain('<img src=x id=injected>')
    expect(await page.locator('#injected').count()).toBe(0)
    expect(await page.locator('#log-empty').isVisible()).toBe(false)
    expect(problems).toEqual([])
  })

  it('a stream refused again and again: "Reconnecting…", then "Live updates unavailable"', async () => {
    await openMocked('/dashboard/logs', 'stream-refused', quiet)
    await status().getByText('Reconnecting…', { exact: true }).waitFor()
    await expectText(status(), 'Live updates unavailable')
    expect(await status().getAttribute('data-state')).toBe('unavailable')
    expect(await streamRequests()).toBe(3)
    // The rows the page was rendered with stay readable.
    expect(await page.locator('#log-empty').isVisible()).toBe(true)
  })

  it('a stream cut by a network error: "Reconnecting…"', async () => {
    await openMocked('/dashboard/logs', 'stream-network-error', quiet)
    await status().getByText('Reconnecting…', { exact: true }).waitFor()
    expect(await status().getAttribute('data-state')).toBe('reconnecting')
    expect(await streamRequests()).toBeGreaterThanOrEqual(1)
  })
})
