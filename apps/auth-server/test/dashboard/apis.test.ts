import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flashOf, get, post, postAndFollow, type Session } from './browser-forms.js'
import { type DashboardTenantHarness, dashboardTenant, ISSUER } from './dashboard-helpers.js'

const MANAGEMENT_AUDIENCE = `${ISSUER}api/v2/`

describe('dashboard: APIs', () => {
  let harness: DashboardTenantHarness
  let session: Session
  beforeEach(async () => {
    harness = await dashboardTenant()
    session = await harness.signIn()
  })
  afterEach(() => harness.app.close())

  const api = (identifier: string) => harness.state.resourceServerByIdentifier(identifier)
  const pathOf = (identifier: string) =>
    `/dashboard/apis/${encodeURIComponent(api(identifier)?.id ?? 'missing')}`

  it('lists every API with its facts, the Management API as a read-only system API', async () => {
    const page = await get(harness, session, '/dashboard/apis')
    expect(page.status).toBe(200)
    expect(page.html).toContain('<caption>APIs (3)</caption>')
    for (const text of [
      'World Mappers API',
      'urn:worldmappers',
      'RS256',
      '86,400 s (1 day)',
      'DPoP allowed',
      'none (bearer tokens)',
      MANAGEMENT_AUDIENCE,
      'system, read-only',
    ]) {
      expect(page.html).toContain(text)
    }
    expect(page.html).toContain('<label for="api-scopes">')
    expect(page.html.indexOf('Auth0 Management API')).toBeGreaterThan(
      page.html.indexOf('Gift Deliveries API'),
    )
  })

  it('creates an API with scopes typed one a line, then shows it', async () => {
    const created = await postAndFollow(harness, session, '/dashboard/apis', {
      name: 'Orders API',
      identifier: 'urn:orders',
      signing_alg: 'PS256',
      token_lifetime: '3600',
      scopes: 'read:orders Read the orders\r\n\r\n  write:orders   Create and change orders \nship',
    })
    expect(created.flash).toEqual({
      kind: 'notice',
      text: 'Created Orders API. Grant it to applications in the grant matrix.',
    })
    expect(created.location).toBe(pathOf('urn:orders'))
    expect(api('urn:orders')).toMatchObject({
      name: 'Orders API',
      signing_alg: 'PS256',
      token_lifetime: 3600,
      scopes: [
        { value: 'read:orders', description: 'Read the orders' },
        { value: 'write:orders', description: 'Create and change orders' },
        { value: 'ship' },
      ],
    })
    expect(created.html).toContain('<caption>Scopes (3)</caption>')
    expect(created.html).toContain('3,600 s (1 hour)')
  })

  const refusedCreations: Array<[string, Record<string, string>, RegExp]> = [
    ['an empty name', { name: '', identifier: 'urn:x' }, /^API not created: .*name/],
    [
      'a duplicate identifier',
      { name: 'Again', identifier: 'urn:worldmappers' },
      /^API not created: A resource server with the same identifier already exists$/,
    ],
    ['an empty identifier', { name: 'X', identifier: '' }, /^API not created: .*identifier/],
    [
      'a token lifetime that is no number',
      { name: 'X', identifier: 'urn:x', token_lifetime: 'soon' },
      /^API not created: .*token_lifetime/,
    ],
    [
      'the same scope twice',
      { name: 'X', identifier: 'urn:x', scopes: 'read\nread again' },
      /^API not created: .*duplicate scope read/,
    ],
  ]
  for (const [what, fields, message] of refusedCreations) {
    it(`refuses an API with ${what}, saying why`, async () => {
      const before = harness.state.resourceServers.length
      const page = await postAndFollow(harness, session, '/dashboard/apis', fields)
      expect(page.location).toBe('/dashboard/apis')
      expect(page.flash?.kind).toBe('error')
      expect(page.flash?.text).toMatch(message)
      expect(harness.state.resourceServers).toHaveLength(before)
    })
  }

  it('never shows the signing secret of an HS256 API', async () => {
    await postAndFollow(harness, session, '/dashboard/apis', {
      name: 'Symmetric',
      identifier: 'urn:symmetric',
      signing_alg: 'HS256',
    })
    const secret = api('urn:symmetric')?.signing_secret
    expect(secret).toMatch(/^\S{16,}$/)
    for (const url of ['/dashboard/apis', pathOf('urn:symmetric')]) {
      const page = await get(harness, session, url)
      expect(page.status).toBe(200)
      expect(page.html).toContain('HS256')
      expect(page.html).not.toContain(secret)
    }
  })

  it("shows an API's details and scopes, with forms to change it", async () => {
    const page = await get(harness, session, pathOf('urn:worldmappers'))
    expect(page.status).toBe(200)
    expect(page.html).toContain('<h1>World Mappers API</h1>')
    expect(page.html).toContain('<caption>Scopes (3)</caption>')
    expect(page.html).toContain('Find the coordinates of an address')
    expect(page.html).toContain('Add a scope')
    expect(page.html).toContain('Delete API')
  })

  it('shows the Management API without any form that would change it', async () => {
    const page = await get(harness, session, pathOf(MANAGEMENT_AUDIENCE))
    expect(page.status).toBe(200)
    expect(page.html).toContain('a system API')
    expect(page.html).toContain('read:clients')
    expect(page.html).not.toContain('Add a scope')
    expect(page.html).not.toContain('Delete API')
    expect(page.html).not.toMatch(/<form[^>]*action="\/dashboard\/apis\//)
  })

  it('sends an unknown API id back to the list with an error', async () => {
    const page = await get(harness, session, '/dashboard/apis/rs_nope')
    expect(page.status).toBe(303)
    expect(page.location).toBe('/dashboard/apis')
    const list = await get(harness, session, '/dashboard/apis')
    expect(flashOf(list.html)).toEqual({ kind: 'error', text: 'No API with ID rs_nope.' })
  })

  it('adds a scope, and refuses one with a space or one it has already', async () => {
    const path = pathOf('urn:gift-deliveries')
    const added = await postAndFollow(harness, session, `${path}/scopes`, {
      value: 'cancel:deliveries',
      description: 'Cancel a delivery',
    })
    expect(added.flash).toEqual({ kind: 'notice', text: 'Added the scope cancel:deliveries.' })
    expect(api('urn:gift-deliveries')?.scopes.at(-1)).toEqual({
      value: 'cancel:deliveries',
      description: 'Cancel a delivery',
    })

    const spaced = await postAndFollow(harness, session, `${path}/scopes`, { value: 'read all' })
    expect(spaced.flash?.kind).toBe('error')
    expect(spaced.flash?.text).toMatch(/^Scopes not changed: .*scopes\/3\/value/)
    const again = await postAndFollow(harness, session, `${path}/scopes`, {
      value: 'read:deliveries',
    })
    expect(again.flash?.text).toBe(
      'Scopes not changed: Payload validation error: scopes: duplicate scope read:deliveries',
    )
    expect(api('urn:gift-deliveries')?.scopes).toHaveLength(3)
  })

  it('removes a scope, which grants lose too, and refuses to remove one it lacks', async () => {
    const path = pathOf('urn:worldmappers')
    const removed = await postAndFollow(harness, session, `${path}/scopes/remove`, {
      value: 'reverse-geocode:location',
    })
    expect(removed.flash?.kind).toBe('notice')
    expect(api('urn:worldmappers')?.scopes.map((s) => s.value)).toEqual([
      'geocode:location',
      'directions',
    ])
    const limited = harness.state.clients.find((c) => c.name === 'Limited Mapper')
    const grant = harness.state.grantFor(limited?.client_id ?? '', 'urn:worldmappers')
    expect(grant?.scope).toEqual([])

    const unknown = await postAndFollow(harness, session, `${path}/scopes/remove`, {
      value: 'fly',
    })
    expect(unknown.flash).toEqual({ kind: 'error', text: 'World Mappers API has no scope fly.' })
  })

  it('deletes an API with its grants, and never the Management API', async () => {
    const path = pathOf('urn:gift-deliveries')
    const deleted = await postAndFollow(harness, session, `${path}/delete`)
    expect(deleted.location).toBe('/dashboard/apis')
    expect(deleted.flash?.text).toBe('Deleted Gift Deliveries API and its grants.')
    expect(api('urn:gift-deliveries')).toBeUndefined()
    expect(harness.state.clientGrants.some((g) => g.audience === 'urn:gift-deliveries')).toBe(false)

    const system = await postAndFollow(harness, session, `${pathOf(MANAGEMENT_AUDIENCE)}/delete`)
    expect(system.flash).toEqual({
      kind: 'error',
      text: 'Not deleted: You cannot change a system API',
    })
    expect(api(MANAGEMENT_AUDIENCE)).toMatchObject({
      identifier: MANAGEMENT_AUDIENCE,
      is_system: true,
    })
  })

  it('refuses every change without the CSRF token', async () => {
    const path = pathOf('urn:worldmappers')
    const changes: Array<[string, Record<string, string>]> = [
      ['/dashboard/apis', { name: 'Sneaky', identifier: 'urn:sneaky' }],
      [`${path}/scopes`, { value: 'sneaky' }],
      [`${path}/scopes/remove`, { value: 'directions' }],
      [`${path}/delete`, {}],
    ]
    for (const [url, fields] of changes) {
      const answer = await post(harness, session, url, fields, { csrf: false })
      expect(answer.statusCode, url).toBe(403)
    }
    expect(api('urn:sneaky')).toBeUndefined()
    expect(api('urn:worldmappers')?.scopes).toHaveLength(3)
  })
})
