import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseTenantDocument } from '../src/tenant/load-tenant.js'
import { buildTestServer, decodeJwt, tokenRequest } from './helpers/test-server.js'
import { MANAGEMENT_AUDIENCE } from './helpers/test-tenant.js'

/**
 * `allow_all_scopes` on a client grant, as Auth0's Management API documents it
 * (POST/PATCH /api/v2/client-grants; node-auth0 `CreateClientGrantRequestContent`):
 * "If enabled, all scopes configured on the resource server are allowed for
 * this grant" — the API's scopes when the token is issued, added ones included.
 */

let server: Awaited<ReturnType<typeof buildTestServer>>
let admin: string

beforeAll(async () => {
  server = await buildTestServer()
  const res = await tokenRequest(server.app, 'admin', { audience: MANAGEMENT_AUDIENCE })
  admin = res.json().access_token
})
afterAll(async () => {
  await server.app.close()
})

const manage = (method: 'POST' | 'PATCH', url: string, payload: Record<string, unknown>) =>
  server.app.inject({ method, url, headers: { authorization: `Bearer ${admin}` }, payload })

describe('a client grant with allow_all_scopes', () => {
  it('is created without scopes and issues every scope of the API, added ones included', async () => {
    const created = await manage('POST', '/api/v2/client-grants', {
      client_id: 'limited',
      audience: 'urn:gift-deliveries',
      allow_all_scopes: true,
    })
    expect(created.statusCode).toBe(201)
    expect(created.json()).toMatchObject({ allow_all_scopes: true, scope: [] })

    const token = await tokenRequest(server.app, 'limited', { audience: 'urn:gift-deliveries' })
    expect(token.statusCode).toBe(200)
    expect(decodeJwt(token.json().access_token).payload.scope).toBe(
      'create:deliveries read:deliveries',
    )

    const api = server.state.resourceServerByIdentifier('urn:gift-deliveries')
    api?.scopes.push({ value: 'cancel:deliveries' })
    const later = await tokenRequest(server.app, 'limited', {
      audience: 'urn:gift-deliveries',
      scope: 'cancel:deliveries',
    })
    expect(later.statusCode).toBe(200)
    expect(decodeJwt(later.json().access_token).payload.scope).toBe(
      'create:deliveries read:deliveries cancel:deliveries',
    )
    api?.scopes.pop()

    const outside = await tokenRequest(server.app, 'limited', {
      audience: 'urn:gift-deliveries',
      scope: 'directions',
    })
    expect(outside.statusCode).toBe(403)
    expect(outside.json().error).toBe('access_denied')
  })

  it('is switched off by PATCH, leaving the grant its listed scopes', async () => {
    const created = await manage('POST', '/api/v2/client-grants', {
      client_id: 'banned',
      audience: 'urn:gift-deliveries',
      scope: ['read:deliveries'],
      allow_all_scopes: true,
    })
    expect(created.statusCode).toBe(201)
    const patched = await manage('PATCH', `/api/v2/client-grants/${created.json().id}`, {
      allow_all_scopes: false,
    })
    expect(patched.statusCode).toBe(200)
    expect(patched.json()).toMatchObject({ allow_all_scopes: false, scope: ['read:deliveries'] })
  })

  it('needs scopes when it does not allow them all', async () => {
    const refused = await manage('POST', '/api/v2/client-grants', {
      client_id: 'interactive',
      audience: 'urn:gift-deliveries',
    })
    expect(refused.statusCode).toBe(400)
  })

  it('loads from a tenant file (the Deploy CLI writes it on clientGrants)', async () => {
    const { tenant } = await parseTenantDocument(
      `
resourceServers:
  - name: Orders
    identifier: urn:orders
    scopes: [{ value: read:orders }, { value: write:orders }]
clients:
  - name: Orders Job
    app_type: non_interactive
    grant_types: [client_credentials]
clientGrants:
  - client_id: Orders Job
    audience: urn:orders
    scope: []
    allow_all_scopes: true
`,
      'yaml',
      { issuer: 'https://tenant.example/', baseDir: '.' },
    )
    const grant = tenant.clientGrants.find((g) => g.audience === 'urn:orders')
    expect(grant).toMatchObject({ allow_all_scopes: true, scope: [] })
  })
})
