import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  csrfOf,
  flash,
  type ListeningDashboard,
  launchBrowser,
  screenshotWhenFailing,
  signedIn,
  startTenant,
} from './browser-harness.js'

const SECTION_PATHS = [
  '/dashboard',
  '/dashboard/applications',
  '/dashboard/apis',
  '/dashboard/grants',
  '/dashboard/organizations',
  '/dashboard/keys',
  '/dashboard/quotas',
  '/dashboard/logs',
  '/dashboard/try',
]

const CSRF_REFUSAL = /CSRF token missing or wrong/
const CROSS_SITE_REFUSAL = 'Refused: a change to the dashboard must come from the dashboard.'

let browser: Browser
let tenant: ListeningDashboard
/** The same tenant with `DASHBOARD_PASSWORD` set. */
let withPassword: ListeningDashboard
/** One signed-in person for the refusals: a refused change must leave the session usable. */
let person: Page

beforeAll(async () => {
  ;[browser, tenant, withPassword] = await Promise.all([
    launchBrowser(),
    startTenant(),
    startTenant({ password: 'correct horse battery staple' }),
  ])
  person = (await signedIn(browser, tenant)).page
})
afterAll(async () => {
  await browser?.close()
  await Promise.all([tenant?.close(), withPassword?.close()])
})
screenshotWhenFailing(() => person)

const clientNames = () => tenant.state.clients.map((client) => client.name)

describe('signed out', () => {
  let context: BrowserContext
  let page: Page
  beforeAll(async () => {
    context = await browser.newContext()
    page = await context.newPage()
  })
  afterAll(() => context?.close())

  for (const path of SECTION_PATHS) {
    it(`${path} redirects to the sign-in page, which knows where to come back`, async () => {
      await page.goto(`${tenant.base}${path}`)
      const url = new URL(page.url())
      expect(url.pathname).toBe('/dashboard/login')
      expect(url.searchParams.get('next')).toBe(path)
      expect(await page.locator('h1').textContent()).toBe('Sign in')
      expect(await page.locator('nav').count()).toBe(0)
    })
  }

  it('without a password set, the sign-in page offers no password form', async () => {
    await page.goto(`${tenant.base}/dashboard/login`)
    await page.getByText('Open the one-time sign-in link').waitFor()
    expect(await page.getByLabel('Admin password').count()).toBe(0)
  })
})

describe('one-time sign-in link', () => {
  it('signs in once; the same link a second time is refused with a message', async () => {
    const link = tenant.loginUrl()
    const first = await browser.newContext()
    const firstPage = await first.newPage()
    await firstPage.goto(link)
    expect(new URL(firstPage.url()).pathname).toBe('/dashboard')
    await firstPage.getByRole('navigation', { name: 'Dashboard' }).waitFor()

    const second = await browser.newContext()
    const secondPage = await second.newPage()
    const response = await secondPage.goto(link)
    expect(response?.status()).toBe(401)
    expect(new URL(secondPage.url()).pathname).toBe('/dashboard/login')
    expect(await secondPage.getByRole('alert').textContent()).toMatch(
      /has been used already or is unknown\. Each link works once\./,
    )
    // Still signed out.
    await secondPage.goto(`${tenant.base}/dashboard`)
    expect(new URL(secondPage.url()).pathname).toBe('/dashboard/login')
    await Promise.all([first.close(), second.close()])
  })

  it('an unknown token is refused the same way', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const response = await page.goto(`${tenant.base}/dashboard/login?token=not-a-token`)
    expect(response?.status()).toBe(401)
    await page.getByText('Each link works once.').waitFor()
    await context.close()
  })
})

describe('password sign-in (DASHBOARD_PASSWORD set)', () => {
  it('refuses a wrong password, then signs in and goes where the person was headed', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${withPassword.base}/dashboard/applications`)
    expect(new URL(page.url()).pathname).toBe('/dashboard/login')

    await page.getByLabel('Admin password').fill('wrong horse')
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ])
    expect(refused.status()).toBe(401)
    await page.getByRole('alert').getByText('Wrong password.').waitFor()

    await page.getByLabel('Admin password').fill('correct horse battery staple')
    await Promise.all([
      page.waitForURL(`${withPassword.base}/dashboard/applications`),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ])
    expect(await page.locator('h1').textContent()).toBe('Applications')
    await context.close()
  })
})

describe('sign-out', () => {
  it('ends the session: the dashboard asks to sign in again', async () => {
    const { context, page } = await signedIn(browser, tenant)
    await Promise.all([
      page.waitForURL(`${tenant.base}/dashboard/login`),
      page.getByRole('button', { name: 'Sign out' }).click(),
    ])
    await page.goto(`${tenant.base}/dashboard/applications`)
    expect(new URL(page.url()).pathname).toBe('/dashboard/login')
    await context.close()
  })
})

describe('CSRF', () => {
  it('a form whose _csrf was tampered with is refused with 403, and nothing is created', async () => {
    const page = person
    await page.goto(`${tenant.base}/dashboard/applications`)
    await page.getByLabel('Name', { exact: true }).fill('Tampered App')
    await page
      .locator('form[action="/dashboard/applications"] input[name="_csrf"]')
      // A hidden input submits its value attribute.
      .evaluate((input) => input.setAttribute('value', 'tampered-token'))
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Create application' }).click(),
    ])
    expect(response.status()).toBe(403)
    await page.getByText(CSRF_REFUSAL).waitFor()
    expect(clientNames()).not.toContain('Tampered App')
  })

  it('a form without _csrf is refused the same way', async () => {
    const page = person
    await page.goto(`${tenant.base}/dashboard/applications`)
    await page.getByLabel('Name', { exact: true }).fill('Tokenless App')
    await page
      .locator('form[action="/dashboard/applications"] input[name="_csrf"]')
      .evaluate((input) => input.remove())
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Create application' }).click(),
    ])
    expect(response.status()).toBe(403)
    await page.getByText(CSRF_REFUSAL).waitFor()
    expect(clientNames()).not.toContain('Tokenless App')
  })
})

describe('a form posted from another site', () => {
  let attacker: Server
  let attackerPort: number
  // The page a signed-in person is lured to: a form to the dashboard, even with a leaked CSRF token.
  let leakedCsrf = ''
  let dashboardBase = ''

  beforeAll(async () => {
    attacker = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      response.end(`<!doctype html><html lang="en"><title>Free prizes</title>
<form method="post" action="${dashboardBase}/dashboard/applications">
  <input type="hidden" name="name" value="Planted By Another Site">
  <input type="hidden" name="_csrf" value="${leakedCsrf}">
  <button type="submit">Claim</button>
</form></html>`)
    })
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve))
    attackerPort = (attacker.address() as AddressInfo).port
    dashboardBase = tenant.base
  })
  afterAll(async () => {
    attacker.closeAllConnections()
    await new Promise((resolve) => attacker?.close(resolve))
  })

  async function postFrom(page: Page, origin: string) {
    await page.goto(`${origin}/`)
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${dashboardBase}/dashboard/applications`),
      page.getByRole('button', { name: 'Claim' }).click(),
    ])
    return response
  }

  // 127.0.0.1 on another port is the same site but another origin: the SameSite=Strict
  // cookie goes along, Sec-Fetch-Site refuses. localhost is another site: no cookie either.
  for (const [host, site, cookieSent] of [
    ['127.0.0.1', 'same-site', true],
    ['localhost', 'cross-site', false],
  ] as const) {
    it(`is refused (403) and changes nothing: from ${host} on another port (${site})`, async () => {
      const page = person
      await page.goto(`${tenant.base}/dashboard`)
      leakedCsrf = await csrfOf(page)
      const before = clientNames()
      const response = await postFrom(page, `http://${host}:${attackerPort}`)
      const sent = await response.request().allHeaders()
      expect(sent['sec-fetch-site']).toBe(site)
      expect(sent.cookie?.includes('m2m_dashboard=') ?? false).toBe(cookieSent)
      expect(response.status()).toBe(403)
      expect(await response.text()).toBe(CROSS_SITE_REFUSAL)
      expect(clientNames()).toEqual(before)
      // The session itself is untouched: the dashboard still works.
      await page.goto(`${tenant.base}/dashboard/applications`)
      expect(await page.locator('h1').textContent()).toBe('Applications')
    })
  }

  it('the same form from the dashboard itself goes through (the refusal is about origin)', async () => {
    const page = person
    await page.goto(`${tenant.base}/dashboard/applications`)
    await page.getByLabel('Name', { exact: true }).fill('Made Here')
    await Promise.all([
      page.waitForURL(/\/dashboard\/applications\/[^/]+$/),
      page.getByRole('button', { name: 'Create application' }).click(),
    ])
    await flash(page).getByText('Created Made Here.').waitFor()
    expect(clientNames()).toContain('Made Here')
  })
})
