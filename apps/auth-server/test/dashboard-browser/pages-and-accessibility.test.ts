import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  auditContext,
  DASHBOARD_PAGES,
  expectAccessible,
  type ListeningDashboard,
  launchBrowser,
  STOREFRONT,
  screenshot,
  screenshotWhenFailing,
  signedInForAudit,
  startTenant,
  watchForScriptProblems,
} from './browser-harness.js'

let browser: Browser
let tenant: ListeningDashboard
/** The same tenant with `DASHBOARD_PASSWORD` set: its sign-in page has the password form. */
let withPassword: ListeningDashboard

beforeAll(async () => {
  ;[browser, tenant, withPassword] = await Promise.all([
    launchBrowser(),
    startTenant(),
    startTenant({ password: 'a password for the screenshot' }),
  ])
  // An exchange of each outcome, so that the overview and the log show rows.
  for (const secret of [STOREFRONT.client_secret, 'wrong-secret']) {
    await tenant.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: { grant_type: 'client_credentials', ...STOREFRONT, client_secret: secret },
    })
  }
})
afterAll(async () => {
  await browser?.close()
  await Promise.all([tenant?.close(), withPassword?.close()])
})

/**
 * Every page as a signed-in person sees it, under the dashboard's real CSP:
 * a screenshot, axe-core, and the page's script having run without a problem.
 */
describe('every page, signed in: screenshot and axe (no serious or critical violation)', () => {
  let context: BrowserContext
  let page: Page
  let problems: string[]
  const failedAssets: string[] = []
  beforeAll(async () => {
    ;({ context, page } = await signedInForAudit(browser, tenant))
    problems = watchForScriptProblems(page)
    page.on('response', (response) => {
      if (response.url().includes('/dashboard/assets/') && response.status() !== 200) {
        failedAssets.push(`${response.status()} ${response.url()}`)
      }
    })
  })
  afterAll(() => context?.close())
  screenshotWhenFailing(() => page)

  for (const dashboardPage of DASHBOARD_PAGES) {
    it(`${dashboardPage.name}: ${dashboardPage.title}`, async () => {
      const response = await page.goto(`${tenant.base}${dashboardPage.path(tenant)}`)
      expect(response?.status()).toBe(200)
      expect(await page.locator('h1').textContent()).toBe(dashboardPage.title)
      const current = page
        .getByRole('navigation', { name: 'Dashboard' })
        .locator('[aria-current="page"]')
      expect(await current.textContent()).toBe(dashboardPage.section)
      await dashboardPage.settled?.(page)
      // The script ran: it adds a copy button to every copyable value.
      expect(await page.locator('button.copy').count()).toBe(
        await page.locator('[data-copy]').count(),
      )
      await screenshot(page, dashboardPage.name)
      await expectAccessible(page, dashboardPage.name)
    })
  }

  it('application with its secret revealed', async () => {
    await page.goto(`${tenant.base}/dashboard/applications/${STOREFRONT.client_id}`)
    await page.getByRole('button', { name: 'Reveal secret' }).click()
    await page.locator('code.secret').waitFor()
    await screenshot(page, 'application-secret')
    await expectAccessible(page, 'application-secret')
  })

  it('Try it with a token issued, decoded and verified', async () => {
    await page.goto(`${tenant.base}/dashboard/try`)
    await page.getByLabel('Application and API').selectOption({
      label: 'Storefront → Gift Deliveries API',
    })
    await page.getByRole('button', { name: 'Get a token' }).click()
    await page
      .locator('#try-result')
      .getByRole('heading', { name: 'Verification: valid' })
      .waitFor()
    await screenshot(page, 'try-result')
    await expectAccessible(page, 'try-result')
  })

  it('Try it refused', async () => {
    await page.getByLabel('Scope (optional)').fill('delete:everything')
    await page.getByRole('button', { name: 'Get a token' }).click()
    await page
      .locator('#try-result')
      .getByRole('heading', { name: /^Refused/ })
      .waitFor()
    await screenshot(page, 'try-refused')
    await expectAccessible(page, 'try-refused')
  })

  it('quotas with bars', async () => {
    await page.goto(`${tenant.base}/dashboard/quotas`)
    const form = page.locator('form', {
      has: page.getByRole('heading', { name: "Set an application's quota" }),
    })
    await form.getByLabel('Application').selectOption(STOREFRONT.client_id)
    await form.getByLabel(/^Tokens per hour/).fill('4')
    await form.getByLabel(/^Tokens per day/).fill('10')
    await form.getByRole('button', { name: 'Set quota' }).click()
    await page.getByRole('meter', { name: 'Storefront: Per hour' }).waitFor()
    await tenant.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: { grant_type: 'client_credentials', ...STOREFRONT },
    })
    await page.reload()
    expect(
      await page.getByRole('meter', { name: 'Storefront: Per day' }).getAttribute('value'),
    ).toBe('1')
    await screenshot(page, 'quotas-bars')
    await expectAccessible(page, 'quotas-bars')
  })

  it('signing keys after a rotation (a previous key to revoke)', async () => {
    await page.goto(`${tenant.base}/dashboard/keys`)
    page.once('dialog', (dialog) => void dialog.accept())
    await page.getByRole('button', { name: 'Rotate signing key' }).click()
    await page.locator('li.key-previous').waitFor()
    await screenshot(page, 'keys-rotated')
    await expectAccessible(page, 'keys-rotated')
  })

  it('a page that does not exist', async () => {
    const response = await page.goto(`${tenant.base}/dashboard/no-such-page`)
    expect(response?.status()).toBe(404)
    await page
      .getByRole('alert')
      .getByText('No dashboard page at /dashboard/no-such-page.')
      .waitFor()
    await screenshot(page, 'not-found')
    await expectAccessible(page, 'not-found')
  })

  it('the sign-in page, signed out (with the password form)', async () => {
    const signedOut = await auditContext(browser)
    try {
      const login = await signedOut.newPage()
      await login.goto(`${withPassword.base}/dashboard/login`)
      await login.getByLabel('Admin password').waitFor()
      await screenshot(login, 'login')
      await expectAccessible(login, 'login')
      await login.getByLabel('Admin password').fill('not it')
      await login.getByRole('button', { name: 'Sign in' }).click()
      await login.getByRole('alert').getByText('Wrong password.').waitFor()
      await screenshot(login, 'login-refused')
      await expectAccessible(login, 'login-refused')
    } finally {
      await signedOut.close()
    }
  })

  it('the scripts of all these pages loaded, with no CSP refusal and no uncaught error', () => {
    expect(failedAssets).toEqual([])
    expect(problems).toEqual([])
  })
})
