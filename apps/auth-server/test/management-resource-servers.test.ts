import { describe, expect, it } from 'vitest'
import { managementServerPerTest } from './helpers/management-harness.js'
import { decodeJwt, tokenRequest } from './helpers/test-server.js'
import { MANAGEMENT_AUDIENCE } from './helpers/test-tenant.js'

/**
 * `POST/PATCH/DELETE /api/v2/resource-servers` as Auth0's Management API
 * (the `auth0` SDK's CreateResourceServerRequestContent fields): the APIs
 * made there issue tokens at once and outlive a restart.
 */

const h = managementServerPerTest('resource-servers')
const call = h.call

describe('resource servers through the Management API', () => {
  it('creates an API that issues tokens at once, with the Auth0 fields it was given', async () => {
    const created = await call('POST', '/api/v2/resource-servers', {
      identifier: 'urn:invoices',
      name: 'Invoices',
      scopes: [{ value: 'read:invoices', description: 'Read' }, { value: 'write:invoices' }],
      token_lifetime: 600,
      token_dialect: 'access_token_authz',
      allow_offline_access: false,
      skip_consent_for_verifiable_first_party_clients: true,
    })
    expect(created.statusCode).toBe(201)
    const api = created.json()
    expect(api).toMatchObject({
      id: expect.stringMatching(/^rs_/),
      identifier: 'urn:invoices',
      signing_alg: 'RS256',
      token_lifetime: 600,
      skip_consent_for_verifiable_first_party_clients: true,
    })
    expect(api).not.toHaveProperty('source')
    const grant = await call('POST', '/api/v2/client-grants', {
      client_id: 'storefront',
      audience: 'urn:invoices',
      scope: ['read:invoices'],
    })
    expect(grant.statusCode).toBe(201)
    const token = await tokenRequest(h.server.app, 'storefront', { audience: 'urn:invoices' })
    expect(token.statusCode).toBe(200)
    const { payload } = decodeJwt(token.json().access_token)
    expect(payload).toMatchObject({ aud: 'urn:invoices', permissions: ['read:invoices'] })
    expect(payload.exp - payload.iat).toBe(600)
  })

  it('gives an HS256 API a signing secret, and refuses a duplicate identifier (409)', async () => {
    const hs = (
      await call('POST', '/api/v2/resource-servers', { identifier: 'urn:hs', signing_alg: 'HS256' })
    ).json()
    expect(hs.signing_secret.length).toBeGreaterThanOrEqual(43)
    expect(hs.name).toBe('urn:hs')
    const again = await call('POST', '/api/v2/resource-servers', { identifier: 'urn:hs' })
    expect(again.statusCode).toBe(409)
    expect(again.json()).toMatchObject({ statusCode: 409, errorCode: 'resource_server_conflict' })
    const system = await call('POST', '/api/v2/resource-servers', {
      identifier: 'https://acme.eu.auth0.com/api/v2/',
    })
    expect(system.statusCode).toBe(409)
  })

  it('updates by id or identifier; removed scopes leave the grants; the identifier never changes', async () => {
    await call('POST', '/api/v2/resource-servers', {
      identifier: 'urn:stock',
      scopes: [{ value: 'read:stock' }, { value: 'write:stock' }],
    })
    await call('POST', '/api/v2/client-grants', {
      client_id: 'storefront',
      audience: 'urn:stock',
      scope: ['read:stock', 'write:stock'],
    })
    const patched = await call(
      'PATCH',
      `/api/v2/resource-servers/${encodeURIComponent('urn:stock')}`,
      {
        scopes: [{ value: 'read:stock' }],
        token_lifetime: 60,
      },
    )
    expect(patched.statusCode).toBe(200)
    expect(patched.json()).toMatchObject({ identifier: 'urn:stock', token_lifetime: 60 })
    const token = await tokenRequest(h.server.app, 'storefront', { audience: 'urn:stock' })
    expect(decodeJwt(token.json().access_token).payload.scope).toBe('read:stock')
    const rename = await call('PATCH', `/api/v2/resource-servers/${patched.json().id}`, {
      identifier: 'urn:other',
    })
    expect(rename.statusCode).toBe(400)
    expect(rename.json().message).toMatch(/identifier/)
    const duplicate = await call('PATCH', `/api/v2/resource-servers/${patched.json().id}`, {
      scopes: [{ value: 'a' }, { value: 'a' }],
    })
    expect(duplicate.statusCode).toBe(400)
  })

  it('deletes an API with its grants; the system API is read-only (403)', async () => {
    const api = (await call('POST', '/api/v2/resource-servers', { identifier: 'urn:gone' })).json()
    await call('POST', '/api/v2/client-grants', {
      client_id: 'storefront',
      audience: 'urn:gone',
      scope: [],
    })
    expect((await call('DELETE', `/api/v2/resource-servers/${api.id}`)).statusCode).toBe(204)
    expect((await call('GET', `/api/v2/resource-servers/${api.id}`)).statusCode).toBe(404)
    const grants = (await call('GET', '/api/v2/client-grants?audience=urn:gone')).json()
    expect(grants).toEqual([])
    const refused = await tokenRequest(h.server.app, 'storefront', { audience: 'urn:gone' })
    expect(refused.statusCode).toBe(403)

    const system = encodeURIComponent(MANAGEMENT_AUDIENCE)
    for (const method of ['PATCH', 'DELETE'] as const) {
      const res = await call(
        method,
        `/api/v2/resource-servers/${system}`,
        method === 'PATCH' ? { name: 'x' } : undefined,
      )
      expect(res.statusCode).toBe(403)
      expect(res.json()).toMatchObject({ errorCode: 'operation_not_supported' })
    }
  })

  it('keeps the APIs it made across a restart', async () => {
    await call('POST', '/api/v2/resource-servers', {
      identifier: 'urn:kept',
      scopes: [{ value: 'x' }],
    })
    await h.restart()
    expect(h.server.state.resourceServerByIdentifier('urn:kept')?.scopes).toEqual([{ value: 'x' }])
  })
})
