import type { Browser, Locator, Page } from 'playwright-core'
import { fetch } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  answerDialogs,
  closeSuite,
  flash,
  type ListeningDashboard,
  openSignedInSuite,
  requestToken,
  STOREFRONT,
  screenshotWhenFailing,
} from './browser-harness.js'

let browser: Browser
let tenant: ListeningDashboard
let page: Page
let problems: string[]
/** What each `data-confirm` dialog asked; the next one is dismissed while `dismissing`. */
let asked: string[]
let dismissing = false

beforeAll(async () => {
  ;({ browser, tenant, page, problems } = await openSignedInSuite())
  asked = answerDialogs(page, () => dismissing)
})
afterAll(() => closeSuite(browser, tenant))
screenshotWhenFailing(() => page)

const open = (path: string) => page.goto(`${tenant.base}${path}`)

/** Clicks a button that submits a form, and waits for the page the change leads to. */
async function submit(name: string, within: Page | Locator = page) {
  await Promise.all([
    page.waitForEvent('framenavigated'),
    within.getByRole('button', { name, exact: true }).click(),
  ])
  await page.waitForLoadState()
}

describe('applications', () => {
  let clientId: string
  let revealed: string

  it('creates one from the list', async () => {
    await open('/dashboard/applications')
    await page.getByLabel('Name', { exact: true }).fill('Browser Test App')
    await page.getByLabel('Description (optional)').fill('Made by the browser suite')
    await submit('Create application')
    await flash(page).getByText('Created Browser Test App.').waitFor()
    expect(await page.locator('h1').textContent()).toBe('Browser Test App')
    clientId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '')
    expect(tenant.state.client(clientId)?.description).toBe('Made by the browser suite')
  })

  it('shows the secret masked, and reveals it on request', async () => {
    const secretCell = page.locator('dt:text-is("Client secret") + dd')
    // Dots for the eye, "hidden" for a screen reader.
    expect(await secretCell.locator('[aria-hidden="true"]').textContent()).toMatch(/^•+$/)
    expect(await secretCell.locator('.visually-hidden').textContent()).toBe('hidden')
    expect(await page.locator('code.secret').count()).toBe(0)
    await submit('Reveal secret')
    revealed = (await page.locator('code.secret').textContent()) ?? ''
    expect(revealed.length).toBeGreaterThanOrEqual(32)
    expect(await page.getByRole('button', { name: 'Reveal secret' }).count()).toBe(0)
    // Shown once: the application's page masks it again.
    await open(`/dashboard/applications/${encodeURIComponent(clientId)}`)
    expect(await page.locator('code.secret').count()).toBe(0)
  })

  it('rotates it after a confirmation: a new secret, shown once', async () => {
    dismissing = true
    const dialogs = asked.length
    await page.getByRole('button', { name: 'Rotate secret' }).click()
    await expect.poll(() => asked.length).toBe(dialogs + 1)
    expect(asked.at(-1)).toBe('Rotate the secret? The current one stops working at once.')
    // Dismissed: still on the same page, nothing rotated.
    expect(await page.locator('code.secret').count()).toBe(0)
    expect(tenant.state.client(clientId)?.secret_rotated_at).toBeUndefined()
    dismissing = false

    await submit('Rotate secret')
    await flash(page).getByText('Secret rotated: the previous one no longer works.').waitFor()
    const rotated = (await page.locator('code.secret').textContent()) ?? ''
    // A generated secret (48 random bytes, base64url), the one the tenant now holds.
    expect(rotated).toMatch(/^[\w-]{64}$/)
    expect(rotated).not.toBe(revealed)
    expect(tenant.state.client(clientId)?.client_secret).toBe(rotated)
    const rotatedAt = Date.parse(tenant.state.client(clientId)?.secret_rotated_at ?? '')
    expect(Date.now() - rotatedAt).toBeGreaterThanOrEqual(0)
    expect(Date.now() - rotatedAt).toBeLessThan(60_000)
    // The token endpoint agrees: the old secret is refused as a wrong credential
    // (401, Auth0's "Unauthorized"); the new one authenticates, then meets the missing grant (403).
    const withOld = await requestToken(tenant, {
      client_id: clientId,
      client_secret: revealed,
      audience: 'urn:worldmappers',
    })
    expect(withOld.status).toBe(401)
    expect(withOld.body).toMatchObject({
      error: 'access_denied',
      error_description: 'Unauthorized',
    })
    const withNew = await requestToken(tenant, {
      client_id: clientId,
      client_secret: rotated,
      audience: 'urn:worldmappers',
    })
    expect(withNew.status).toBe(403)
    expect(withNew.body.error).toBe('access_denied')
  })

  it('deletes it after a confirmation', async () => {
    await open(`/dashboard/applications/${encodeURIComponent(clientId)}`)
    await submit('Delete application')
    expect(asked.at(-1)).toBe('Delete Browser Test App? Its grants go with it.')
    await flash(page).getByText('Deleted Browser Test App.').waitFor()
    expect(new URL(page.url()).pathname).toBe('/dashboard/applications')
    expect(await page.getByRole('link', { name: 'Browser Test App' }).count()).toBe(0)
    expect(tenant.state.client(clientId)).toBeUndefined()
  })
})

describe('APIs', () => {
  it('creates an API with scopes, then adds a scope', async () => {
    await open('/dashboard/apis')
    await page.getByLabel('Name', { exact: true }).fill('Orders API')
    await page.getByLabel(/^Identifier/).fill('urn:orders')
    await page.getByLabel('Token lifetime (seconds)').fill('3600')
    await page.getByLabel(/^Scopes, one a line/).fill('read:orders Read orders')
    await submit('Create API')
    await flash(page).getByText('Created Orders API.').waitFor()
    expect(await page.locator('h1').textContent()).toBe('Orders API')

    await page.getByLabel('Value (no spaces)').fill('write:orders')
    await page.getByLabel('Description (optional)').fill('Create and change orders')
    await submit('Add scope')
    await flash(page).getByText('Added the scope write:orders.').waitFor()
    const scopes = page.getByRole('table', { name: /^Scopes/ })
    await scopes.getByRole('cell', { name: 'write:orders', exact: true }).waitFor()
    const api = tenant.state.resourceServers.find((known) => known.identifier === 'urn:orders')
    expect(api?.token_lifetime).toBe(3600)
    expect(api?.scopes).toEqual([
      { value: 'read:orders', description: 'Read orders' },
      { value: 'write:orders', description: 'Create and change orders' },
    ])
  })
})

describe('the grant matrix', () => {
  it('saves a ticked cell: the grant exists and the application gets tokens', async () => {
    const before = await requestToken(tenant, { ...STOREFRONT, audience: 'urn:worldmappers' })
    expect(before.status).toBe(403)

    await open('/dashboard/grants')
    const cell = page.getByRole('group', { name: 'Storefront → World Mappers API' })
    await cell.getByLabel('Granted', { exact: true }).check()
    await cell.getByLabel('geocode:location', { exact: true }).check()
    await submit('Save grants')
    await flash(page).getByText('1 grant created, 0 changed, 0 removed.').waitFor()
    const saved = page.getByRole('group', { name: 'Storefront → World Mappers API' })
    expect(await saved.getByLabel('Granted', { exact: true }).isChecked()).toBe(true)
    expect(await saved.getByLabel('geocode:location', { exact: true }).isChecked()).toBe(true)
    expect(await saved.getByLabel('directions', { exact: true }).isChecked()).toBe(false)

    const grant = tenant.state.clientGrants.find(
      (known) => known.client_id === STOREFRONT.client_id && known.audience === 'urn:worldmappers',
    )
    expect(grant?.scope).toEqual(['geocode:location'])
    const after = await requestToken(tenant, { ...STOREFRONT, audience: 'urn:worldmappers' })
    expect(after.status).toBe(200)
    const payload = String(after.body.access_token).split('.')[1] ?? ''
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString()).scope).toBe('geocode:location')
  })
})

describe('organizations', () => {
  it('creates an organization and associates a client grant with it', async () => {
    await open('/dashboard/organizations')
    await page.getByLabel(/^Name/).fill('globex')
    await page.getByLabel('Display name (optional)').fill('Globex Corporation')
    await submit('Create organization')
    await flash(page).getByText('Created globex.').waitFor()
    expect(await page.locator('h1').textContent()).toBe('Globex Corporation')
    const org = tenant.state.organizations.find((known) => known.name === 'globex')
    expect(org?.display_name).toBe('Globex Corporation')

    const choice = page.getByLabel('Client grant').locator('option', {
      hasText: 'Gift Deliveries → World Mappers API',
    })
    await page.getByLabel('Client grant').selectOption((await choice.getAttribute('value')) ?? '')
    await submit('Associate')
    await flash(page)
      .getByText('Associated the grant Gift Deliveries → World Mappers API.')
      .waitFor()
    expect(
      tenant.state.organization(org?.id ?? '', { byName: false })?.client_grant_ids,
    ).toHaveLength(1)
  })
})

describe('signing keys', () => {
  it('rotates the signing key, then revokes the previous one: out of the JWKS', async () => {
    const previous = tenant.keys.current().kid
    await open('/dashboard/keys')
    await submit('Rotate signing key')
    expect(asked.at(-1)).toMatch(/^Rotate the signing key\?/)
    const current = tenant.keys.current().kid
    expect(current).not.toBe(previous)
    await flash(page).getByText(`Rotated: ${current} signs new tokens now`).waitFor()
    const jwksKids = async () => {
      const jwks = (await (await fetch(`${tenant.base}/.well-known/jwks.json`)).json()) as {
        keys: Array<{ kid: string }>
      }
      return jwks.keys.map((key) => key.kid)
    }
    expect(await jwksKids()).toEqual(expect.arrayContaining([previous, current]))

    const previousCard = page.locator('li.key').filter({ hasText: previous })
    expect(await previousCard.locator('.key-state').textContent()).toBe('Previous')
    await submit(`Revoke key ${previous}`, previousCard)
    expect(asked.at(-1)).toBe(`Revoke key ${previous}? Tokens it signed stop verifying at once.`)
    await flash(page).getByText(`Revoked ${previous}`).waitFor()
    expect(
      await page
        .locator('li.key')
        .filter({ hasText: previous })
        .locator('.key-state')
        .textContent(),
    ).toBe('Revoked')
    expect(await jwksKids()).not.toContain(previous)
    expect(await jwksKids()).toContain(current)
  })
})

describe('quotas', () => {
  it("sets an application's quota and shows its bar, which fills as tokens are issued", async () => {
    await open('/dashboard/quotas')
    const form = page.locator('form', {
      has: page.getByRole('heading', { name: "Set an application's quota" }),
    })
    await form.getByLabel('Application').selectOption(STOREFRONT.client_id)
    await form.getByLabel(/^Tokens per hour/).fill('5')
    await submit('Set quota')
    await flash(page).getByText('Quota of Storefront set.').waitFor()
    expect(
      tenant.state.client(STOREFRONT.client_id)?.token_quota?.client_credentials,
    ).toMatchObject({
      per_hour: 5,
      enforce: true,
    })

    const bar = page.getByRole('meter', { name: 'Storefront: Per hour' })
    expect(await bar.getAttribute('max')).toBe('5')
    expect(await bar.getAttribute('value')).toBe('0')

    for (let i = 0; i < 2; i += 1) {
      expect((await requestToken(tenant, STOREFRONT)).status).toBe(200)
    }
    await page.reload()
    expect(await bar.getAttribute('value')).toBe('2')
    expect(
      await page.locator(`#${await bar.getAttribute('aria-describedby')}`).textContent(),
    ).toMatch(/^2 of 5 this hour, resets in /)
  })
})

describe('while doing all that', () => {
  it('the page scripts ran under the real CSP without an error', () => {
    expect(problems).toEqual([])
  })
})
