import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { type DashboardHarness, dashboardApp } from './dashboard-helpers.js'
import { readPage, submitForm } from './submit-form.js'

const PAGE = '/dashboard/quotas'
/** 10:37 UTC: the hour resets in 23 min, the day in 13 h 23 min, June in 15 days 13 h. */
const NOW = Date.UTC(2025, 5, 15, 10, 37, 0)
const now = () => NOW

const keywords = JSON.parse(
  readFileSync(new URL('../../tenants/dev/keywords.json', import.meta.url), 'utf8'),
) as Record<string, string>
const STOREFRONT = keywords.STOREFRONT_CLIENT_ID as string
const GIFT_DELIVERIES = keywords.GIFT_DELIVERIES_CLIENT_ID as string
const CLIENTS: Record<string, { secret: string; audience: string }> = {
  [STOREFRONT]: {
    secret: keywords.STOREFRONT_CLIENT_SECRET as string,
    audience: 'urn:gift-deliveries',
  },
  [GIFT_DELIVERIES]: {
    secret: keywords.GIFT_DELIVERIES_CLIENT_SECRET as string,
    audience: 'urn:worldmappers',
  },
}

/** A real client-credentials request of a dev-tenant client. */
async function requestToken(harness: DashboardHarness, clientId: string): Promise<number> {
  const client = CLIENTS[clientId] as { secret: string; audience: string }
  const answer = await harness.app.inject({
    method: 'POST',
    url: '/oauth/token',
    payload: {
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: client.secret,
      audience: client.audience,
    },
  })
  return answer.statusCode
}

/** Submits a form, expects the redirect back, and returns the page it leads to. */
async function change(harness: DashboardHarness, url: string, fields: Record<string, string> = {}) {
  const session = await harness.signIn()
  const answer = await submitForm(harness, session, url, fields)
  expect(answer.statusCode).toBe(303)
  expect(answer.headers.location).toBe(PAGE)
  return (await readPage(harness, session, PAGE)).html
}

async function page(harness: DashboardHarness): Promise<string> {
  const shown = await readPage(harness, await harness.signIn(), PAGE)
  expect(shown.status).toBe(200)
  return shown.html
}

/** The `<meter>` of one bucket: `[value, max]`. */
function meter(html: string, id: string): [number, number] {
  const tag = new RegExp(`<meter id="${id}"[^>]*>`).exec(html)?.[0] ?? ''
  const attribute = (name: string) => Number(new RegExp(` ${name}="([^"]*)"`).exec(tag)?.[1])
  return [attribute('value'), attribute('max')]
}

describe('dashboard: token quotas', () => {
  let harness: DashboardHarness
  afterEach(async () => {
    await harness?.app.close()
  })

  it('says when there is no quota, and how to set one', async () => {
    harness = await dashboardApp({ now })
    const html = await page(harness)
    expect(html).toContain('No quotas: tokens are limited by the rate limit only.')
    expect(html).toContain('<label for="quota-client">Application</label>')
    expect(html).not.toContain('<meter')
  })

  it("sets a client's quota with the form, and its bars follow real token requests", async () => {
    harness = await dashboardApp({ now })
    const set = await change(harness, `${PAGE}/clients`, {
      client_id: STOREFRONT,
      per_hour: '3',
      per_day: '10',
      enforce: 'true',
    })
    expect(set).toContain('Quota of Storefront set.')
    expect(harness.state.client(STOREFRONT)?.token_quota).toEqual({
      client_credentials: { enforce: true, per_hour: 3, per_day: 10 },
    })
    expect(set).toContain('0 of 3 this hour, resets in 23 min')
    expect(set).toContain('0 of 10 today (UTC), resets in 13 h 23 min')
    expect(set).toMatch(/<dt>Quota<\/dt><dd>its own<\/dd><dt>Enforced<\/dt><dd>yes: /)

    expect(await requestToken(harness, STOREFRONT)).toBe(200)
    expect(await requestToken(harness, STOREFRONT)).toBe(200)
    const after = await page(harness)
    expect(after).toContain('2 of 3 this hour, resets in 23 min')
    expect(after).toContain('2 of 10 today (UTC)')
    expect(meter(after, 'quota-client-0-per_hour')).toEqual([2, 3])
    expect(meter(after, 'quota-client-0-per_day')).toEqual([2, 10])

    expect(await requestToken(harness, STOREFRONT)).toBe(200)
    expect(await requestToken(harness, STOREFRONT)).toBe(429)
    const spent = await page(harness)
    expect(spent).toContain('3 of 3 this hour, resets in 23 min (spent')
    expect(meter(spent, 'quota-client-0-per_hour')).toEqual([3, 3])
  })

  it("clears a client's quota: back to the rate limit only", async () => {
    harness = await dashboardApp({ now })
    // `enforce` unchecked: the box is not sent, so the quota counts and never refuses.
    await change(harness, `${PAGE}/clients`, { client_id: STOREFRONT, per_hour: '1' })
    expect(await requestToken(harness, STOREFRONT)).toBe(200)
    expect(await requestToken(harness, STOREFRONT)).toBe(200)
    const counted = await page(harness)
    expect(counted).toContain('2 of 1 this hour, resets in 23 min (1 over')
    expect(counted).toContain('<dd>no, counted only: never refused')
    expect(counted).toContain(`action="/dashboard/quotas/clients/${STOREFRONT}/clear"`)

    const cleared = await change(harness, `${PAGE}/clients/${STOREFRONT}/clear`)
    expect(cleared).toContain('Quota of Storefront cleared: only the rate limit applies to it now.')
    expect(harness.state.client(STOREFRONT)?.token_quota).toBeUndefined()
    expect(cleared).toContain('No quotas: tokens are limited by the rate limit only.')
  })

  it('sets and removes the tenant default for clients, keeping the organizations default', async () => {
    harness = await dashboardApp({ now })
    const organizations = { client_credentials: { enforce: true, per_day: 100 } }
    await harness.state.updateSettings({ default_token_quota: { organizations } })

    const set = await change(harness, `${PAGE}/default`, { per_hour: '5', enforce: 'true' })
    expect(set).toContain('Default quota for applications saved.')
    expect(harness.state.settings.default_token_quota).toEqual({
      clients: { client_credentials: { enforce: true, per_hour: 5 } },
      organizations,
    })
    expect(set).toContain('the tenant default for applications')
    expect(set).toContain('id="quota-default-per-hour" name="per_hour"')
    expect(set).toMatch(/id="quota-default-per-hour"[^>]*value="5"/)
    expect(set).toContain('<h2>Organizations</h2>')
    expect(set).toContain('0 of 100 today (UTC)')

    expect(await requestToken(harness, GIFT_DELIVERIES)).toBe(200)
    const used = await page(harness)
    const row = harness.state.clients.findIndex((client) => client.client_id === GIFT_DELIVERIES)
    expect(meter(used, `quota-client-${row}-per_hour`)).toEqual([1, 5])
    expect(used).toContain('1 of 5 this hour, resets in 23 min')

    const removed = await change(harness, `${PAGE}/default/clear`)
    expect(removed).toContain('Default quota for applications removed.')
    expect(harness.state.settings.default_token_quota).toEqual({ organizations })
    expect(removed).not.toContain('the tenant default for applications')
  })

  it("shows the plan's monthly allowance when TENANT_PLAN is set", async () => {
    harness = await dashboardApp({ now, tenantPlan: 'free' })
    expect(await requestToken(harness, STOREFRONT)).toBe(200)
    const html = await page(harness)
    expect(html).toContain('<h2>Plan allowance</h2>')
    expect(html).toContain('1 of 1,000 this month, resets in 15 days 13 h')
    expect(meter(html, 'quota-plan-0-monthly')).toEqual([1, 1000])
    expect(html).not.toContain('No quotas')
  })

  const refusals: Array<{ name: string; fields: Record<string, string>; message: string }> = [
    {
      name: 'a negative quota',
      fields: { client_id: STOREFRONT, per_hour: '-5' },
      message: 'per_hour must be >= 1',
    },
    {
      name: 'a fractional quota',
      fields: { client_id: STOREFRONT, per_day: '2.5' },
      message: 'per_day must be integer',
    },
    {
      name: 'a quota that is no number',
      fields: { client_id: STOREFRONT, per_hour: 'lots' },
      message: 'per_hour must be integer',
    },
    {
      name: 'an unknown client',
      fields: { client_id: 'no-such-client', per_hour: '5' },
      message: 'Quota of no-such-client not set: The client does not exist',
    },
    {
      name: 'a form with no limit',
      fields: { client_id: STOREFRONT, per_hour: ' ', enforce: 'true' },
      message: 'give a limit per hour, per day or both',
    },
  ]
  for (const refusal of refusals) {
    it(`refuses ${refusal.name}, naming what is wrong`, async () => {
      harness = await dashboardApp({ now })
      const html = await change(harness, `${PAGE}/clients`, refusal.fields)
      expect(html).toContain('class="flash flash-error" role="alert"')
      expect(html).toContain(refusal.message)
      expect(harness.state.client(STOREFRONT)?.token_quota).toBeUndefined()
    })
  }

  it('refuses a bad tenant default with the Management API message', async () => {
    harness = await dashboardApp({ now })
    const html = await change(harness, `${PAGE}/default`, { per_hour: '0' })
    expect(html).toContain('Default quota not saved: ')
    expect(html).toContain('per_hour must be >= 1')
    expect(harness.state.settings.default_token_quota).toBeUndefined()
  })

  it('refuses a change without the CSRF token', async () => {
    harness = await dashboardApp({ now })
    const session = await harness.signIn()
    const changes: Array<{ url: string; fields: Record<string, string> }> = [
      { url: `${PAGE}/clients`, fields: { client_id: STOREFRONT, per_hour: '5' } },
      { url: `${PAGE}/default`, fields: { per_hour: '5' } },
    ]
    for (const { url, fields } of changes) {
      const answer = await submitForm(harness, session, url, fields, { csrf: false })
      expect(answer.statusCode).toBe(403)
    }
    expect(harness.state.client(STOREFRONT)?.token_quota).toBeUndefined()
    expect(harness.state.settings.default_token_quota).toBeUndefined()
  })
})
