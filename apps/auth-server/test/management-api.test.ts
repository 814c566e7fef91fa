import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestServer, decodeJwt, tokenRequest } from './helpers/test-server.js'
import { MANAGEMENT_AUDIENCE, MANAGEMENT_SCOPES } from './helpers/test-tenant.js'

let server: Awaited<ReturnType<typeof buildTestServer>>
let admin: string

async function managementToken(clientId: string): Promise<string> {
  const res = await tokenRequest(server.app, clientId, { audience: MANAGEMENT_AUDIENCE })
  expect(res.statusCode).toBe(200)
  return res.json().access_token
}

function call(method: string, url: string, token: string | undefined, payload?: unknown) {
  return server.app.inject({
    method: method as 'GET',
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
  })
}

beforeAll(async () => {
  server = await buildTestServer()
  admin = await managementToken('admin')
})
afterAll(async () => {
  await server.app.close()
})

const routes: Array<[string, string, string[], unknown?]> = [
  ['GET', '/api/v2/clients', ['read:clients']],
  ['POST', '/api/v2/clients', ['create:clients'], { name: 'x' }],
  ['GET', '/api/v2/clients/gift-deliveries', ['read:clients']],
  ['PATCH', '/api/v2/clients/gift-deliveries', ['update:clients'], { description: 'd' }],
  ['DELETE', '/api/v2/clients/nobody', ['delete:clients']],
  ['POST', '/api/v2/clients/nobody/rotate-secret', ['update:client_keys']],
  ['GET', '/api/v2/client-grants', ['read:client_grants']],
  [
    'POST',
    '/api/v2/client-grants',
    ['create:client_grants'],
    { client_id: 'a', audience: 'b', scope: [] },
  ],
  ['PATCH', '/api/v2/client-grants/cgr_x', ['update:client_grants'], { scope: [] }],
  ['DELETE', '/api/v2/client-grants/cgr_x', ['delete:client_grants']],
  ['GET', '/api/v2/resource-servers', ['read:resource_servers']],
  ['GET', '/api/v2/resource-servers/rs_world', ['read:resource_servers']],
  ['POST', '/api/v2/resource-servers', ['create:resource_servers'], { identifier: 'urn:new' }],
  ['PATCH', '/api/v2/resource-servers/rs_world', ['update:resource_servers'], { name: 'n' }],
  ['DELETE', '/api/v2/resource-servers/rs_nope', ['delete:resource_servers']],
  ['GET', '/api/v2/logs', ['read:logs']],
  ['GET', '/api/v2/users', ['read:users']],
  ['GET', '/api/v2/keys/signing', ['read:signing_keys']],
  ['POST', '/api/v2/keys/signing/rotate', ['create:signing_keys', 'update:signing_keys']],
  ['GET', '/api/v2/keys/signing/nokid', ['read:signing_keys']],
  ['PUT', '/api/v2/keys/signing/nokid/revoke', ['update:signing_keys']],
  ['GET', '/api/v2/tenants/settings', ['read:tenant_settings']],
  ['PATCH', '/api/v2/tenants/settings', ['update:tenant_settings'], { friendly_name: 'x' }],
  ['GET', '/api/v2/organizations', ['read:organizations']],
  ['POST', '/api/v2/organizations', ['create:organizations'], { name: 'newco' }],
  ['GET', '/api/v2/organizations/org_acme', ['read:organizations']],
  ['PATCH', '/api/v2/organizations/org_acme', ['update:organizations'], { display_name: 'A' }],
  ['DELETE', '/api/v2/organizations/org_nope', ['delete:organizations']],
  ['GET', '/api/v2/organizations/org_acme/client-grants', ['read:organization_client_grants']],
  [
    'POST',
    '/api/v2/organizations/org_acme/client-grants',
    ['create:organization_client_grants'],
    { grant_id: 'cgr_gifts' },
  ],
  [
    'DELETE',
    '/api/v2/organizations/org_acme/client-grants/cgr_gifts',
    ['delete:organization_client_grants'],
  ],
]

describe('protection', () => {
  for (const [method, url, scopes, body] of routes) {
    it(`${method} ${url} needs a token (401) and any of ${scopes.join(', ')} (403)`, async () => {
      const anonymous = await call(method, url, undefined, body)
      expect(anonymous.statusCode).toBe(401)
      expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="Auth0 Management API"')
      // Auth0's body; the RFC 6750 challenge stays in the header.
      expect(anonymous.json()).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Missing authentication',
        errorCode: 'unauthorized',
      })

      // a token with every Management scope but the route's own
      const others = MANAGEMENT_SCOPES.filter((s) => !scopes.includes(s))
      await server.state.addClientGrant({
        id: `cgr_partial_${method}_${url}`,
        client_id: 'limited',
        audience: MANAGEMENT_AUDIENCE,
        scope: others,
      })
      const partial = await managementToken('limited')
      await server.state.deleteClientGrant(`cgr_partial_${method}_${url}`)
      const refused = await call(method, url, partial, body)
      expect(refused.statusCode).toBe(403)
      expect(refused.json()).toEqual({
        statusCode: 403,
        error: 'Forbidden',
        message: `Insufficient scope, expected any of: ${scopes.join(',')}`,
        errorCode: 'insufficient_scope',
      })
      expect(refused.headers['www-authenticate']).toContain(`scope="${scopes.join(' ')}"`)
    })
  }

  it("lets any one of a route's scopes through, as Auth0 does", async () => {
    // Its own server: rotating here would change the keys the signing-key tests count.
    const own = await buildTestServer()
    try {
      for (const scope of ['create:signing_keys', 'update:signing_keys']) {
        const id = `cgr_one_${scope}`
        await own.state.addClientGrant({
          id,
          client_id: 'limited',
          audience: MANAGEMENT_AUDIENCE,
          scope: [scope],
        })
        const token = (
          await tokenRequest(own.app, 'limited', { audience: MANAGEMENT_AUDIENCE })
        ).json().access_token
        await own.state.deleteClientGrant(id)
        const rotated = await own.app.inject({
          method: 'POST',
          url: '/api/v2/keys/signing/rotate',
          headers: { authorization: `Bearer ${token}` },
        })
        expect(rotated.statusCode).toBe(201)
      }
    } finally {
      await own.app.close()
    }
  })

  it('answers an unknown /api/v2 path with 401 without a token, 404 with one', async () => {
    expect((await call('GET', '/api/v2/nope', undefined)).statusCode).toBe(401)
    const res = await call('GET', '/api/v2/nope', admin)
    expect(res.statusCode).toBe(404)
    expect(res.json().errorCode).toBe('not_found')
  })

  it('refuses a token for another audience', async () => {
    const res = await tokenRequest(server.app, 'gift-deliveries')
    const answer = await call('GET', '/api/v2/clients', res.json().access_token)
    expect(answer.statusCode).toBe(401)
    expect(answer.json()).toMatchObject({ error: 'Unauthorized', message: 'Invalid token' })
    expect(answer.headers['www-authenticate']).toContain('error="invalid_token"')
  })
})

describe('clients', () => {
  it('creates a client, returns its secret once, and the secret works', async () => {
    const created = await call('POST', '/api/v2/clients', admin, {
      name: 'Reporting Job',
      client_metadata: { team: 'data' },
    })
    expect(created.statusCode).toBe(201)
    const client = created.json()
    expect(client).toMatchObject({
      name: 'Reporting Job',
      app_type: 'non_interactive',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_post',
      client_metadata: { team: 'data' },
    })
    expect(client.client_secret.length).toBeGreaterThanOrEqual(43)
    expect(client.client_secret_hash).toBeUndefined()

    // The admin token has read:client_keys: Auth0 then returns the secret.
    const fetched = (await call('GET', `/api/v2/clients/${client.client_id}`, admin)).json()
    expect(fetched.client_secret).toBe(client.client_secret)
    expect(JSON.stringify((await call('GET', '/api/v2/clients', admin)).json())).not.toContain(
      'scrypt$',
    )

    const grant = await call('POST', '/api/v2/client-grants', admin, {
      client_id: client.client_id,
      audience: 'urn:worldmappers',
      scope: ['directions'],
    })
    expect(grant.statusCode).toBe(201)
    expect(grant.json().id).toMatch(/^cgr_/)
    const token = await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: {
        grant_type: 'client_credentials',
        client_id: client.client_id,
        client_secret: client.client_secret,
        audience: 'urn:worldmappers',
      },
    })
    expect(token.statusCode).toBe(200)
    expect(decodeJwt(token.json().access_token).payload.scope).toBe('directions')

    const rotated = (
      await call('POST', `/api/v2/clients/${client.client_id}/rotate-secret`, admin)
    ).json()
    expect(rotated.client_secret).not.toBe(client.client_secret)
    const old = await tokenRequestWith(client.client_id, client.client_secret)
    expect(old.statusCode).toBe(401)
    expect((await tokenRequestWith(client.client_id, rotated.client_secret)).statusCode).toBe(200)

    const patched = await call('PATCH', `/api/v2/clients/${client.client_id}`, admin, {
      name: 'Renamed',
    })
    expect(patched.json().name).toBe('Renamed')
    expect((await call('DELETE', `/api/v2/clients/${client.client_id}`, admin)).statusCode).toBe(
      204,
    )
    expect(server.state.clientGrants.some((g) => g.client_id === client.client_id)).toBe(false)
    const gone = await call('GET', `/api/v2/clients/${client.client_id}`, admin)
    expect(gone.statusCode).toBe(404)
    expect(gone.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'The client does not exist',
      errorCode: 'inexistent_client',
    })
  })

  it('refuses unknown fields instead of dropping them', async () => {
    const res = await call('PATCH', '/api/v2/clients/limited', admin, {
      client_secret_hash: 'scrypt$x$y',
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().errorCode).toBe('invalid_body')
    expect(server.state.client('limited')?.client_secret_hash).not.toBe('scrypt$x$y')
  })

  it('keeps internal fields out of answers', async () => {
    const body = (await call('GET', '/api/v2/clients/limited', admin)).json()
    expect(Object.keys(body)).not.toContain('source')
    const grants = (await call('GET', '/api/v2/client-grants', admin)).json()
    expect(grants.some((g: Record<string, unknown>) => 'source' in g)).toBe(false)
  })

  it('validates bodies with Auth0-shaped 400s', async () => {
    const res = await call('POST', '/api/v2/clients', admin, { name: '', app_type: 'robot' })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({
      statusCode: 400,
      error: 'Bad Request',
      errorCode: 'invalid_body',
    })
    expect(res.json().message).toMatch(/^Payload validation error: /)
  })

  it('pages with include_totals', async () => {
    const res = await call('GET', '/api/v2/clients?per_page=2&page=1&include_totals=true', admin)
    expect(res.json()).toMatchObject({ start: 2, limit: 2, length: 2 })
    expect(res.json().clients).toHaveLength(2)
    expect(res.json().total).toBe(server.state.clients.length)
  })
})

async function tokenRequestWith(clientId: string, secret: string) {
  return server.app.inject({
    method: 'POST',
    url: '/oauth/token',
    payload: {
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: secret,
      audience: 'urn:worldmappers',
    },
  })
}

describe('client grants', () => {
  it('lists with audience and client_id filters', async () => {
    const byAudience = (
      await call('GET', '/api/v2/client-grants?audience=urn:gift-deliveries', admin)
    ).json()
    expect(byAudience.map((g: { id: string }) => g.id).sort()).toEqual(['cgr_rfc', 'cgr_store'])
    const byClient = (await call('GET', '/api/v2/client-grants?client_id=limited', admin)).json()
    expect(byClient).toEqual([
      {
        id: 'cgr_limited',
        client_id: 'limited',
        audience: 'urn:worldmappers',
        scope: ['reverse-geocode:location'],
      },
    ])
  })

  it('refuses a duplicate (409), an unknown scope (400), an unknown API or client (404)', async () => {
    const duplicate = await call('POST', '/api/v2/client-grants', admin, {
      client_id: 'limited',
      audience: 'urn:worldmappers',
      scope: [],
    })
    expect(duplicate.statusCode).toBe(409)
    const unknownScope = await call('POST', '/api/v2/client-grants', admin, {
      client_id: 'limited',
      audience: 'urn:gift-deliveries',
      scope: ['fly:drones'],
    })
    expect(unknownScope.statusCode).toBe(400)
    expect(unknownScope.json().message).toContain('fly:drones')
    const unknownApi = await call('POST', '/api/v2/client-grants', admin, {
      client_id: 'limited',
      audience: 'urn:nope',
      scope: [],
    })
    expect(unknownApi.statusCode).toBe(404)
    const unknownClient = await call('POST', '/api/v2/client-grants', admin, {
      client_id: 'nobody',
      audience: 'urn:worldmappers',
      scope: [],
    })
    expect(unknownClient.statusCode).toBe(404)
  })

  it('updates scopes (the next token carries them) and deletes', async () => {
    const patched = await call('PATCH', '/api/v2/client-grants/cgr_limited', admin, {
      scope: ['reverse-geocode:location', 'directions'],
    })
    expect(patched.json().scope).toEqual(['reverse-geocode:location', 'directions'])
    const token = (await tokenRequest(server.app, 'limited')).json().access_token
    expect(decodeJwt(token).payload.scope).toBe('reverse-geocode:location directions')
    expect((await call('DELETE', '/api/v2/client-grants/cgr_limited', admin)).statusCode).toBe(204)
    expect((await tokenRequest(server.app, 'limited')).statusCode).toBe(403)
    expect((await call('DELETE', '/api/v2/client-grants/cgr_limited', admin)).statusCode).toBe(404)
  })
})

describe('resource servers, users, logs', () => {
  it('lists APIs and gets one by id or identifier', async () => {
    const list = (await call('GET', '/api/v2/resource-servers', admin)).json()
    expect(list.map((r: { identifier: string }) => r.identifier)).toContain('urn:worldmappers')
    const byIdentifier = await call(
      'GET',
      `/api/v2/resource-servers/${encodeURIComponent('urn:worldmappers')}`,
      admin,
    )
    expect(byIdentifier.json()).toMatchObject({ id: 'rs_world', token_lifetime: 86_400 })
    expect((await call('GET', '/api/v2/resource-servers/rs_none', admin)).statusCode).toBe(404)
  })

  it('lists users', async () => {
    expect((await call('GET', '/api/v2/users', admin)).json()).toEqual([
      { user_id: 'auth0|1', email: 'ada@example.com', name: 'Ada' },
    ])
  })

  it('logs seccft and feccft events, filtered by q, newest first', async () => {
    await tokenRequest(server.app, 'gift-deliveries', { client_secret: 'wrong' })
    await tokenRequest(server.app, 'gift-deliveries', { scope: 'directions' })
    const successes = (await call('GET', '/api/v2/logs?q=type:seccft&per_page=1', admin)).json()
    expect(successes).toHaveLength(1)
    expect(successes[0]).toMatchObject({
      type: 'seccft',
      description: 'Client Credentials for Access Token',
      client_id: 'gift-deliveries',
      client_name: 'Gift Deliveries',
      audience: 'urn:worldmappers',
      scope: 'geocode:location reverse-geocode:location directions',
      ip: '127.0.0.1',
    })
    expect(typeof successes[0].log_id).toBe('string')
    expect(Number.isNaN(Date.parse(successes[0].date))).toBe(false)
    const failures = (
      await call(
        'GET',
        '/api/v2/logs?q=type:feccft AND client_id:gift-deliveries&include_totals=true',
        admin,
      )
    ).json()
    expect(failures.total).toBeGreaterThanOrEqual(1)
    expect(failures.logs[0]).toMatchObject({
      type: 'feccft',
      description: 'Unauthorized',
      client_id: 'gift-deliveries',
      client_name: 'Gift Deliveries',
    })
    const both = (
      await call(
        'GET',
        `/api/v2/logs?q=${encodeURIComponent('type:(seccft OR feccft) AND client_id:"gift-deliveries"')}&include_totals=true`,
        admin,
      )
    ).json()
    expect(both.total).toBeGreaterThan(failures.total)
    const bad = await call('GET', '/api/v2/logs?q=user_name:x', admin)
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toMatchObject({ errorCode: 'invalid_query_string' })
    expect(bad.json().message).toMatch(/unknown field user_name/)
    expect(
      JSON.stringify((await call('GET', '/api/v2/logs?per_page=100', admin)).json()),
    ).not.toMatch(/secret-0123/)
  })
})

describe('signing keys', () => {
  it('rotates with no downtime, keeps previous keys until revoked, and revokes', async () => {
    const before = (await call('GET', '/api/v2/keys/signing', admin)).json()
    expect(before.filter((k: { current: boolean }) => k.current)).toHaveLength(1)
    expect(before.filter((k: { next: boolean }) => k.next)).toHaveLength(1)
    const oldKid = server.keys.current().kid
    const oldToken = admin

    const rotated = await call('POST', '/api/v2/keys/signing/rotate', admin)
    expect(rotated.statusCode).toBe(201)
    const newKid = rotated.json().kid
    expect(newKid).not.toBe(oldKid)

    const fresh = await managementToken('admin')
    expect(decodeJwt(fresh).header.kid).toBe(newKid)
    // tokens of the previous key keep working until it is revoked
    expect((await call('GET', '/api/v2/users', oldToken)).statusCode).toBe(200)
    const listed = (await call('GET', '/api/v2/keys/signing', fresh)).json()
    expect(listed.find((k: { kid: string }) => k.kid === oldKid)).toMatchObject({
      previous: true,
      revoked: false,
    })
    expect((await server.app.inject('/.well-known/jwks.json')).json().keys).toHaveLength(3)

    const current = await call('PUT', `/api/v2/keys/signing/${newKid}/revoke`, fresh)
    expect(current.statusCode).toBe(400)
    const revoked = await call('PUT', `/api/v2/keys/signing/${oldKid}/revoke`, fresh)
    expect(revoked.statusCode).toBe(200)
    expect(revoked.json().kid).toBe(oldKid)
    const jwks = (await server.app.inject('/.well-known/jwks.json')).json()
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).not.toContain(oldKid)
    const refused = await call('GET', '/api/v2/users', oldToken)
    expect(refused.statusCode).toBe(401)
    expect(refused.json().message).toBe('Invalid token')
    expect((await call('PUT', '/api/v2/keys/signing/nokid/revoke', fresh)).statusCode).toBe(404)

    // two more rotations: every previous key stays published until it is revoked (Auth0's
    // "Signing Keys": a rotated-out key is kept as previous, revoking is a separate step)
    const second = (await call('POST', '/api/v2/keys/signing/rotate', fresh)).json().kid
    const third = (await call('POST', '/api/v2/keys/signing/rotate', fresh)).json().kid
    const published = (await server.app.inject('/.well-known/jwks.json')).json().keys
    expect(published.map((k: { kid: string }) => k.kid)).toEqual(
      expect.arrayContaining([newKid, second, third]),
    )
    expect(published).toHaveLength(4)
    // `fresh` was signed by newKid, now previous and not revoked: it still works
    expect((await call('GET', '/api/v2/keys/signing', fresh)).statusCode).toBe(200)
    const latest = await managementToken('admin')
    const records = (await call('GET', '/api/v2/keys/signing', latest)).json()
    expect(
      records.filter((k: { previous: boolean }) => k.previous).map((k: { kid: string }) => k.kid),
    ).toEqual([newKid, second])
    expect(records.find((k: { kid: string }) => k.kid === oldKid).revoked).toBe(true)
    expect(server.keys.current().kid).toBe(third)
    // revoking newKid ends `fresh`
    expect((await call('PUT', `/api/v2/keys/signing/${newKid}/revoke`, latest)).statusCode).toBe(
      200,
    )
    expect((await call('GET', '/api/v2/keys/signing', fresh)).statusCode).toBe(401)
    admin = await managementToken('admin')
  })
})

describe('bodies', () => {
  it('takes an empty body sent as application/json on routes without one, as Auth0 does', async () => {
    const own = await buildTestServer()
    try {
      const token = (await tokenRequest(own.app, 'admin', { audience: MANAGEMENT_AUDIENCE })).json()
        .access_token
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
      const rotated = await own.app.inject({
        method: 'POST',
        url: '/api/v2/keys/signing/rotate',
        headers,
        payload: '',
      })
      expect(rotated.statusCode).toBe(201)
      const secret = await own.app.inject({
        method: 'POST',
        url: '/api/v2/clients/limited/rotate-secret',
        headers,
        payload: '',
      })
      expect(secret.statusCode).toBe(200)
      // A route that needs a body still refuses an empty one, in Auth0's shape.
      const created = await own.app.inject({
        method: 'POST',
        url: '/api/v2/clients',
        headers,
        payload: '',
      })
      expect(created.statusCode).toBe(400)
      expect(created.json()).toMatchObject({ statusCode: 400, errorCode: 'invalid_body' })
    } finally {
      await own.app.close()
    }
  })
})

describe('query strings', () => {
  it('returns only the fields asked for, or all but them (fields, include_fields)', async () => {
    const only = await call('GET', '/api/v2/clients/gift-deliveries?fields=client_id,name', admin)
    expect(only.json()).toEqual({ client_id: 'gift-deliveries', name: 'Gift Deliveries' })
    const without = (
      await call(
        'GET',
        '/api/v2/clients/gift-deliveries?fields=client_metadata&include_fields=false',
        admin,
      )
    ).json()
    expect(without).not.toHaveProperty('client_metadata')
    expect(without).toHaveProperty('grant_types')
    const list = (
      await call('GET', '/api/v2/clients?fields=name&include_totals=true', admin)
    ).json()
    expect(list.total).toBeGreaterThan(1)
    expect(list.clients.every((c: object) => Object.keys(c).join() === 'name')).toBe(true)
    const users = (await call('GET', '/api/v2/users?fields=email', admin)).json()
    expect(users.every((u: object) => Object.keys(u).join() === 'email')).toBe(true)
    // A field no entry has is ignored, as on Auth0.
    expect(
      (await call('GET', '/api/v2/clients/gift-deliveries?fields=nope', admin)).json(),
    ).toEqual({})
  })

  it("refuses a bad query string with Auth0's invalid_query_string", async () => {
    for (const url of [
      '/api/v2/clients?per_page=1000',
      '/api/v2/clients?page=-1',
      '/api/v2/clients?fields=name;drop',
      '/api/v2/users?include_fields=maybe',
    ]) {
      const res = await call('GET', url, admin)
      expect(res.statusCode, url).toBe(400)
      expect(res.json(), url).toMatchObject({
        statusCode: 400,
        error: 'Bad Request',
        errorCode: 'invalid_query_string',
        message: expect.stringMatching(/^Query validation error: /),
      })
    }
  })
})

describe('full Auth0 client objects', () => {
  it('stores the Auth0 fields it does not act on and returns them; refuses a name Auth0 does not know', async () => {
    const own = await buildTestServer()
    try {
      const token = (await tokenRequest(own.app, 'admin', { audience: MANAGEMENT_AUDIENCE })).json()
        .access_token
      const send = (method: 'POST' | 'PATCH' | 'GET', url: string, payload?: unknown) =>
        own.app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${token}` },
          payload: payload as object,
        })
      // What a script written for Auth0 sends (the shape of the auth0 SDK's CreateClientRequestContent).
      const created = await send('POST', '/api/v2/clients', {
        name: 'Billing Sync',
        app_type: 'non_interactive',
        grant_types: ['client_credentials'],
        callbacks: [],
        allowed_origins: [],
        jwt_configuration: { alg: 'RS256', lifetime_in_seconds: 36000 },
        logo_uri: 'https://example.com/logo.png',
        is_first_party: true,
        oidc_conformant: true,
        token_quota: { client_credentials: { per_hour: 50 } },
      })
      expect(created.statusCode).toBe(201)
      const id = created.json().client_id
      const fetched = (await send('GET', `/api/v2/clients/${id}`)).json()
      expect(fetched).toMatchObject({
        name: 'Billing Sync',
        jwt_configuration: { alg: 'RS256', lifetime_in_seconds: 36000 },
        logo_uri: 'https://example.com/logo.png',
        callbacks: [],
        token_quota: { client_credentials: { enforce: true, per_hour: 50 } },
      })
      expect(fetched).not.toHaveProperty('auth0_fields')

      const patched = await send('PATCH', `/api/v2/clients/${id}`, {
        logo_uri: null,
        callbacks: ['https://a'],
      })
      expect(patched.statusCode).toBe(200)
      expect(patched.json()).not.toHaveProperty('logo_uri')
      expect(patched.json()).toMatchObject({
        callbacks: ['https://a'],
        jwt_configuration: { alg: 'RS256' },
      })

      const unknown = await send('POST', '/api/v2/clients', { name: 'X', colour: 'blue' })
      expect(unknown.statusCode).toBe(400)
      expect(unknown.json()).toMatchObject({ errorCode: 'invalid_body' })
      expect(unknown.json().message).toMatch(/colour/)
    } finally {
      await own.app.close()
    }
  })
})
