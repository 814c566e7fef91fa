import { afterEach, describe, expect, it } from 'vitest'
import { type DashboardHarness, dashboardApp } from './dashboard-helpers.js'
import { readPage, submitForm } from './submit-form.js'

const PAGE = '/dashboard/keys'

async function jwksKids(harness: DashboardHarness): Promise<string[]> {
  const answer = await harness.app.inject({ url: '/.well-known/jwks.json' })
  return (answer.json() as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid)
}

/** After a change: where it went, and the page it led to (with its flash). */
async function change(harness: DashboardHarness, url: string, fields?: Record<string, string>) {
  const session = await harness.signIn()
  const answer = await submitForm(harness, session, url, fields)
  expect(answer.statusCode).toBe(303)
  expect(answer.headers.location).toBe(PAGE)
  return (await readPage(harness, session, PAGE)).html
}

describe('dashboard: signing keys', () => {
  let harness: DashboardHarness
  afterEach(async () => {
    await harness?.app.close()
  })

  it('shows the current and next keys, their dates and fingerprints, and no private key', async () => {
    harness = await dashboardApp()
    const [current, next] = harness.keys.list()
    const page = await readPage(harness, await harness.signIn(), PAGE)
    expect(page.status).toBe(200)
    expect(page.html).toContain(current?.kid)
    expect(page.html).toContain(next?.kid)
    expect(page.html).toContain(current?.fingerprint)
    expect(page.html).toContain('Current since')
    expect(page.html.indexOf(current?.kid as string)).toBeLessThan(
      page.html.indexOf(next?.kid as string),
    )
    expect(page.html).toMatch(/<form[^>]*action="\/dashboard\/keys\/rotate"[^>]*data-confirm="/)
    expect(page.html).not.toContain('PRIVATE KEY')
    expect(page.html).not.toContain('/revoke"')
  })

  it('rotates: the next key signs, the old one stays published as previous', async () => {
    harness = await dashboardApp()
    const before = harness.keys.list()
    const html = await change(harness, `${PAGE}/rotate`)
    const [oldCurrent, oldNext] = before.map((key) => key.kid)
    expect(harness.keys.current().kid).toBe(oldNext)
    expect(harness.keys.get(oldCurrent as string)?.previous).toBe(true)
    expect(await jwksKids(harness)).toHaveLength(3)
    expect(html).toContain(`Rotated: ${oldNext} signs new tokens now`)
    expect(html).toContain('Rotated out')
    expect(html).toContain(`action="/dashboard/keys/${oldCurrent}/revoke"`)
    expect(html).not.toContain('PRIVATE KEY')
  })

  it('revokes a previous key: it leaves the JWKS and is shown revoked', async () => {
    harness = await dashboardApp()
    const retired = harness.keys.current().kid
    await harness.keys.rotate()
    const html = await change(harness, `${PAGE}/${retired}/revoke`)
    expect(harness.keys.get(retired)?.revoked).toBe(true)
    expect(await jwksKids(harness)).not.toContain(retired)
    expect(html).toContain(`Revoked ${retired}: tokens it signed no longer verify.`)
    expect(html).toMatch(/<span class="key-state">Revoked<\/span>/)
    expect(html).not.toContain(`action="/dashboard/keys/${retired}/revoke"`)
  })

  const refusals = [
    {
      name: 'the current key',
      kid: (h: DashboardHarness) => h.keys.current().kid,
      message: 'The current and next keys cannot be revoked.',
    },
    {
      name: 'the next key',
      kid: (h: DashboardHarness) => h.keys.list().find((key) => key.next)?.kid as string,
      message: 'The current and next keys cannot be revoked.',
    },
    { name: 'an unknown kid', kid: () => 'no-such-kid', message: 'The key does not exist.' },
  ]
  for (const refusal of refusals) {
    it(`refuses to revoke ${refusal.name}, with the Management API's message`, async () => {
      harness = await dashboardApp()
      const kid = refusal.kid(harness)
      const html = await change(harness, `${PAGE}/${kid}/revoke`)
      expect(html).toContain(`Not revoked (${kid}): ${refusal.message}`)
      expect(html).toContain('role="alert"')
      expect(harness.keys.list().some((key) => key.revoked)).toBe(false)
      expect(await jwksKids(harness)).toHaveLength(2)
    })
  }

  it('refuses a rotation or revocation without the CSRF token', async () => {
    harness = await dashboardApp()
    const session = await harness.signIn()
    const before = harness.keys.current().kid
    for (const url of [`${PAGE}/rotate`, `${PAGE}/${before}/revoke`]) {
      const answer = await submitForm(harness, session, url, {}, { csrf: false })
      expect(answer.statusCode).toBe(403)
    }
    expect(harness.keys.current().kid).toBe(before)
    expect(harness.keys.list()).toHaveLength(2)
  })
})
