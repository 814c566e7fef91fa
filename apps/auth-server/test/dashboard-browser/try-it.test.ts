import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  closeSuite,
  csrfOf,
  ISSUER,
  isMarkedDocument,
  type ListeningDashboard,
  markDocument,
  openSignedInSuite,
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

const status = () => page.locator('#try-status')
const result = () => page.locator('#try-result')

/** Fills the form and sends it; the script sends it with fetch, asking for JSON. */
async function tryIt(fields: { grant: string; scope?: string; organization?: string }) {
  await page.goto(`${tenant.base}/dashboard/try`)
  await markDocument(page)
  await page.getByLabel('Application and API').selectOption({ label: fields.grant })
  await page.getByLabel('Scope (optional)').fill(fields.scope ?? '')
  await page.getByLabel('Organization (optional)').fill(fields.organization ?? '')
  const [request] = await Promise.all([
    page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/dashboard/try')),
    page.getByRole('button', { name: 'Get a token' }).click(),
  ])
  const response = await request.response()
  // Not a navigation: the page is still the one marked.
  await page.getByRole('button', { name: 'Get a token' }).and(page.locator(':enabled')).waitFor()
  expect(await isMarkedDocument(page)).toBe(true)
  return { request, response }
}

describe('Try it, inline', () => {
  it('gets a token, decoded and verified, without leaving the page', async () => {
    const { request, response } = await tryIt({ grant: 'Storefront → Gift Deliveries API' })
    expect(request.headers().accept).toBe('application/json')
    expect(request.headers()['x-csrf-token']).toBe(await csrfOf(page))
    expect(response?.status()).toBe(200)

    expect(await status().textContent()).toBe('Token issued.')
    await result().getByRole('heading', { name: 'Token issued (HTTP 200)' }).waitFor()
    const token = (await result().locator('code.token').textContent()) ?? ''
    expect(token.split('.')).toHaveLength(3)

    const [header, payload] = await result().locator('pre.json').allTextContents()
    expect(JSON.parse(header ?? '')).toMatchObject({ alg: 'RS256', kid: tenant.keys.current().kid })
    expect(JSON.parse(payload ?? '')).toMatchObject({
      iss: ISSUER,
      aud: STOREFRONT.audience,
      sub: `${STOREFRONT.client_id}@clients`,
      scope: 'create:deliveries read:deliveries',
    })

    await result().getByRole('heading', { name: 'Verification: valid' }).waitFor()
    const checks = result().getByRole('table', { name: /How the token was verified/ })
    const rows = checks.locator('tbody tr')
    expect(await rows.count()).toBe(4)
    expect(await checks.locator('tbody tr.check-ok').count()).toBe(4)
    for (const name of ['signature', 'issuer', 'audience', 'expiry']) {
      expect(await checks.getByRole('row', { name: new RegExp(`^${name}`) }).textContent()).toMatch(
        /passed/,
      )
    }
    // The commands to do the same from a terminal, never with the secret in them.
    const commands = await result().locator('pre.command').allTextContents()
    expect(commands[0]).toContain('$CLIENT_SECRET')
    expect(commands.join('\n')).not.toContain(STOREFRONT.client_secret)
    // The script gave the new result's copyable values their copy buttons.
    expect(await result().locator('button.copy').count()).toBe(
      await result().locator('[data-copy]').count(),
    )
  })

  it('shows a refusal with its OAuth error (a scope outside the grant)', async () => {
    const { response } = await tryIt({
      grant: 'Storefront → Gift Deliveries API',
      scope: 'delete:everything',
    })
    expect(response?.status()).toBe(200)
    const refused = (await response?.json()) as { ok: boolean; status: number; error: string }
    expect(refused.ok).toBe(false)
    expect(await status().textContent()).toBe(`Refused: ${refused.error}.`)
    await result()
      .getByRole('heading', { name: `Refused (HTTP ${refused.status})` })
      .waitFor()
    expect(await result().locator('.try-error').textContent()).toContain(refused.error)
    expect(await result().locator('code.token').count()).toBe(0)
  })

  it('names the field when the form is refused (400)', async () => {
    const { response } = await tryIt({
      grant: 'Storefront → Gift Deliveries API',
      organization: 'not an organization',
    })
    expect(response?.status()).toBe(400)
    expect(await status().textContent()).toMatch(/^Not sent: organization must be/)
    await result()
      .locator('.flash-error')
      .getByText(/^organization must be/)
      .waitFor()
  })

  it('a request whose x-csrf-token is wrong is refused (403) and shown as not sent', async () => {
    await page.goto(`${tenant.base}/dashboard/try`)
    await page.locator('body').evaluate((body) => body.setAttribute('data-csrf', 'tampered'))
    await page.getByLabel('Application and API').selectOption({
      label: 'Storefront → Gift Deliveries API',
    })
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Get a token' }).click(),
    ])
    expect(response.status()).toBe(403)
    expect(response.request().headers()['x-csrf-token']).toBe('tampered')
    await expect
      .poll(() => status().textContent())
      .toMatch(/^Not sent: Refused: .*CSRF token missing or wrong/)
    expect(await result().locator('code.token').count()).toBe(0)
    expect(await page.getByRole('button', { name: 'Get a token' }).isEnabled()).toBe(true)
  })

  it('the exchange shows in the log like any other', async () => {
    await page.goto(`${tenant.base}/dashboard/logs?client=${STOREFRONT.client_id}&outcome=issued`)
    expect(await page.locator('#log-rows tr').count()).toBeGreaterThanOrEqual(1)
  })

  it('ran under the real CSP without a script error', () => {
    expect(problems).toEqual([])
  })
})
