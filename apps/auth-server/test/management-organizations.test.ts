import { describe, expect, it } from 'vitest'
import { managementServerPerTest } from './helpers/management-harness.js'
import { buildTestServer, decodeJwt, tokenRequest } from './helpers/test-server.js'

/**
 * `/api/v2/organizations` and their client grants, as Auth0's Management API
 * ("Organizations" and "Organization client grants"): an organization made
 * there can be named in token requests at once; ids outlive a restart.
 */

const h = managementServerPerTest('organizations')
const call = h.call

describe('organizations through the Management API', () => {
  it('creates one, ties a grant to it, and its tokens carry it', async () => {
    const created = await call('POST', '/api/v2/organizations', {
      name: 'globex',
      display_name: 'Globex',
      metadata: { tier: 'gold' },
      branding: { colors: { primary: '#123456' } },
    })
    expect(created.statusCode).toBe(201)
    const org = created.json()
    expect(org).toEqual({
      id: expect.stringMatching(/^org_/),
      name: 'globex',
      display_name: 'Globex',
      metadata: { tier: 'gold' },
      branding: { colors: { primary: '#123456' } },
    })
    // gift-deliveries' grant to urn:worldmappers allows organizations (test tenant: cgr_gifts).
    const before = await tokenRequest(h.server.app, 'gift-deliveries', { organization: 'globex' })
    expect(before.statusCode).toBe(403)
    const tied = await call('POST', `/api/v2/organizations/${org.id}/client-grants`, {
      grant_id: 'cgr_gifts',
    })
    expect(tied.statusCode).toBe(201)
    expect(tied.json()).toMatchObject({ id: 'cgr_gifts', audience: 'urn:worldmappers' })
    const listed = (await call('GET', `/api/v2/organizations/${org.id}/client-grants`)).json()
    expect(listed.map((g: { id: string }) => g.id)).toEqual(['cgr_gifts'])
    const token = await tokenRequest(h.server.app, 'gift-deliveries', { organization: org.id })
    expect(token.statusCode).toBe(200)
    expect(decodeJwt(token.json().access_token).payload.org_id).toBe(org.id)

    expect(
      (await call('DELETE', `/api/v2/organizations/${org.id}/client-grants/cgr_gifts`)).statusCode,
    ).toBe(204)
    expect(
      (await tokenRequest(h.server.app, 'gift-deliveries', { organization: org.id })).statusCode,
    ).toBe(403)
  })

  it('gets by id and by name, updates, deletes; refuses duplicates and bad names', async () => {
    const org = (await call('POST', '/api/v2/organizations', { name: 'initech' })).json()
    expect(org.display_name).toBe('initech')
    expect((await call('GET', '/api/v2/organizations/name/initech')).json().id).toBe(org.id)
    const patched = await call('PATCH', `/api/v2/organizations/${org.id}`, {
      display_name: 'Initech',
      branding: null,
    })
    expect(patched.json()).toMatchObject({ name: 'initech', display_name: 'Initech' })
    expect((await call('POST', '/api/v2/organizations', { name: 'initech' })).statusCode).toBe(409)
    expect(
      (await call('PATCH', `/api/v2/organizations/${org.id}`, { name: 'acme' })).statusCode,
    ).toBe(409)
    const bad = await call('POST', '/api/v2/organizations', { name: 'Not Valid' })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().message).toMatch(/name/)
    const page = (await call('GET', '/api/v2/organizations?include_totals=true')).json()
    expect(page.total).toBe(3)
    expect((await call('DELETE', `/api/v2/organizations/${org.id}`)).statusCode).toBe(204)
    expect((await call('GET', `/api/v2/organizations/${org.id}`)).statusCode).toBe(404)
  })

  it('refuses to tie a grant that denies organizations, or one that does not exist', async () => {
    const org = (await call('POST', '/api/v2/organizations', { name: 'hooli' })).json()
    const denying = await call('POST', `/api/v2/organizations/${org.id}/client-grants`, {
      grant_id: 'cgr_limited',
    })
    expect(denying.statusCode).toBe(400)
    const missing = await call('POST', `/api/v2/organizations/${org.id}/client-grants`, {
      grant_id: 'cgr_nope',
    })
    expect(missing.statusCode).toBe(404)
  })

  it('keeps ids across a restart, and drops links to grants deleted meanwhile', async () => {
    const org = (await call('POST', '/api/v2/organizations', { name: 'umbrella' })).json()
    await call('POST', `/api/v2/organizations/${org.id}/client-grants`, { grant_id: 'cgr_gifts' })
    const acme = h.server.state.organization('acme')?.id
    await h.restart()
    expect(h.server.state.organization('umbrella')?.id).toBe(org.id)
    expect(h.server.state.organization('umbrella')?.client_grant_ids).toEqual(['cgr_gifts'])
    expect(h.server.state.organization('acme')?.id).toBe(acme)
    await h.server.state.deleteClientGrant('cgr_gifts')
    expect(h.server.state.organization('umbrella')?.client_grant_ids).toEqual([])
  })
})

describe('a default organization', () => {
  it('is used for client credentials when a request names none', async () => {
    // gift-deliveries' grant to urn:worldmappers allows organizations and acme is tied to it.
    const acme = h.server.state.organization('acme')?.id as string
    const patched = await call('PATCH', '/api/v2/clients/gift-deliveries', {
      default_organization: { organization_id: acme, flows: ['client_credentials'] },
    })
    expect(patched.statusCode).toBe(200)
    expect(patched.json().default_organization).toEqual({
      organization_id: acme,
      flows: ['client_credentials'],
    })
    const token = await tokenRequest(h.server.app, 'gift-deliveries')
    expect(token.statusCode).toBe(200)
    expect(decodeJwt(token.json().access_token).payload.org_id).toBe(acme)
    // A named organization wins over the default.
    const other = (await call('POST', '/api/v2/organizations', { name: 'stark' })).json()
    await call('POST', `/api/v2/organizations/${other.id}/client-grants`, { grant_id: 'cgr_gifts' })
    const named = await tokenRequest(h.server.app, 'gift-deliveries', { organization: other.id })
    expect(decodeJwt(named.json().access_token).payload.org_id).toBe(other.id)

    const cleared = await call('PATCH', '/api/v2/clients/gift-deliveries', {
      default_organization: null,
    })
    expect(cleared.json()).not.toHaveProperty('default_organization')
    const plain = await tokenRequest(h.server.app, 'gift-deliveries')
    expect(decodeJwt(plain.json().access_token).payload).not.toHaveProperty('org_id')
  })

  it('may name the organization in a tenant file (configuration, not a request)', async () => {
    const own = await buildTestServer({
      editTenant: (tenant) => {
        tenant.settings.allow_organization_name_in_authentication_api = false
        const client = tenant.clients.find((c) => c.client_id === 'gift-deliveries')
        if (client)
          client.default_organization = { organization_id: 'acme', flows: ['client_credentials'] }
      },
    })
    try {
      const token = await tokenRequest(own.app, 'gift-deliveries')
      expect(decodeJwt(token.json().access_token).payload.org_id).toBe('org_acme')
    } finally {
      await own.app.close()
    }
  })

  it('is ignored where the grant denies organizations', async () => {
    const acme = h.server.state.organization('acme')?.id as string
    await call('PATCH', '/api/v2/clients/limited', {
      default_organization: { organization_id: acme, flows: ['client_credentials'] },
    })
    const token = await tokenRequest(h.server.app, 'limited')
    expect(token.statusCode).toBe(200)
    expect(decodeJwt(token.json().access_token).payload).not.toHaveProperty('org_id')
  })
})
