import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  adminAuthorization,
  buildTestServer,
  decodeJwt,
  tokenRequest,
} from './helpers/test-server.js'

/**
 * `GET/PATCH /api/v2/tenants/settings`, and Auth0's
 * `allow_organization_name_in_authentication_api`: off (Auth0's default), a
 * token request names an organization by its id only and the token carries
 * `org_id` without `org_name`; on, names work and `org_name` comes too
 * ("Use Organization Names in Authentication API" in Auth0's docs).
 */

let server: Awaited<ReturnType<typeof buildTestServer>>
let auth: { authorization: string }

beforeEach(async () => {
  server = await buildTestServer()
  auth = await adminAuthorization(server.app)
})
afterEach(async () => {
  await server.app.close()
})

const patch = (payload: object) =>
  server.app.inject({ method: 'PATCH', url: '/api/v2/tenants/settings', headers: auth, payload })

describe('tenant settings', () => {
  it('reads and changes them, storing the Auth0 settings it does not act on', async () => {
    const before = await server.app.inject({ url: '/api/v2/tenants/settings', headers: auth })
    expect(before.json()).toMatchObject({
      friendly_name: 'test',
      allow_organization_name_in_authentication_api: true,
    })
    const changed = await patch({
      friendly_name: 'Renamed',
      default_audience: 'urn:worldmappers',
      support_email: 'ops@example.com',
      flags: { enable_client_connections: false },
    })
    expect(changed.statusCode).toBe(200)
    expect(changed.json()).toMatchObject({
      friendly_name: 'Renamed',
      default_audience: 'urn:worldmappers',
      support_email: 'ops@example.com',
      flags: { enable_client_connections: false },
    })
    // The default audience applies at once.
    const token = await tokenRequest(server.app, 'gift-deliveries', { audience: undefined })
    expect(decodeJwt(token.json().access_token).payload.aud).toBe('urn:worldmappers')

    const unknownApi = await patch({ default_audience: 'urn:nope' })
    expect(unknownApi.statusCode).toBe(400)
    expect(unknownApi.json().message).toMatch(/no API with identifier "urn:nope"/)
    expect((await patch({ colour: 'blue' })).statusCode).toBe(400)
  })

  it('takes organizations by name, and puts org_name in tokens, only while the flag is on', async () => {
    const org = server.state.organization('acme')
    expect(org).toBeDefined()
    const withOrg = (organization: string) =>
      tokenRequest(server.app, 'gift-deliveries', { organization })

    const byName = await withOrg('acme')
    expect(byName.statusCode).toBe(200)
    expect(decodeJwt(byName.json().access_token).payload).toMatchObject({
      org_id: org?.id,
      org_name: 'acme',
    })

    expect((await patch({ allow_organization_name_in_authentication_api: false })).statusCode).toBe(
      200,
    )
    const refused = await withOrg('acme')
    expect(refused.statusCode).toBe(400)
    expect(refused.json()).toMatchObject({ error_description: 'Organization not found: acme' })
    const byId = await withOrg(org?.id as string)
    expect(byId.statusCode).toBe(200)
    const payload = decodeJwt(byId.json().access_token).payload
    expect(payload.org_id).toBe(org?.id)
    expect(payload).not.toHaveProperty('org_name')
  })
})
