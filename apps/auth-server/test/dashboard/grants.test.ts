import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { applyGrantChanges, outcomeText } from '../../src/dashboard/grants/apply-grant-changes.js'
import { grantMatrix } from '../../src/dashboard/grants/grant-matrix.js'
import type { ClientGrant } from '../../src/tenant/model.js'
import { type Fields, formFields, get, post, postAndFollow, type Session } from './browser-forms.js'
import { type DashboardTenantHarness, dashboardTenant, ISSUER } from './dashboard-helpers.js'

const GRANTS = '/dashboard/grants'
const MANAGEMENT_AUDIENCE = `${ISSUER}api/v2/`

type Form = Array<[string, string]>

/** Where a cell's boxes are: the positions of its row and column among the form's hidden fields. */
function positionOf(form: Fields, clientId: string, audience: string): string {
  const sent = (name: string) => form.filter(([field]) => field === name).map(([, value]) => value)
  const row = sent('row').indexOf(encodeURIComponent(clientId))
  const column = sent('column').indexOf(encodeURIComponent(audience))
  if (row === -1 || column === -1) throw new Error(`no cell for ${clientId} × ${audience}`)
  return `${row}.${column}`
}

const scopeBox = (position: string, scope: string): [string, string] => [
  `scope.${position}`,
  encodeURIComponent(scope),
]

/** The form with one cell set as a person would tick it. */
function withCell(
  form: Fields,
  cell: { clientId: string; audience: string },
  granted: boolean,
  scopes: string[] = [],
): Form {
  const position = positionOf(form, cell.clientId, cell.audience)
  const kept = form.filter(
    ([name, value]) => !(name === 'granted' && value === position) && name !== `scope.${position}`,
  ) as Form
  if (!granted) return kept
  return [...kept, ['granted', position], ...scopes.map((scope) => scopeBox(position, scope))]
}

const count = (html: string, text: string) => html.split(text).length - 1

describe('dashboard: the client-grant matrix', () => {
  let harness: DashboardTenantHarness
  let session: Session
  beforeEach(async () => {
    harness = await dashboardTenant()
    session = await harness.signIn()
  })
  afterEach(() => harness.app.close())

  const clientId = (name: string) => {
    const client = harness.state.clients.find((c) => c.name === name)
    if (!client) throw new Error(`no client ${name}`)
    return client.client_id
  }
  const grantOf = (name: string, audience: string) =>
    harness.state.clientGrants.find(
      (g) => g.client_id === clientId(name) && g.audience === audience && g.subject_type !== 'user',
    )
  const cell = (name: string, audience: string) => ({ clientId: clientId(name), audience })
  const currentForm = async () => formFields((await get(harness, session, GRANTS)).html, GRANTS)
  const snapshot = () => structuredClone(harness.state.clientGrants) as ClientGrant[]

  it('shows every client-credentials application × every API, the Management API last', async () => {
    const page = await get(harness, session, GRANTS)
    expect(page.status).toBe(200)
    expect(page.html).toContain('<caption>Client grants: 6 applications × 3 APIs</caption>')
    expect(count(page.html, '<fieldset class="grant-cell"')).toBe(18)
    expect(count(page.html, '<legend class="visually-hidden">')).toBe(18)
    expect(page.html).toContain('Gift Deliveries → World Mappers API')
    const header = page.html.slice(page.html.indexOf('<thead>'), page.html.indexOf('</thead>'))
    expect(header.indexOf('Auth0 Management API')).toBeGreaterThan(
      header.indexOf('Gift Deliveries API'),
    )
    expect(count(page.html, '<button type="submit">Save grants</button>')).toBe(1)
    for (const client of harness.state.clients) {
      if (client.client_secret) expect(page.html).not.toContain(client.client_secret)
    }
    const form = formFields(page.html, GRANTS)
    const giftMaps = positionOf(form, clientId('Gift Deliveries'), 'urn:worldmappers')
    expect(form).toContainEqual(['granted', giftMaps])
    expect(form).toContainEqual(scopeBox(giftMaps, 'directions'))
    expect(form).not.toContainEqual([
      'granted',
      positionOf(form, clientId('Storefront'), 'urn:worldmappers'),
    ])
  })

  it('saves an unchanged matrix as no change at all', async () => {
    const before = snapshot()
    const saved = await postAndFollow(harness, session, GRANTS, await currentForm())
    expect(saved.flash).toEqual({ kind: 'notice', text: '0 grants created, 0 changed, 0 removed.' })
    expect(harness.state.clientGrants).toEqual(before)
  })

  it('creates, changes and removes grants in one save, and says how many', async () => {
    let form = await currentForm()
    form = withCell(form, cell('Storefront', 'urn:worldmappers'), true, ['directions'])
    form = withCell(form, cell('Limited Mapper', 'urn:worldmappers'), true, [
      'geocode:location',
      'reverse-geocode:location',
    ])
    form = withCell(form, cell('Banned Device', 'urn:worldmappers'), false)
    const saved = await postAndFollow(harness, session, GRANTS, form)
    expect(saved.location).toBe(GRANTS)
    expect(saved.flash).toEqual({ kind: 'notice', text: '1 grant created, 1 changed, 1 removed.' })
    expect(grantOf('Storefront', 'urn:worldmappers')?.scope).toEqual(['directions'])
    expect(grantOf('Limited Mapper', 'urn:worldmappers')?.scope).toEqual([
      'geocode:location',
      'reverse-geocode:location',
    ])
    expect(grantOf('Banned Device', 'urn:worldmappers')).toBeUndefined()
  })

  it('counts scope boxes only where Granted is checked, and only scopes the API has', async () => {
    const form = await currentForm()
    const storefrontMaps = positionOf(form, clientId('Storefront'), 'urn:worldmappers')
    const unticked = await postAndFollow(harness, session, GRANTS, [
      ...form,
      scopeBox(storefrontMaps, 'directions'),
    ])
    expect(unticked.flash?.text).toBe('0 grants created, 0 changed, 0 removed.')
    expect(grantOf('Storefront', 'urn:worldmappers')).toBeUndefined()

    const ticked = await postAndFollow(harness, session, GRANTS, [
      ...form,
      ['granted', storefrontMaps],
      scopeBox(storefrontMaps, 'directions'),
      scopeBox(storefrontMaps, 'fly'),
    ])
    expect(ticked.flash?.text).toBe('1 grant created, 0 changed, 0 removed.')
    expect(grantOf('Storefront', 'urn:worldmappers')?.scope).toEqual(['directions'])
  })

  it('keeps ids and scopes with any characters apart', async () => {
    const odd = 'urn:odd api&row=0\r\n%20 +/?#'
    const created = await harness.management.request('POST', 'resource-servers', {
      name: 'Odd',
      identifier: odd,
      scopes: [{ value: 'a%20b' }, { value: 'x&y=z' }],
    })
    expect(created.status).toBe(201)
    const saved = await postAndFollow(
      harness,
      session,
      GRANTS,
      withCell(await currentForm(), cell('Storefront', odd), true, ['x&y=z']),
    )
    expect(saved.flash?.text).toBe('1 grant created, 0 changed, 0 removed.')
    expect(grantOf('Storefront', odd)?.scope).toEqual(['x&y=z'])
    const form = await currentForm()
    const position = positionOf(form, clientId('Storefront'), odd)
    expect(form).toContainEqual(['granted', position])
    expect(form).toContainEqual(scopeBox(position, 'x&y=z'))
    expect(form).not.toContainEqual(scopeBox(position, 'a%20b'))
  })

  it('shows default, user and allow_all_scopes grants read-only, and saving leaves them be', async () => {
    const storefront = clientId('Storefront')
    const created = await Promise.all([
      harness.management.request('POST', 'client-grants', {
        default_for: 'third_party_clients',
        audience: 'urn:worldmappers',
        scope: ['directions'],
      }),
      harness.management.request('POST', 'client-grants', {
        client_id: storefront,
        audience: 'urn:worldmappers',
        subject_type: 'user',
        scope: ['geocode:location'],
      }),
    ])
    expect(created.map((answer) => answer.status)).toEqual([201, 201])
    const allScopes = grantOf('Storefront', 'urn:gift-deliveries')
    const patched = await harness.management.request('PATCH', `client-grants/${allScopes?.id}`, {
      allow_all_scopes: true,
    })
    expect(patched.status).toBe(200)

    const page = await get(harness, session, GRANTS)
    expect(page.html).toContain('<caption>Other client grants (2)</caption>')
    expect(page.html).toContain('default_for: a default grant')
    expect(page.html).toContain('subject_type user: not used by client credentials')
    expect(page.html).toContain('Read-only here: allow_all_scopes')
    expect(page.html).toContain('<fieldset class="grant-cell" disabled>')
    const shown = formFields(page.html, GRANTS)
    // The user grant does not make its cell look granted.
    expect(shown).not.toContainEqual(['granted', positionOf(shown, storefront, 'urn:worldmappers')])

    const before = snapshot()
    const forged: Form = [
      ...withCell(shown, cell('Storefront', 'urn:gift-deliveries'), false),
      ['granted', positionOf(shown, storefront, 'urn:gift-deliveries')],
    ]
    const saved = await postAndFollow(harness, session, GRANTS, forged)
    expect(saved.flash?.text).toBe('0 grants created, 0 changed, 0 removed.')
    expect(harness.state.clientGrants).toEqual(before)
  })

  it('leaves alone the rows and columns the page did not show', async () => {
    const form = await currentForm()
    const answer = await harness.management.request<{ client_id: string }>('POST', 'clients', {
      name: 'Newcomer',
      app_type: 'non_interactive',
      grant_types: ['client_credentials'],
    })
    await harness.management.request('POST', 'client-grants', {
      client_id: answer.body.client_id,
      audience: 'urn:worldmappers',
      scope: ['directions'],
    })
    await harness.management.request('POST', 'resource-servers', {
      name: 'Late API',
      identifier: 'urn:late',
      scopes: [{ value: 'late' }],
    })
    await harness.management.request('POST', 'client-grants', {
      client_id: clientId('Storefront'),
      audience: 'urn:late',
      scope: ['late'],
    })
    const saved = await postAndFollow(harness, session, GRANTS, form)
    expect(saved.flash?.text).toBe('0 grants created, 0 changed, 0 removed.')
    expect(grantOf('Newcomer', 'urn:worldmappers')?.scope).toEqual(['directions'])
    expect(grantOf('Storefront', 'urn:late')?.scope).toEqual(['late'])
  })

  it('reads a row sent twice once', async () => {
    const form = withCell(await currentForm(), cell('Storefront', 'urn:worldmappers'), true)
    const storefront = encodeURIComponent(clientId('Storefront'))
    const saved = await postAndFollow(harness, session, GRANTS, [...form, ['row', storefront]])
    expect(saved.flash).toEqual({ kind: 'notice', text: '1 grant created, 0 changed, 0 removed.' })
  })

  it('reports what the Management API refused, and still applies the rest', async () => {
    const stale = grantMatrix(harness.state)
    const banned = stale.rows.find((c) => c.name === 'Banned Device')
    const maps = stale.columns.find((api) => api.identifier === 'urn:worldmappers')
    const storefront = stale.rows.find((c) => c.name === 'Storefront')
    if (!banned || !maps || !storefront) throw new Error('dev tenant changed')
    const bannedMaps = stale.cell(banned, maps)
    const grant = bannedMaps.grant as ClientGrant
    await harness.management.request('DELETE', `client-grants/${grant.id}`)
    const outcome = await applyGrantChanges(harness.management, [
      { kind: 'remove', cell: bannedMaps, grant },
      { kind: 'create', cell: stale.cell(storefront, maps), scope: ['directions'] },
    ])
    expect(outcomeText(outcome)).toBe(
      '1 grant created, 0 changed, 0 removed. 1 refused: Banned Device → World Mappers API: The client grant does not exist.',
    )
  })

  it('refuses a save without the CSRF token', async () => {
    const before = snapshot()
    const form = withCell(await currentForm(), cell('Banned Device', 'urn:worldmappers'), false)
    const answer = await post(harness, session, GRANTS, form, { csrf: false })
    expect(answer.statusCode).toBe(403)
    expect(harness.state.clientGrants).toEqual(before)
  })

  it('renders 200 applications × 10 APIs and saves exactly the cells changed', async () => {
    const extraApis = Array.from({ length: 8 }, (_, i) => `urn:volume:api-${i}`)
    await Promise.all(
      extraApis.map((identifier, i) =>
        harness.management.request('POST', 'resource-servers', {
          name: `Volume API ${i}`,
          identifier,
          scopes: ['read', 'write', 'admin'].map((value) => ({ value })),
        }),
      ),
    )
    const created = await Promise.all(
      Array.from({ length: 194 }, (_, i) =>
        harness.management.request<{ client_id: string }>('POST', 'clients', {
          name: `Volume app ${i}`,
          app_type: 'non_interactive',
          grant_types: ['client_credentials'],
        }),
      ),
    )
    const volumeApps = created.map((answer) => answer.body.client_id)
    const hadGrant = (i: number, j: number) => (i + j) % 3 === 0
    await Promise.all(
      volumeApps.flatMap((client, i) =>
        extraApis
          .filter((_, j) => hadGrant(i, j))
          .map((audience) =>
            harness.management.request('POST', 'client-grants', {
              client_id: client,
              audience,
              scope: ['read'],
            }),
          ),
      ),
    )
    const matrix = grantMatrix(harness.state)
    expect(matrix.rows).toHaveLength(200)
    expect(matrix.columns).toHaveLength(11)

    const page = await get(harness, session, GRANTS)
    expect(page.status).toBe(200)
    expect(page.html).toContain('<caption>Client grants: 200 applications × 11 APIs</caption>')
    expect(count(page.html, '<fieldset class="grant-cell"')).toBe(200 * 11)

    // Every fifth volume cell flips; of the granted ones left, every other one gets `write`.
    let form: Form = formFields(page.html, GRANTS)
    const expected: Array<[client: string, audience: string, scopes: string[] | undefined]> = []
    const tally = { created: 0, changed: 0, removed: 0 }
    volumeApps.forEach((client, i) => {
      extraApis.forEach((audience, j) => {
        const had = hadGrant(i, j)
        const target = { clientId: client, audience }
        if ((2 * i + j) % 5 === 0) {
          expected.push([client, audience, had ? undefined : ['read', 'admin']])
          tally[had ? 'removed' : 'created'] += 1
          form = withCell(form, target, !had, ['read', 'admin'])
        } else if (had && (i + j) % 2 === 0) {
          expected.push([client, audience, ['read', 'write']])
          tally.changed += 1
          form = withCell(form, target, true, ['read', 'write'])
        } else {
          expected.push([client, audience, had ? ['read'] : undefined])
        }
      })
    })
    expect(Math.min(tally.created, tally.changed, tally.removed)).toBeGreaterThan(50)

    const others = () =>
      harness.state.clientGrants.filter((g) => !g.audience.startsWith('urn:volume:'))
    const before = structuredClone(others())
    const saved = await postAndFollow(harness, session, GRANTS, form)
    expect(saved.flash).toEqual({
      kind: 'notice',
      text: `${tally.created} grants created, ${tally.changed} changed, ${tally.removed} removed.`,
    })
    const after = new Map(
      harness.state.clientGrants.map((g) => [`${g.client_id} ${g.audience}`, g.scope]),
    )
    for (const [client, audience, scopes] of expected) {
      expect(after.get(`${client} ${audience}`), `${client} × ${audience}`).toEqual(scopes)
    }
    expect(others()).toEqual(before)
    expect(others().some((g) => g.audience === MANAGEMENT_AUDIENCE)).toBe(true)
  }, 180_000)
})
