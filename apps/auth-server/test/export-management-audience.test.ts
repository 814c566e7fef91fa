import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { managementApiAudience, parseTenantDocument } from '../src/tenant/load-tenant.js'
import { buildTestServer, decodeJwt, tokenRequest } from './helpers/test-server.js'
import { MANAGEMENT_AUDIENCE } from './helpers/test-tenant.js'

/**
 * A Deploy CLI export names its own tenant's Management API
 * (`https://<tenant>[.<region>].auth0.com/api/v2/`, Auth0's "Management API
 * identifier"): here that is the local Management API, in the tenant file and
 * in token requests, and its tokens are accepted there.
 */

const ISSUER = 'https://tenant.example/'

let server: Awaited<ReturnType<typeof buildTestServer>>

beforeAll(async () => {
  server = await buildTestServer()
})
afterAll(async () => {
  await server.app.close()
})

describe("an export's Management API audience", () => {
  it('in a client grant of the tenant file is the local Management API', async () => {
    const { tenant } = await parseTenantDocument(
      `
clients:
  - name: Deploy CLI
    app_type: non_interactive
    grant_types: [client_credentials]
clientGrants:
  - client_id: Deploy CLI
    audience: https://acme-prod.eu.auth0.com/api/v2/
    scope: [read:clients, read:client_grants]
`,
      'yaml',
      { issuer: ISSUER, baseDir: '.' },
    )
    expect(tenant.clientGrants).toHaveLength(1)
    expect(tenant.clientGrants[0]).toMatchObject({
      audience: managementApiAudience(ISSUER),
      scope: ['read:clients', 'read:client_grants'],
    })
  })

  it('gets a token for the local Management API, which accepts it', async () => {
    for (const audience of [
      'https://acme-prod.auth0.com/api/v2/',
      'https://acme-prod.us3.auth0.com/api/v2/',
    ]) {
      const res = await tokenRequest(server.app, 'admin', { audience })
      expect(res.statusCode).toBe(200)
      const token = res.json().access_token as string
      expect(decodeJwt(token).payload.aud).toBe(MANAGEMENT_AUDIENCE)
      const clients = await server.app.inject({
        url: '/api/v2/clients',
        headers: { authorization: `Bearer ${token}` },
      })
      expect(clients.statusCode).toBe(200)
    }
  })

  it('is only an Auth0 tenant domain: other /api/v2/ audiences stay unknown', async () => {
    for (const audience of [
      'https://api.example.com/api/v2/',
      'https://acme.auth0.com.example.com/api/v2/',
      'https://acme.auth0.com/api/v2/users',
    ]) {
      const res = await tokenRequest(server.app, 'admin', { audience })
      expect(res.statusCode, audience).toBe(403)
      expect(res.json().error).toBe('access_denied')
    }
  })
})
