import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  closeSuite,
  isMarkedDocument,
  LIMITED_MAPPER,
  type ListeningDashboard,
  markDocument,
  openSignedInSuite,
  requestToken,
  STOREFRONT,
  screenshotWhenFailing,
} from './browser-harness.js'

let browser: Browser
let tenant: ListeningDashboard
let page: Page
let problems: string[]

beforeAll(async () => {
  ;({ browser, tenant, page, problems } = await openSignedInSuite())
})
afterAll(() => closeSuite(browser, tenant))
screenshotWhenFailing(() => page)

const rows = () => page.locator('#log-rows tr')
const rowOf = (clientId: string) => page.locator('#log-rows tr').filter({ hasText: clientId })
const status = () => page.locator('#live-status')

/** Opens the log and waits until its stream is open. */
async function openLive(path: string) {
  await page.goto(`${tenant.base}${path}`)
  await status().getByText('Live', { exact: true }).waitFor()
  await markDocument(page)
}

describe('the live log', () => {
  it('shows an exchange made from Node while the page is open, without a reload', async () => {
    await openLive('/dashboard/logs')
    expect(await rows().count()).toBe(0)
    expect(await page.locator('#log-empty').isVisible()).toBe(true)

    const answer = await requestToken(tenant, STOREFRONT)
    expect(answer.status).toBe(200)

    const row = rowOf(STOREFRONT.client_id)
    await row.waitFor()
    expect(await row.textContent()).toMatch(/Issued/)
    expect(await row.textContent()).toContain(STOREFRONT.audience)
    expect(await row.textContent()).toContain(STOREFRONT.name)
    expect(await row.getAttribute('data-log-id')).toMatch(/^[0-9a-f]{24}$/)
    expect(await page.locator('#log-empty').isVisible()).toBe(false)
    expect(await isMarkedDocument(page)).toBe(true)
  })

  it('shows a refused exchange with its OAuth error, newest first', async () => {
    await openLive('/dashboard/logs')
    const before = await rows().count()
    const refused = await requestToken(tenant, { ...LIMITED_MAPPER, client_secret: 'wrong' })
    expect(refused.status).toBe(401)
    await expect.poll(() => rows().count()).toBe(before + 1)
    const newest = rows().first()
    expect(await newest.textContent()).toMatch(/Refused/)
    expect(await newest.textContent()).toContain(LIMITED_MAPPER.client_id)
    expect(await newest.textContent()).toContain(String(refused.body.error))
    expect(await isMarkedDocument(page)).toBe(true)
  })

  it('a filter chosen on the page leaves out exchanges that do not match', async () => {
    await page.goto(`${tenant.base}/dashboard/logs`)
    await page.getByLabel('Application').selectOption(STOREFRONT.client_id)
    await page.getByLabel('Outcome').selectOption('issued')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    await page.waitForURL(/client=storefront-dev/)
    await status().getByText('Live', { exact: true }).waitFor()
    await markDocument(page)
    const shown = await rows().count()

    // Sent in this order on one stream: were the first two shown, they would be there first.
    expect((await requestToken(tenant, LIMITED_MAPPER)).status).toBe(200)
    expect((await requestToken(tenant, { ...STOREFRONT, client_secret: 'wrong' })).status).toBe(401)
    expect((await requestToken(tenant, STOREFRONT)).status).toBe(200)

    await expect.poll(() => rows().count()).toBe(shown + 1)
    expect(await rows().first().textContent()).toMatch(/Issued/)
    expect(await rowOf(LIMITED_MAPPER.client_id).count()).toBe(0)
    expect(await rows().filter({ hasText: 'Refused' }).count()).toBe(0)
    expect(await isMarkedDocument(page)).toBe(true)
  })

  it('signing out in another tab ends the stream: the next exchange never reaches the page', async () => {
    await openLive('/dashboard/logs')
    const shown = await rows().count()
    const otherTab = await page.context().newPage()
    await otherTab.goto(`${tenant.base}/dashboard`)
    await Promise.all([
      otherTab.waitForURL(`${tenant.base}/dashboard/login`),
      otherTab.getByRole('button', { name: 'Sign out' }).click(),
    ])
    await otherTab.close()

    expect((await requestToken(tenant, STOREFRONT)).status).toBe(200)
    // The stream ended instead of sending it: the page is not live any more.
    await status().getByText('Reconnecting…', { exact: true }).waitFor()
    expect(await rows().count()).toBe(shown)
    expect(await isMarkedDocument(page)).toBe(true)
  })

  it('ran under the real CSP without a script error', () => {
    expect(problems).toEqual([])
  })
})
