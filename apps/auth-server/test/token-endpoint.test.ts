import { createPublicKey, verify as verifySignature } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestServer, decodeJwt, tokenRequest } from './helpers/test-server.js'
import { ISSUER, MANAGEMENT_AUDIENCE, MANAGEMENT_SCOPES, secrets } from './helpers/test-tenant.js'

let server: Awaited<ReturnType<typeof buildTestServer>>

beforeAll(async () => {
  server = await buildTestServer()
})
afterAll(async () => {
  await server.app.close()
})

describe('issued tokens', () => {
  it('answers 200 with an RS256 token carrying Auth0 claims and every granted scope', async () => {
    const before = Math.floor(Date.now() / 1000)
    const res = await tokenRequest(server.app, 'gift-deliveries', { scope: 'directions' })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'token_type'])
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 86_400 })
    expect(res.headers['cache-control']).toBe('no-store')
    const { header, payload } = decodeJwt(body.access_token)
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: server.keys.current().kid })
    expect(payload).toMatchObject({
      iss: ISSUER,
      sub: 'gift-deliveries@clients',
      aud: 'urn:worldmappers',
      azp: 'gift-deliveries',
      gty: 'client-credentials',
      // all scopes of the grant, though only `directions` was asked for
      scope: 'geocode:location reverse-geocode:location directions',
      'https://m2m.test/client_name': 'Gift Deliveries',
    })
    expect(payload.iat).toBeGreaterThanOrEqual(before)
    expect(payload.exp - payload.iat).toBe(86_400)
    // an action cannot set a restricted claim (it tried iss, org_id, org_name, permissions, client_id, scope)
    expect(payload.iss).toBe(ISSUER)
    expect(payload.org_id).toBeUndefined()
    expect(payload.org_name).toBeUndefined()
    expect(payload.permissions).toBeUndefined()
    expect(payload.client_id).toBeUndefined()
  })

  it('signs with the current key of the JWKS', async () => {
    const res = await tokenRequest(server.app, 'limited')
    const token: string = res.json().access_token
    const jwks = (await server.app.inject('/.well-known/jwks.json')).json()
    const { header } = decodeJwt(token)
    const jwk = jwks.keys.find((k: { kid: string }) => k.kid === header.kid)
    expect(jwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' })
    const [h, p, s] = token.split('.')
    const ok = verifySignature(
      'sha256',
      Buffer.from(`${h}.${p}`),
      createPublicKey({ key: jwk, format: 'jwk' }),
      Buffer.from(s as string, 'base64url'),
    )
    expect(ok).toBe(true)
  })

  it('uses the API token_lifetime and the RFC 9068 profile when the API asks for it', async () => {
    const res = await tokenRequest(server.app, 'rfc9068', { audience: 'urn:gift-deliveries' })
    expect(res.json().expires_in).toBe(7_200)
    const { header, payload } = decodeJwt(res.json().access_token)
    expect(header.typ).toBe('at+jwt')
    expect(payload.client_id).toBe('rfc9068')
    expect(typeof payload.jti).toBe('string')
    expect(payload.gty).toBeUndefined()
    expect(payload.azp).toBeUndefined()
  })

  it('returns the scope for Management API tokens, as Auth0 does', async () => {
    const res = await tokenRequest(server.app, 'admin', { audience: MANAGEMENT_AUDIENCE })
    expect(res.statusCode).toBe(200)
    expect(res.json().scope).toBe(MANAGEMENT_SCOPES.join(' '))
  })

  it('adds org_id and org_name for an organization given by name or id', async () => {
    for (const organization of ['acme', 'org_acme']) {
      const res = await tokenRequest(server.app, 'gift-deliveries', { organization })
      expect(res.statusCode).toBe(200)
      const { payload } = decodeJwt(res.json().access_token)
      expect(payload).toMatchObject({
        org_id: 'org_acme',
        org_name: 'acme',
        'https://m2m.test/org': 'Acme Inc.',
      })
    }
  })
})

describe('body encodings and client authentication', () => {
  const cases = [
    ['JSON + client_secret_post', 'application/json', false],
    ['form + client_secret_post', 'application/x-www-form-urlencoded', false],
    ['JSON + client_secret_basic', 'application/json', true],
    ['form + client_secret_basic', 'application/x-www-form-urlencoded', true],
  ] as const
  for (const [name, contentType, basic] of cases) {
    it(`accepts ${name}`, async () => {
      const params: Record<string, string> = {
        grant_type: 'client_credentials',
        audience: 'urn:gift-deliveries',
        organization: 'acme',
      }
      const headers: Record<string, string> = { 'content-type': contentType }
      if (basic) {
        headers.authorization = `Basic ${Buffer.from(`storefront:${secrets.storefront}`).toString('base64')}`
      } else {
        params.client_id = 'storefront'
        params.client_secret = secrets.storefront as string
      }
      const payload =
        contentType === 'application/json'
          ? JSON.stringify(params)
          : new URLSearchParams(params).toString()
      const res = await server.app.inject({ method: 'POST', url: '/oauth/token', headers, payload })
      expect(res.statusCode).toBe(200)
      expect(decodeJwt(res.json().access_token).payload.sub).toBe('storefront@clients')
    })
  }
})

describe('errors, as auth0-facts.md lists them', () => {
  const audience = 'urn:worldmappers'
  const cases: Array<[string, string, Record<string, unknown>, number, Record<string, string>]> = [
    [
      'unknown client',
      'nobody',
      { client_secret: 'x' },
      401,
      { error: 'access_denied', error_description: 'Unauthorized' },
    ],
    [
      'wrong secret',
      'gift-deliveries',
      { client_secret: 'wrong' },
      401,
      { error: 'access_denied', error_description: 'Unauthorized' },
    ],
    [
      'missing secret',
      'gift-deliveries',
      { client_secret: undefined },
      401,
      { error: 'access_denied', error_description: 'Unauthorized' },
    ],
    [
      'an audience that is no API',
      'gift-deliveries',
      { audience: 'urn:nothing' },
      403,
      {
        error: 'access_denied',
        error_description: 'Service not enabled within domain: urn:nothing',
      },
    ],
    [
      'no client grant for the API',
      'limited',
      { audience: 'urn:gift-deliveries' },
      403,
      {
        error: 'access_denied',
        error_description:
          'Client is not authorized to access "urn:gift-deliveries". You need to create a "client-grant" associated to this API.',
      },
    ],
    [
      'a scope outside the grant',
      'limited',
      { scope: 'reverse-geocode:location geocode:location directions' },
      403,
      {
        error: 'access_denied',
        error_description: 'Client has not been granted scopes: geocode:location directions',
      },
    ],
    [
      'client credentials not enabled on the client',
      'interactive',
      {},
      403,
      {
        error: 'unauthorized_client',
        error_description: "Grant type 'client_credentials' not allowed for the client.",
        error_uri: 'https://auth0.com/docs/clients/client-grant-types',
      },
    ],
    [
      'a missing audience with no tenant default',
      'gift-deliveries',
      { audience: undefined },
      403,
      {
        error: 'access_denied',
        error_description: 'Non-global clients are not allowed access to APIv1',
      },
    ],
    [
      'a missing grant_type',
      'gift-deliveries',
      { grant_type: undefined },
      400,
      { error: 'invalid_request', error_description: 'Missing required parameter: grant_type' },
    ],
    [
      'an unsupported grant_type',
      'gift-deliveries',
      { grant_type: 'password' },
      400,
      { error: 'unsupported_grant_type', error_description: 'Unsupported grant type: password' },
    ],
    [
      'a missing client_id',
      '',
      { client_id: undefined },
      400,
      { error: 'invalid_request', error_description: 'Missing required parameter: client_id' },
    ],
    [
      'a non-string parameter',
      'gift-deliveries',
      { scope: ['directions'] },
      400,
      { error: 'invalid_request', error_description: 'Invalid parameter scope: must be a string' },
    ],
    [
      'an action denial (invalid_request -> 400)',
      'banned',
      {},
      400,
      { error: 'invalid_request', error_description: 'This device has been banned' },
    ],
    [
      'an action that throws',
      'exploding',
      {},
      500,
      { error: 'server_error', error_description: 'Action "throws" failed to execute' },
    ],
    [
      'an unknown organization',
      'gift-deliveries',
      { organization: 'nope' },
      400,
      { error: 'invalid_request', error_description: 'Organization not found: nope' },
    ],
    [
      'an organization on a grant that denies them',
      'limited',
      { organization: 'acme' },
      403,
      {
        error: 'access_denied',
        error_description: 'The client grant does not allow organizations',
      },
    ],
    [
      'an organization not tied to the grant',
      'gift-deliveries',
      { organization: 'other' },
      403,
      {
        error: 'access_denied',
        error_description: 'Organization other is not associated with this client grant',
      },
    ],
    [
      'no organization where the grant requires one',
      'storefront',
      { audience: 'urn:gift-deliveries' },
      403,
      { error: 'access_denied', error_description: 'The client grant requires an organization' },
    ],
  ]
  for (const [name, clientId, params, status, body] of cases) {
    it(`${status} for ${name}`, async () => {
      const res = await tokenRequest(server.app, clientId, { audience, ...params })
      expect(res.statusCode).toBe(status)
      expect(res.json()).toEqual(body)
      expect(res.body).not.toContain(secrets[clientId] ?? '\u0000')
    })
  }

  it('400 for client authentication in both the header and the body', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { authorization: `Basic ${Buffer.from('storefront:x').toString('base64')}` },
      payload: { grant_type: 'client_credentials', client_secret: 'y', audience },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toBe('invalid_request')
  })

  it('400 invalid_request for a malformed JSON body, and 413 for an oversized one', async () => {
    const bad = await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/json' },
      payload: '{"grant_type":',
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error).toBe('invalid_request')
    const big = await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ grant_type: 'client_credentials', pad: 'x'.repeat(20_000) }),
    })
    expect(big.statusCode).toBe(413)
  })

  for (const mode of ['async-throw', 'busy']) {
    it(`survives an action that ${mode === 'busy' ? 'blocks its thread' : 'throws from a timer'}`, async () => {
      await server.state.updateClient('exploding', { client_metadata: { explode: mode } })
      const [failed, other] = await Promise.all([
        tokenRequest(server.app, 'exploding'),
        tokenRequest(server.app, 'limited'),
      ])
      expect(failed.statusCode).toBe(500)
      expect(failed.json()).toEqual({
        error: 'server_error',
        error_description: 'Action "throws" failed to execute',
      })
      expect(other.statusCode).toBe(200)
      await server.state.updateClient('exploding', { client_metadata: { explode: 'throw' } })
      expect((await tokenRequest(server.app, 'gift-deliveries')).statusCode).toBe(200)
    })
  }

  it('fails an action that runs too long, without hanging', async () => {
    await server.state.updateClient('exploding', { client_metadata: { explode: 'hang' } })
    const res = await tokenRequest(server.app, 'exploding')
    expect(res.statusCode).toBe(500)
    expect(res.json().error).toBe('server_error')
    await server.state.updateClient('exploding', { client_metadata: { explode: 'throw' } })
  })
})

describe('discovery and JWKS', () => {
  it('serves the OpenID configuration with the issuer and endpoints', async () => {
    const res = await server.app.inject('/.well-known/openid-configuration')
    expect(res.json()).toMatchObject({
      issuer: ISSUER,
      token_endpoint: `${ISSUER}oauth/token`,
      jwks_uri: `${ISSUER}.well-known/jwks.json`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: [
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
      ],
      token_endpoint_auth_signing_alg_values_supported: ['RS256', 'RS384', 'PS256'],
    })
  })

  it('publishes the current and next keys, public parts only', async () => {
    const { keys } = (await server.app.inject('/.well-known/jwks.json')).json()
    expect(keys).toHaveLength(2)
    for (const key of keys) {
      // Auth0's members: the public key, and its certificate (x5c, x5t); never a private part.
      expect(Object.keys(key).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use', 'x5c', 'x5t'])
    }
  })
})
