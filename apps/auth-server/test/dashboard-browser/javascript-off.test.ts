import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DASHBOARD_PAGES,
  flash,
  type ListeningDashboard,
  launchBrowser,
  screenshotWhenFailing,
  signedIn,
  startTenant,
} from './browser-harness.js'

let browser: Browser
let tenant: ListeningDashboard
let page: Page

beforeAll(async () => {
  ;[browser, tenant] = await Promise.all([launchBrowser(), startTenant()])
  ;({ page } = await signedIn(browser, tenant, { javaScriptEnabled: false }))
})
afterAll(async () => {
  await browser?.close()
  await tenant?.close()
})
screenshotWhenFailing(() => page)

describe('with JavaScript off, every page is readable', () => {
  for (const dashboardPage of DASHBOARD_PAGES) {
    it(dashboardPage.name, async () => {
      const response = await page.goto(`${tenant.base}${dashboardPage.path(tenant)}`)
      expect(response?.status()).toBe(200)
      expect(await page.locator('h1').textContent()).toBe(dashboardPage.title)
      expect(await page.getByRole('navigation', { name: 'Dashboard' }).isVisible()).toBe(true)
      // The content is in the HTML itself, not built by a script.
      const text = (await page.locator('main').textContent()) ?? ''
      expect(text.length).toBeGreaterThan(dashboardPage.title.length + 20)
      expect(await page.locator('button.copy').count()).toBe(0)
    })
  }
})

describe('with JavaScript off, changes by form still work', () => {
  it('creates an application, and deletes it once a page has asked to confirm', async () => {
    await page.goto(`${tenant.base}/dashboard/applications`)
    await page.getByLabel('Name', { exact: true }).fill('No Script App')
    await page.getByRole('button', { name: 'Create application' }).click()
    await page.waitForURL(/\/dashboard\/applications\/[^/]+$/)
    await flash(page).getByText('Created No Script App.').waitFor()
    expect(tenant.state.clients.map((client) => client.name)).toContain('No Script App')

    await page.getByRole('button', { name: 'Delete application' }).click()
    // No script, no dialog: the server holds the change and asks on a page.
    await page.getByRole('heading', { name: 'Are you sure?' }).waitFor()
    await page.getByText('Delete No Script App? Its grants go with it.').waitFor()
    expect(tenant.state.clients.map((client) => client.name)).toContain('No Script App')
    await page.getByRole('button', { name: 'Yes, go ahead' }).click()
    await page.waitForURL(`${tenant.base}/dashboard/applications`)
    await flash(page).getByText('Deleted No Script App.').waitFor()
    expect(tenant.state.clients.map((client) => client.name)).not.toContain('No Script App')
  })

  it('Try it posts the form and answers with the page: the token, decoded and verified', async () => {
    await page.goto(`${tenant.base}/dashboard/try`)
    await page.getByLabel('Application and API').selectOption({
      label: 'Storefront → Gift Deliveries API',
    })
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Get a token' }).click(),
    ])
    expect(response.status()).toBe(200)
    expect(response.headers()['content-type']).toMatch(/^text\/html/)
    expect(await page.locator('#try-status').textContent()).toBe('Token issued.')
    const result = page.locator('#try-result')
    await result.getByRole('heading', { name: 'Token issued (HTTP 200)' }).waitFor()
    await result.getByRole('heading', { name: 'Verification: valid' }).waitFor()
    expect(await result.locator('tbody tr.check-ok').count()).toBe(4)
    // The choice stays selected for the next try.
    expect(
      await page.getByLabel('Application and API').locator('option:checked').textContent(),
    ).toBe('Storefront → Gift Deliveries API')
  })

  it('the log filter is a plain GET form', async () => {
    await page.goto(`${tenant.base}/dashboard/logs`)
    await page.getByLabel('Outcome').selectOption('refused')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    await page.waitForURL(/outcome=refused/)
    await page.getByText('No exchanges yet match these filters.').waitFor()
    // Without the script, the page says it is not live.
    expect(await page.locator('#live-status').textContent()).toMatch(/^Not live/)
  })
})
