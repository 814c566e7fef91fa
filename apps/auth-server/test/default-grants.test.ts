import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parseTenantDocument } from '../src/tenant/load-tenant.js'
import { buildTestServer, decodeJwt, tokenRequest } from './helpers/test-server.js'
import { MANAGEMENT_AUDIENCE } from './helpers/test-tenant.js'

/**
 * Auth0's `default_for: third_party_clients` grants (the `auth0` SDK's
 * ClientGrantDefaultForEnum: "applies this client grant as the default for
 * all third-party clients ... per-client grants for the same audience take
 * precedence; mutually exclusive with client_id") and `subject_type`
 * (`user` grants do not serve client credentials).
 */

const ISSUER = 'http://localhost:4000/'

describe('default grants in a tenant file', () => {
  const load = (grants: string) =>
    parseTenantDocument(
      `
resourceServers:
  - { name: Catalog, identifier: "urn:catalog", scopes: [{ value: read:catalog }] }
clients:
  - { name: Shop, app_type: non_interactive }
clientGrants:
${grants}
`,
      'yaml',
      { issuer: ISSUER, baseDir: '.' },
    )

  it('loads a grant default_for third-party clients, without a client', async () => {
    const { tenant } = await load(
      '  - { default_for: third_party_clients, audience: "urn:catalog", scope: [read:catalog] }',
    )
    expect(tenant.clientGrants).toMatchObject([
      { client_id: '', default_for: 'third_party_clients', audience: 'urn:catalog' },
    ])
  })

  it('refuses a grant with both client_id and default_for, or neither', async () => {
    await expect(
      load(
        '  - { client_id: Shop, default_for: third_party_clients, audience: "urn:catalog", scope: [] }',
      ),
    ).rejects.toThrow('needs client_id or default_for (one of them)')
    await expect(load('  - { audience: "urn:catalog", scope: [] }')).rejects.toThrow(
      'needs client_id or default_for (one of them)',
    )
  })
})

describe('default grants through the Management API', () => {
  let server: Awaited<ReturnType<typeof buildTestServer>>
  let auth: { authorization: string }
  beforeEach(async () => {
    server = await buildTestServer()
    const token = (
      await tokenRequest(server.app, 'admin', { audience: MANAGEMENT_AUDIENCE })
    ).json()
    auth = { authorization: `Bearer ${token.access_token}` }
  })
  afterEach(async () => {
    await server.app.close()
  })
  const call = (method: 'POST' | 'GET', url: string, payload?: object) =>
    server.app.inject({ method, url, headers: auth, ...(payload ? { payload } : {}) })

  it('serves third-party clients without a grant of their own, and only them', async () => {
    const created = await call('POST', '/api/v2/client-grants', {
      default_for: 'third_party_clients',
      audience: 'urn:worldmappers',
      scope: ['directions'],
    })
    expect(created.statusCode).toBe(201)
    expect(created.json()).not.toHaveProperty('client_id')
    expect(created.json()).toMatchObject({ default_for: 'third_party_clients' })

    const partner = (
      await call('POST', '/api/v2/clients', {
        name: 'Partner',
        app_type: 'non_interactive',
        is_first_party: false,
      })
    ).json()
    const partnerToken = await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: {
        grant_type: 'client_credentials',
        client_id: partner.client_id,
        client_secret: partner.client_secret,
        audience: 'urn:worldmappers',
      },
    })
    expect(partnerToken.statusCode).toBe(200)
    expect(decodeJwt(partnerToken.json().access_token).payload.scope).toBe('directions')

    // A first-party client without a grant of its own gets nothing from it.
    const firstParty = await tokenRequest(server.app, 'storefront', {
      audience: 'urn:worldmappers',
    })
    expect(firstParty.statusCode).toBe(403)
  })

  it('refuses client_id with default_for, and a user grant serves no client credentials', async () => {
    const both = await call('POST', '/api/v2/client-grants', {
      client_id: 'storefront',
      default_for: 'third_party_clients',
      audience: 'urn:worldmappers',
      scope: [],
    })
    expect(both.statusCode).toBe(400)
    const user = await call('POST', '/api/v2/client-grants', {
      client_id: 'storefront',
      subject_type: 'user',
      audience: 'urn:worldmappers',
      scope: ['directions'],
    })
    expect(user.statusCode).toBe(201)
    const token = await tokenRequest(server.app, 'storefront', { audience: 'urn:worldmappers' })
    expect(token.statusCode).toBe(403)
  })
})
