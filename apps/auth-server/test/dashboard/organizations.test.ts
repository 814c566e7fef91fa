import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flashOf, get, post, postAndFollow, type Session } from './browser-forms.js'
import { type DashboardTenantHarness, dashboardTenant } from './dashboard-helpers.js'

const LIST = '/dashboard/organizations'

describe('dashboard: organizations', () => {
  let harness: DashboardTenantHarness
  let session: Session
  beforeEach(async () => {
    harness = await dashboardTenant()
    session = await harness.signIn()
  })
  afterEach(() => harness.app.close())

  const org = (name: string) => harness.state.organizations.find((o) => o.name === name)
  const pathOf = (name: string) => `${LIST}/${encodeURIComponent(org(name)?.id ?? 'missing')}`
  const grantOf = (clientName: string, audience: string) => {
    const client = harness.state.clients.find((c) => c.name === clientName)
    const grant = harness.state.clientGrants.find(
      (g) => g.client_id === client?.client_id && g.audience === audience,
    )
    if (!grant) throw new Error(`no grant ${clientName} × ${audience}`)
    return grant
  }
  const allowOrganizations = (grantId: string) =>
    harness.management.request('PATCH', `client-grants/${grantId}`, {
      organization_usage: 'allow',
    })

  it('lists organizations with their grants and token quota', async () => {
    await harness.management.request('PATCH', `organizations/${org('acme')?.id}`, {
      token_quota: { client_credentials: { per_hour: 100, per_day: 1000, enforce: false } },
    })
    const page = await get(harness, session, LIST)
    expect(page.status).toBe(200)
    expect(page.html).toContain('<caption>Organizations (1)</caption>')
    expect(page.html).toContain('Acme Inc.')
    expect(page.html).toContain('<td>1</td>')
    expect(page.html).toContain('100 per hour, 1,000 per day (counted, not enforced)')
    expect(page.html).toContain('<label for="org-name">')
  })

  it('creates an organization, then shows it', async () => {
    const created = await postAndFollow(harness, session, LIST, {
      name: 'globex',
      display_name: 'Globex Corporation',
    })
    expect(created.location).toBe(pathOf('globex'))
    expect(created.flash?.text).toBe(
      'Created globex. Associate client grants to use it in token requests.',
    )
    expect(org('globex')).toMatchObject({
      display_name: 'Globex Corporation',
      client_grant_ids: [],
    })
    expect(created.html).toContain('<h1>Globex Corporation</h1>')
    expect(created.html).toContain('None: no token request can name this organization yet.')
  })

  const refusedCreations: Array<[string, Record<string, string>, RegExp]> = [
    ['an empty name', { name: '' }, /^Organization not created: .*name/],
    ['a name with spaces', { name: 'Not Valid' }, /^Organization not created: .*name.*pattern/],
    [
      'a name taken',
      { name: 'acme', display_name: 'Acme again' },
      /^Organization not created: An organization with this name already exists$/,
    ],
  ]
  for (const [what, fields, message] of refusedCreations) {
    it(`refuses an organization with ${what}, saying why`, async () => {
      const page = await postAndFollow(harness, session, LIST, fields)
      expect(page.location).toBe(LIST)
      expect(page.flash?.kind).toBe('error')
      expect(page.flash?.text).toMatch(message)
      expect(harness.state.organizations).toHaveLength(1)
    })
  }

  it('shows an organization with its client grants and the grants it could take', async () => {
    const page = await get(harness, session, pathOf('acme'))
    expect(page.status).toBe(200)
    expect(page.html).toContain('<h1>Acme Inc.</h1>')
    expect(page.html).toContain('<caption>Associated client grants (1)</caption>')
    expect(page.html).toContain('<td>Gift Deliveries</td>')
    expect(page.html).toContain('<td>World Mappers API</td>')
    expect(page.html).toContain('plan')
    expect(page.html).toContain('No other client grant allows organizations.')
    expect(page.html).toContain('5 other grants cannot be associated')
  })

  it('sends an unknown organization id back to the list with an error', async () => {
    const page = await get(harness, session, `${LIST}/org_nope`)
    expect(page.status).toBe(303)
    expect(page.location).toBe(LIST)
    const list = await get(harness, session, LIST)
    expect(flashOf(list.html)).toEqual({ kind: 'error', text: 'No organization with ID org_nope.' })
  })

  it('associates a grant that allows organizations, and removes it again', async () => {
    const grant = grantOf('Storefront', 'urn:gift-deliveries')
    await allowOrganizations(grant.id)
    const page = await get(harness, session, pathOf('acme'))
    expect(page.html).toContain(
      `<option value="${grant.id}">Storefront → Gift Deliveries API (organization_usage: allow)</option>`,
    )
    expect(page.html).toContain('<label for="org-grant">')

    const associated = await postAndFollow(harness, session, `${pathOf('acme')}/grants`, {
      grant_id: grant.id,
    })
    expect(associated.location).toBe(pathOf('acme'))
    expect(associated.flash).toEqual({
      kind: 'notice',
      text: 'Associated the grant Storefront → Gift Deliveries API.',
    })
    expect(org('acme')?.client_grant_ids).toContain(grant.id)
    expect(associated.html).toContain('<caption>Associated client grants (2)</caption>')

    const removed = await postAndFollow(harness, session, `${pathOf('acme')}/grants/remove`, {
      grant_id: grant.id,
    })
    expect(removed.flash).toEqual({
      kind: 'notice',
      text: 'Removed the grant Storefront → Gift Deliveries API from acme.',
    })
    expect(org('acme')?.client_grant_ids).not.toContain(grant.id)
  })

  it('shows why an association is refused', async () => {
    const denying = grantOf('Limited Mapper', 'urn:worldmappers')
    const refusals: Array<[Record<string, string>, string]> = [
      [
        { grant_id: denying.id },
        'Not associated: Payload validation error: the client grant does not allow organizations (organization_usage is deny)',
      ],
      [{ grant_id: 'cgr_nope' }, 'Not associated: The client grant does not exist'],
    ]
    for (const [fields, text] of refusals) {
      const page = await postAndFollow(harness, session, `${pathOf('acme')}/grants`, fields)
      expect(page.flash).toEqual({ kind: 'error', text })
    }
    const empty = await postAndFollow(harness, session, `${pathOf('acme')}/grants`, {})
    expect(empty.flash?.text).toMatch(/^Not associated: .*grant_id/)
    const unknown = await postAndFollow(harness, session, `${LIST}/org_nope/grants`, {
      grant_id: denying.id,
    })
    expect(unknown.location).toBe(LIST)
    expect(unknown.flash?.text).toBe('Not associated: The organization does not exist')
    expect(org('acme')?.client_grant_ids).toHaveLength(1)
  })

  it('refuses to remove a grant the organization does not have', async () => {
    const grant = grantOf('Storefront', 'urn:gift-deliveries')
    const page = await postAndFollow(harness, session, `${pathOf('acme')}/grants/remove`, {
      grant_id: grant.id,
    })
    expect(page.flash).toEqual({
      kind: 'error',
      text: `The grant ${grant.id} is not associated with acme.`,
    })
  })

  it('lists every associated grant, past the Management API page size', async () => {
    const acme = org('acme')?.id
    const clients = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        harness.management.request<{ client_id: string }>('POST', 'clients', {
          name: `Tenant app ${i}`,
        }),
      ),
    )
    const grants = await Promise.all(
      clients.flatMap(({ body }) =>
        ['urn:worldmappers', 'urn:gift-deliveries'].map((audience) =>
          harness.management.request<{ id: string }>('POST', 'client-grants', {
            client_id: body.client_id,
            audience,
            scope: [],
            organization_usage: 'allow',
          }),
        ),
      ),
    )
    for (const { body } of grants) {
      await harness.management.request('POST', `organizations/${acme}/client-grants`, {
        grant_id: body.id,
      })
    }
    const page = await get(harness, session, pathOf('acme'))
    expect(page.html).toContain('<caption>Associated client grants (121)</caption>')
    expect(page.html).toContain('<td>Tenant app 59</td>')
  }, 60_000)

  it('deletes an organization, and says so when there is none to delete', async () => {
    const deleted = await postAndFollow(harness, session, `${pathOf('acme')}/delete`)
    expect(deleted.location).toBe(LIST)
    expect(deleted.flash).toEqual({ kind: 'notice', text: 'Deleted acme.' })
    expect(org('acme')).toBeUndefined()
    expect(deleted.html).toContain('No organizations yet')

    const again = await postAndFollow(harness, session, `${LIST}/org_nope/delete`)
    expect(again.flash).toEqual({
      kind: 'error',
      text: 'Not deleted: The organization does not exist',
    })
  })

  it('refuses every change without the CSRF token', async () => {
    const grant = grantOf('Gift Deliveries', 'urn:worldmappers')
    const changes: Array<[string, Record<string, string>]> = [
      [LIST, { name: 'sneaky' }],
      [`${pathOf('acme')}/grants`, { grant_id: grant.id }],
      [`${pathOf('acme')}/grants/remove`, { grant_id: grant.id }],
      [`${pathOf('acme')}/delete`, {}],
    ]
    for (const [url, fields] of changes) {
      const answer = await post(harness, session, url, fields, { csrf: false })
      expect(answer.statusCode, url).toBe(403)
    }
    expect(harness.state.organizations.map((o) => o.name)).toEqual(['acme'])
    expect(org('acme')?.client_grant_ids).toEqual([grant.id])
  })
})
