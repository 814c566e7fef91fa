import { webcrypto } from 'node:crypto'
import { createMemoryReplayCache } from '@m2m/auth/dpop'
import { createManagementAuth } from 'auth0'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildPublicKeyCredential } from '../src/credentials/public-key-credential.js'
import { ASSERTION_REFUSALS, CLIENT_ASSERTION_TYPE } from '../src/oauth/client-assertion.js'
import { hashSecret } from '../src/secrets.js'
import type { Client, ClientAssertionAlg, ClientCredential } from '../src/tenant/model.js'
import {
  assertionClaims,
  type RsaKeyPair,
  rsaKeyPair,
  signAssertion,
} from './helpers/client-assertion.js'
import { buildTestServer, decodeJwt, tokenRequest } from './helpers/test-server.js'
import { ISSUER, MANAGEMENT_AUDIENCE } from './helpers/test-tenant.js'

/**
 * `private_key_jwt` client authentication at `POST /oauth/token` (RFC 7523,
 * OIDC Core §9, Auth0's "Authenticate with Private Key JWT"): the clients below
 * register RSA public keys; their assertions are signed here with the private
 * halves, the way a client library signs them.
 */

const MIXED_SECRET = 'mixed-client-secret-0123456789abcdefghijklmnop'
let server: Awaited<ReturnType<typeof buildTestServer>>
const keys: Record<'a' | 'b' | 'r' | 'p' | 'q' | 'e' | 'm' | 'stranger', RsaKeyPair> = {} as never
const kids: Record<string, string> = {}

function credential(
  id: string,
  pair: RsaKeyPair,
  alg: ClientAssertionAlg,
  extra: { kid?: string; expires_at?: string } = {},
): ClientCredential {
  const built = buildPublicKeyCredential(
    { pem: pair.publicPem, alg, ...extra },
    { now: new Date(), refusePastExpiry: false },
  )
  if (!built.ok) throw new Error(built.problem.message)
  kids[id] = built.credential.kid
  return { ...built.credential, id }
}

async function keyClient(
  clientId: string,
  credentials: ClientCredential[],
  enabled: string[],
  extra: Partial<Client> = {},
): Promise<Client> {
  return {
    client_id: clientId,
    name: `Key client ${clientId}`,
    app_type: 'non_interactive',
    grant_types: ['client_credentials'],
    token_endpoint_auth_method: 'client_secret_post',
    client_metadata: {},
    client_secret_hash: await hashSecret(clientId === 'mixed' ? MIXED_SECRET : `${clientId}-x`),
    credentials,
    client_authentication_methods: {
      private_key_jwt: { credentials: enabled.map((id) => ({ id })) },
    },
    ...extra,
  }
}

beforeAll(async () => {
  for (const name of ['a', 'b', 'r', 'p', 'q', 'e', 'm', 'stranger'] as const) {
    keys[name] = rsaKeyPair()
  }
  const clients = [
    // Two keys, as during a rotation: one named by its thumbprint, one by a kid of its own.
    await keyClient(
      'rotating',
      [
        credential('cred_a', keys.a, 'RS256'),
        credential('cred_b', keys.b, 'RS256', { kid: 'key-b-0123456789' }),
      ],
      ['cred_a', 'cred_b'],
    ),
    await keyClient('rs384', [credential('cred_r', keys.r, 'RS384')], ['cred_r']),
    // cred_q is registered but not enabled.
    await keyClient(
      'pss',
      [credential('cred_p', keys.p, 'PS256'), credential('cred_q', keys.q, 'RS256')],
      ['cred_p'],
    ),
    await keyClient(
      'stale',
      [credential('cred_e', keys.e, 'RS256', { expires_at: '2020-01-01T00:00:00Z' })],
      ['cred_e'],
    ),
    // The tenant file's extension: the secret keeps working beside the keys.
    await keyClient('mixed', [credential('cred_m', keys.m, 'RS256')], ['cred_m'], {
      client_authentication_methods: {
        private_key_jwt: { credentials: [{ id: 'cred_m' }] },
        client_secret_post: {},
      },
    }),
  ]
  server = await buildTestServer({
    editTenant: (tenant) => {
      tenant.clients.push(...clients)
      for (const client of clients) {
        tenant.clientGrants.push({
          id: `cgr_${client.client_id}`,
          client_id: client.client_id,
          audience: 'urn:worldmappers',
          scope: ['directions'],
        })
      }
    },
  })
})
afterAll(async () => {
  await server.app.close()
})

/** `POST /oauth/token` with a client assertion (and `client_id` unless told otherwise). */
function assertionRequest(
  assertion: string,
  params: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  return server.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers,
    payload: {
      grant_type: 'client_credentials',
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: assertion,
      audience: 'urn:worldmappers',
      ...params,
    },
  })
}

const signedBy = (
  clientId: string,
  pair: RsaKeyPair,
  options: { alg?: string; header?: Record<string, unknown>; claims?: object } = {},
) =>
  signAssertion(assertionClaims(clientId, ISSUER, options.claims), {
    key: pair.privateKey,
    ...(options.alg ? { alg: options.alg } : {}),
    ...(options.header ? { header: options.header } : {}),
  })

describe('private_key_jwt: tokens', () => {
  const algorithms: Array<[ClientAssertionAlg, string, keyof typeof keys]> = [
    ['RS256', 'rotating', 'a'],
    ['RS384', 'rs384', 'r'],
    ['PS256', 'pss', 'p'],
  ]
  for (const [alg, clientId, key] of algorithms) {
    it(`issues a token for an assertion signed with ${alg}`, async () => {
      const assertion = signedBy(clientId, keys[key], { alg })
      const res = await assertionRequest(assertion, { client_id: clientId })
      expect(res.statusCode, res.body).toBe(200)
      const { payload } = decodeJwt(res.json().access_token)
      expect(payload).toMatchObject({
        sub: `${clientId}@clients`,
        azp: clientId,
        aud: 'urn:worldmappers',
        scope: 'directions',
        gty: 'client-credentials',
      })
      expect(res.body).not.toContain(assertion)
    })
  }

  it('picks the credential the kid names', async () => {
    for (const [pair, kid] of [
      [keys.a, kids.cred_a],
      [keys.b, 'key-b-0123456789'],
    ] as const) {
      const res = await assertionRequest(signedBy('rotating', pair, { header: { kid } }))
      expect(res.statusCode, res.body).toBe(200)
    }
  })

  it('tries every enabled credential when there is no kid (either key of a rotation works)', async () => {
    for (const pair of [keys.a, keys.b]) {
      const res = await assertionRequest(signedBy('rotating', pair), { client_id: 'rotating' })
      expect(res.statusCode, res.body).toBe(200)
    }
  })

  it('takes the client from the assertion when the request has no client_id', async () => {
    const res = await assertionRequest(signedBy('pss', keys.p, { alg: 'PS256' }))
    expect(res.statusCode, res.body).toBe(200)
    expect(decodeJwt(res.json().access_token).payload.azp).toBe('pss')
  })

  it('takes a form body, as client libraries send it', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'rotating',
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: signedBy('rotating', keys.a),
        audience: 'urn:worldmappers',
      }).toString(),
    })
    expect(res.statusCode, res.body).toBe(200)
  })

  const audiences = [
    ['the issuer (Auth0: https://<domain>/)', ISSUER],
    ['the token endpoint (RFC 7523)', `${ISSUER}oauth/token`],
    ["the issuer's https form (Auth0's SDKs always write https)", 'https://auth.test/'],
    ['a list holding the issuer', ['urn:other', ISSUER]],
  ] as const
  for (const [name, aud] of audiences) {
    it(`accepts the audience ${name}`, async () => {
      const res = await assertionRequest(signedBy('rotating', keys.a, { claims: { aud } }))
      expect(res.statusCode, res.body).toBe(200)
    })
  }

  it('accepts an assertion without iat, and one with nbf (oauth4webapi sends it)', async () => {
    const now = Math.floor(Date.now() / 1000)
    for (const claims of [{ iat: undefined }, { nbf: now }]) {
      const res = await assertionRequest(signedBy('rotating', keys.a, { claims }))
      expect(res.statusCode, res.body).toBe(200)
    }
  })

  it('keeps the secret of a client whose tenant file entry lists a secret method too', async () => {
    const withSecret = await tokenRequest(server.app, 'mixed', { client_secret: MIXED_SECRET })
    expect(withSecret.statusCode, withSecret.body).toBe(200)
    const withKey = await assertionRequest(signedBy('mixed', keys.m))
    expect(withKey.statusCode, withKey.body).toBe(200)
  })
})

describe('private_key_jwt: refusals', () => {
  const now = () => Math.floor(Date.now() / 1000)
  type Case = {
    name: string
    request: () => ReturnType<typeof assertionRequest>
    status: number
    error: string
    description: string
  }
  const invalidClient = (name: string, description: string, request: Case['request']): Case => ({
    name,
    request,
    status: 401,
    error: 'invalid_client',
    description,
  })
  const cases: Case[] = [
    invalidClient('an expired assertion', ASSERTION_REFUSALS.expired, () =>
      assertionRequest(
        signedBy('rotating', keys.a, { claims: { exp: now() - 120, iat: now() - 180 } }),
      ),
    ),
    invalidClient('an exp an hour ahead', ASSERTION_REFUSALS.tooFar, () =>
      assertionRequest(signedBy('rotating', keys.a, { claims: { exp: now() + 3600 } })),
    ),
    invalidClient('an exp 6 minutes after an old iat', ASSERTION_REFUSALS.tooFar, () =>
      assertionRequest(
        signedBy('rotating', keys.a, { claims: { iat: now() - 300, exp: now() + 60 } }),
      ),
    ),
    // The replay record is in memory: what was signed before the tenant started could be a replay.
    invalidClient(
      'an assertion issued before the tenant started',
      ASSERTION_REFUSALS.beforeStart,
      () =>
        assertionRequest(
          signedBy('rotating', keys.a, { claims: { iat: now() - 90, exp: now() + 60 } }),
        ),
    ),
    invalidClient('no exp', ASSERTION_REFUSALS.noExp, () =>
      assertionRequest(signedBy('rotating', keys.a, { claims: { exp: undefined } })),
    ),
    invalidClient('an iat in the future', ASSERTION_REFUSALS.iatInFuture, () =>
      assertionRequest(signedBy('rotating', keys.a, { claims: { iat: now() + 120 } })),
    ),
    invalidClient('an nbf in the future', ASSERTION_REFUSALS.notYetValid, () =>
      assertionRequest(signedBy('rotating', keys.a, { claims: { nbf: now() + 120 } })),
    ),
    invalidClient('no jti', ASSERTION_REFUSALS.noJti, () =>
      assertionRequest(signedBy('rotating', keys.a, { claims: { jti: undefined } })),
    ),
    invalidClient("another tenant's URL as audience", ASSERTION_REFUSALS.audience, () =>
      assertionRequest(
        signedBy('rotating', keys.a, { claims: { aud: 'https://other-tenant.auth0.com/' } }),
      ),
    ),
    invalidClient('iss other than sub', ASSERTION_REFUSALS.issSub, () =>
      assertionRequest(signedBy('rotating', keys.a, { claims: { iss: 'pss' } })),
    ),
    invalidClient('a sub other than the client_id', ASSERTION_REFUSALS.subNotClientId, () =>
      assertionRequest(signedBy('rotating', keys.a), { client_id: 'pss' }),
    ),
    invalidClient('a key nobody registered', ASSERTION_REFUSALS.signature, () =>
      assertionRequest(signedBy('rotating', keys.stranger)),
    ),
    invalidClient('a registered key that is not enabled', ASSERTION_REFUSALS.signature, () =>
      assertionRequest(signedBy('pss', keys.q)),
    ),
    invalidClient('a key of another client', ASSERTION_REFUSALS.signature, () =>
      assertionRequest(signedBy('rotating', keys.r, { alg: 'RS256' })),
    ),
    invalidClient('a kid no credential has', ASSERTION_REFUSALS.unknownKid, () =>
      assertionRequest(signedBy('rotating', keys.a, { header: { kid: 'no-such-kid-0000' } })),
    ),
    invalidClient(
      'an alg other than that of the kid',
      'The client assertion is signed with RS384, but the credential with its kid is for RS256',
      () =>
        assertionRequest(
          signedBy('rotating', keys.a, { alg: 'RS384', header: { kid: kids.cred_a } }),
        ),
    ),
    invalidClient('alg none', ASSERTION_REFUSALS.alg, () =>
      assertionRequest(signAssertion(assertionClaims('rotating', ISSUER), { alg: 'none' })),
    ),
    // The classic confusion: the public key (which is public) used as an HMAC secret.
    invalidClient('HS256 keyed with the public key', ASSERTION_REFUSALS.alg, () =>
      assertionRequest(
        signAssertion(assertionClaims('rotating', ISSUER), {
          alg: 'HS256',
          hmacSecret: keys.a.publicPem,
        }),
      ),
    ),
    invalidClient('RS512 (not an Auth0 credential algorithm)', ASSERTION_REFUSALS.alg, () =>
      assertionRequest(signedBy('rotating', keys.a, { alg: 'RS512' })),
    ),
    invalidClient('critical header parameters', ASSERTION_REFUSALS.crit, () =>
      assertionRequest(signedBy('rotating', keys.a, { header: { crit: ['exp'], exp: 1 } })),
    ),
    invalidClient('a credential past its expires_at', ASSERTION_REFUSALS.credentialExpired, () =>
      assertionRequest(signedBy('stale', keys.e)),
    ),
    invalidClient(
      'a client that authenticates with a secret',
      ASSERTION_REFUSALS.notPrivateKeyJwt,
      () => assertionRequest(signedBy('gift-deliveries', keys.a)),
    ),
    invalidClient('an unknown client', ASSERTION_REFUSALS.notPrivateKeyJwt, () =>
      assertionRequest(signedBy('nobody', keys.a)),
    ),
    invalidClient('something that is not a JWT', ASSERTION_REFUSALS.malformed, () =>
      assertionRequest('not.a.jwt'),
    ),
    invalidClient('a JWE-shaped value', ASSERTION_REFUSALS.malformed, () =>
      assertionRequest('eyJhbGciOiJSU0EifQ.a.b.c.d'),
    ),
    invalidClient(
      'the secret of a private_key_jwt client',
      'The client authenticates with private_key_jwt: send a client_assertion, not a client_secret',
      () => tokenRequest(server.app, 'rotating', { client_secret: 'rotating-x' }),
    ),
    {
      name: 'a secret and an assertion both',
      request: () =>
        assertionRequest(signedBy('rotating', keys.a), { client_secret: 'rotating-x' }),
      status: 400,
      error: 'invalid_request',
      description:
        'The client must authenticate with one method only: a client secret or a client_assertion',
    },
    {
      name: 'Basic credentials and an assertion both',
      request: () =>
        assertionRequest(
          signedBy('rotating', keys.a),
          {},
          { authorization: `Basic ${Buffer.from('rotating:rotating-x').toString('base64')}` },
        ),
      status: 400,
      error: 'invalid_request',
      description:
        'The client must authenticate with one method only: a client secret or a client_assertion',
    },
    {
      name: 'another client_assertion_type',
      request: () =>
        assertionRequest(signedBy('rotating', keys.a), {
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer',
        }),
      status: 400,
      error: 'invalid_request',
      description: `Invalid parameter client_assertion_type: must be ${CLIENT_ASSERTION_TYPE}`,
    },
    {
      name: 'a client_assertion without its type',
      request: () =>
        assertionRequest(signedBy('rotating', keys.a), { client_assertion_type: undefined }),
      status: 400,
      error: 'invalid_request',
      description: 'Missing required parameter: client_assertion_type',
    },
    {
      name: 'a client_assertion_type without an assertion',
      request: () => assertionRequest('', { client_assertion: undefined }),
      status: 400,
      error: 'invalid_request',
      description: 'Missing required parameter: client_assertion',
    },
  ]
  for (const { name, request, status, error, description } of cases) {
    it(`${status} ${error} for ${name}`, async () => {
      const res = await request()
      expect(res.json()).toEqual({ error, error_description: description })
      expect(res.statusCode).toBe(status)
      expect(res.headers['cache-control']).toBe('no-store')
    })
  }

  it('refuses a replayed assertion (same client and jti) while it could still be valid', async () => {
    const assertion = signedBy('rotating', keys.a)
    expect((await assertionRequest(assertion)).statusCode).toBe(200)
    const again = await assertionRequest(assertion)
    expect(again.statusCode).toBe(401)
    expect(again.json()).toEqual({
      error: 'invalid_client',
      error_description: ASSERTION_REFUSALS.replayed,
    })
    // A new assertion with the same jti, signed again, is the same assertion to the server.
    const { jti } = decodeJwt(assertion).payload
    const resigned = await assertionRequest(signedBy('rotating', keys.b, { claims: { jti } }))
    expect(resigned.json().error_description).toBe(ASSERTION_REFUSALS.replayed)
    // Another client may use the same jti: the cache is per client.
    const other = await assertionRequest(signedBy('pss', keys.p, { alg: 'PS256', claims: { jti } }))
    expect(other.statusCode).toBe(200)
  })

  it('records a jti only once the assertion is authentic (a forgery cannot burn it)', async () => {
    const claims = assertionClaims('rotating', ISSUER)
    const forged = signAssertion(claims, { key: keys.stranger.privateKey })
    expect((await assertionRequest(forged)).json().error_description).toBe(
      ASSERTION_REFUSALS.signature,
    )
    const genuine = signAssertion(claims, { key: keys.a.privateKey })
    expect((await assertionRequest(genuine)).statusCode).toBe(200)
  })

  it('logs each failure as feccft with its description, never the assertion', async () => {
    const assertion = signedBy('rotating', keys.stranger)
    await assertionRequest(assertion)
    const admin = (
      await tokenRequest(server.app, 'admin', { audience: MANAGEMENT_AUDIENCE })
    ).json().access_token
    const logs = await server.app.inject({
      url: `/api/v2/logs?q=${encodeURIComponent('type:feccft AND client_id:rotating')}`,
      headers: { authorization: `Bearer ${admin}` },
    })
    expect(logs.statusCode).toBe(200)
    const events = logs.json() as Array<Record<string, unknown>>
    expect(events.map((e) => e.description)).toContain(ASSERTION_REFUSALS.signature)
    expect(events.find((e) => e.description === ASSERTION_REFUSALS.signature)).toMatchObject({
      client_id: 'rotating',
      client_name: 'Key client rotating',
      details: { error: 'invalid_client', status: 401 },
    })
    expect(logs.body).not.toContain(assertion.split('.')[2])
    const successes = await server.app.inject({
      url: `/api/v2/logs?q=${encodeURIComponent('type:seccft AND client_id:pss')}`,
      headers: { authorization: `Bearer ${admin}` },
    })
    expect(successes.json().length).toBeGreaterThan(0)
  })
})

describe('the replay cache', () => {
  it('forgets a jti once its assertion has expired, and refuses new ones when full', () => {
    let t = 1_000_000
    const cache = createMemoryReplayCache({ now: () => t, maxEntries: 2 })
    expect(cache.remember('a', t + 1_000)).toBe('new')
    expect(cache.remember('a', t + 1_000)).toBe('replayed')
    expect(cache.remember('b', t + 5_000)).toBe('new')
    expect(cache.remember('c', t + 5_000)).toBe('full')
    t += 2_000 // a has expired: swept to make room
    expect(cache.remember('c', t + 5_000)).toBe('new')
    expect(cache.remember('a', t + 1_000)).toBe('full')
    expect(cache.size).toBe(2)
  })
})

/** A fetch that answers from the app in process: the test server's issuer is not a real host. */
async function inProcessFetch(url: string | URL | Request, init: RequestInit = {}) {
  const res = await server.app.inject({
    method: (init.method ?? 'GET') as 'GET',
    url: new URL(String(url)).pathname,
    headers: Object.fromEntries(new Headers(init.headers).entries()),
    ...(init.body ? { payload: String(init.body) } : {}),
  })
  return new Response(res.body, {
    status: res.statusCode,
    headers: res.headers as Record<string, string>,
  })
}

describe('clients no one here wrote', () => {
  it("the auth0 SDK's own clientAssertionSigningKey gets a token (PS256, audience https://<domain>/)", async () => {
    const auth = createManagementAuth({
      domain: new URL(ISSUER).host,
      clientId: 'pss',
      clientAssertionSigningKey: keys.p.privatePem,
      clientAssertionSigningAlg: 'PS256',
      audience: 'urn:worldmappers',
      fetch: inProcessFetch,
    } as Parameters<typeof createManagementAuth>[0])
    const token = await auth.getToken()
    expect(decodeJwt(token).payload).toMatchObject({ azp: 'pss', aud: 'urn:worldmappers' })
  })

  it('oauth4webapi authenticates with PrivateKeyJwt through discovery', async () => {
    const customFetch = async (url: string, init: RequestInit) => {
      const res = await server.app.inject({
        method: (init.method ?? 'GET') as 'GET',
        url: new URL(url).pathname,
        headers: Object.fromEntries(new Headers(init.headers).entries()),
        ...(init.body ? { payload: String(init.body) } : {}),
      })
      return new Response(res.body, {
        status: res.statusCode,
        headers: res.headers as Record<string, string>,
      })
    }
    const options = { [oauth.allowInsecureRequests]: true, [oauth.customFetch]: customFetch }
    const issuer = new URL(ISSUER)
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, options),
    )
    expect(as.token_endpoint_auth_methods_supported).toContain('private_key_jwt')
    const der = keys.r.privateKey.export({ type: 'pkcs8', format: 'der' })
    const privateKey = await webcrypto.subtle.importKey(
      'pkcs8',
      der,
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' },
      false,
      ['sign'],
    )
    const client: oauth.Client = { client_id: 'rs384' }
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.PrivateKeyJwt({ key: privateKey, kid: kids.cred_r as string }),
      { audience: 'urn:worldmappers' },
      options,
    )
    const result = await oauth.processClientCredentialsResponse(as, client, response)
    expect(decodeJwt(result.access_token).payload.azp).toBe('rs384')
  })
})
