import { createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { selfSignedCertificate } from '../src/keys/self-signed-cert.js'
import { ASSERTION_REFUSALS, CLIENT_ASSERTION_TYPE } from '../src/oauth/client-assertion.js'
import { assertionClaims, rsaKeyPair, signAssertion } from './helpers/client-assertion.js'
import { managementServerPerTest } from './helpers/management-harness.js'
import { tokenRequest } from './helpers/test-server.js'
import { ISSUER, MANAGEMENT_AUDIENCE, MANAGEMENT_SCOPES } from './helpers/test-tenant.js'

/**
 * `/api/v2/clients/:id/credentials` and `client_authentication_methods`, as
 * Auth0's Management API ("Client credentials", "Configure Private Key JWT
 * Authentication"): a credential is created, then enabled on the client, which
 * from then on authenticates with assertions only. Answers never hold a key.
 */

const h = managementServerPerTest('client-credentials')
const call = h.call
const one = rsaKeyPair()
const two = rsaKeyPair()
const three = rsaKeyPair()

/** The RFC 7638 §3.1 example key, and its thumbprint. */
const RFC7638_KEY = createPublicKey({
  key: {
    kty: 'RSA',
    e: 'AQAB',
    n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  },
  format: 'jwk',
})
const RFC7638_THUMBPRINT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'

const inAYear = () => new Date(Date.now() + 365 * 86_400_000).toISOString()

function assertionToken(clientId: string, pair = one, params: Record<string, unknown> = {}) {
  return h.server.app.inject({
    method: 'POST',
    url: '/oauth/token',
    payload: {
      grant_type: 'client_credentials',
      client_id: clientId,
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: signAssertion(assertionClaims(clientId, ISSUER), { key: pair.privateKey }),
      audience: 'urn:worldmappers',
      ...params,
    },
  })
}

/** Creates a credential on a client and enables it: the client is private_key_jwt from then on. */
async function switchToKeys(clientId: string, pems: string[]) {
  const ids: string[] = []
  for (const pem of pems) {
    const created = await call('POST', `/api/v2/clients/${clientId}/credentials`, {
      credential_type: 'public_key',
      pem,
    })
    expect(created.statusCode, created.body).toBe(201)
    ids.push(created.json().id)
  }
  const patched = await call('PATCH', `/api/v2/clients/${clientId}`, {
    token_endpoint_auth_method: null,
    client_authentication_methods: { private_key_jwt: { credentials: ids.map((id) => ({ id })) } },
  })
  expect(patched.statusCode, patched.body).toBe(200)
  return ids
}

describe('client credentials', () => {
  it('creates, lists, reads and deletes credentials, never answering with the key', async () => {
    const expiresAt = inAYear()
    const created = await call('POST', '/api/v2/clients/limited/credentials', {
      credential_type: 'public_key',
      name: 'limited key 1',
      pem: one.publicPem,
      alg: 'PS256',
      expires_at: expiresAt,
    })
    expect(created.statusCode).toBe(201)
    const credential = created.json()
    expect(credential).toEqual({
      id: expect.stringMatching(/^cred_\w+$/),
      name: 'limited key 1',
      credential_type: 'public_key',
      kid: expect.stringMatching(/^[\w-]{43}$/),
      alg: 'PS256',
      created_at: expect.any(String),
      updated_at: expect.any(String),
      expires_at: expiresAt,
    })
    const list = await call('GET', '/api/v2/clients/limited/credentials')
    expect(list.json()).toEqual([credential])
    const read = await call('GET', `/api/v2/clients/limited/credentials/${credential.id}`)
    expect(read.json()).toEqual(credential)
    for (const res of [created, list, read]) expect(res.body).not.toContain('BEGIN')

    // Created, not enabled: the client still authenticates with its secret.
    expect((await tokenRequest(h.server.app, 'limited')).statusCode).toBe(200)

    const deleted = await call('DELETE', `/api/v2/clients/limited/credentials/${credential.id}`)
    expect(deleted.statusCode).toBe(204)
    const gone = await call('GET', `/api/v2/clients/limited/credentials/${credential.id}`)
    expect(gone.statusCode).toBe(404)
    expect(gone.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'The credential does not exist',
      errorCode: 'inexistent_client_credential',
    })
    expect((await call('GET', '/api/v2/clients/limited/credentials')).json()).toEqual([])
  })

  it('names a key by its RFC 7638 thumbprint, or by the kid it is given', async () => {
    const pem = RFC7638_KEY.export({ type: 'spki', format: 'pem' }).toString()
    const byThumbprint = await call('POST', '/api/v2/clients/limited/credentials', {
      credential_type: 'public_key',
      pem,
    })
    expect(byThumbprint.json()).toMatchObject({ kid: RFC7638_THUMBPRINT, alg: 'RS256' })
    const named = await call('POST', '/api/v2/clients/storefront/credentials', {
      credential_type: 'public_key',
      pem: one.publicPem,
      kid: 'storefront-key-2027',
    })
    expect(named.json().kid).toBe('storefront-key-2027')
  })

  it('takes a PKCS#1 public key and an X.509 certificate (its expiry too, if asked)', async () => {
    const publicPkcs1 = createPublicKey(two.privateKey)
      .export({ type: 'pkcs1', format: 'pem' })
      .toString()
    const fromPkcs1 = await call('POST', '/api/v2/clients/limited/credentials', {
      credential_type: 'public_key',
      pem: publicPkcs1,
    })
    expect(fromPkcs1.statusCode, fromPkcs1.body).toBe(201)

    const cert = selfSignedCertificate(
      generateKeyPairSync('rsa', { modulusLength: 2048 }),
      'a.test',
    )
    const fromCert = await call('POST', '/api/v2/clients/storefront/credentials', {
      credential_type: 'public_key',
      pem: cert,
      parse_expiry_from_cert: true,
    })
    expect(fromCert.statusCode, fromCert.body).toBe(201)
    expect(fromCert.json().expires_at).toBe(
      new Date(new X509Certificate(cert).validTo).toISOString(),
    )
  })

  it('holds two credentials per client at most, as Auth0 does', async () => {
    for (const pair of [one, two]) {
      const res = await call('POST', '/api/v2/clients/limited/credentials', {
        credential_type: 'public_key',
        pem: pair.publicPem,
      })
      expect(res.statusCode).toBe(201)
    }
    const third = await call('POST', '/api/v2/clients/limited/credentials', {
      credential_type: 'public_key',
      pem: three.publicPem,
    })
    expect(third.statusCode).toBe(400)
    expect(third.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'A client has at most 2 credentials: delete one first',
      errorCode: 'too_many_credentials',
    })
  })

  it('refuses the same key twice on a client (409)', async () => {
    const body = { credential_type: 'public_key', pem: one.publicPem }
    expect((await call('POST', '/api/v2/clients/limited/credentials', body)).statusCode).toBe(201)
    const again = await call('POST', '/api/v2/clients/limited/credentials', body)
    expect(again.statusCode).toBe(409)
    expect(again.json().errorCode).toBe('credential_conflict')
  })

  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
    type: 'spki',
    format: 'pem',
  })
  const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
    type: 'spki',
    format: 'pem',
  })
  const badBodies: Array<[string, Record<string, unknown>, string]> = [
    [
      'a private key',
      { pem: one.privatePem },
      'body/pem is a private key: register its public key only',
    ],
    [
      'text that is no PEM',
      { pem: 'ssh-rsa AAAAB3NzaC1yc2E' },
      'body/pem must be one PEM block: a PUBLIC KEY (SPKI), an RSA PUBLIC KEY (PKCS#1) or a CERTIFICATE',
    ],
    [
      'a PEM block with a broken body',
      { pem: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' },
      'body/pem is not a valid PEM public key',
    ],
    ['an EC key', { pem: ec }, 'body/pem must be an RSA key (got ec key)'],
    [
      'a 1024-bit RSA key',
      { pem: weak },
      'body/pem must be an RSA key of 2048 to 8192 bits (got 1024)',
    ],
    ['no pem', {}, 'body/pem is required'],
    [
      'an mTLS credential type',
      { credential_type: 'x509_cert', pem: one.publicPem },
      'body/credential_type only public_key credentials (private_key_jwt) are supported by the local tenant',
    ],
    [
      'an expires_at in the past',
      { pem: one.publicPem, expires_at: '2020-01-01T00:00:00Z' },
      'body/expires_at must be in the future',
    ],
    [
      'an expires_at that is no date',
      { pem: one.publicPem, expires_at: 'next year' },
      'body/expires_at must be an ISO 8601 date and time',
    ],
    [
      'parse_expiry_from_cert with a bare key',
      { pem: one.publicPem, parse_expiry_from_cert: true },
      'body/parse_expiry_from_cert needs a pem that is an X.509 certificate',
    ],
    [
      'alg HS256',
      { pem: one.publicPem, alg: 'HS256' },
      'body/alg must be equal to one of the allowed values',
    ],
    ['a kid too short', { pem: one.publicPem, kid: 'k1' }, 'body/kid must match pattern'],
    [
      'an unknown field',
      { pem: one.publicPem, private_key: 'x' },
      'body must not have the property "private_key"',
    ],
  ]
  for (const [name, body, message] of badBodies) {
    it(`answers 400 naming the field for ${name}, never a 500`, async () => {
      const res = await call('POST', '/api/v2/clients/limited/credentials', {
        credential_type: 'public_key',
        ...body,
      })
      expect(res.statusCode, res.body).toBe(400)
      expect(res.json()).toMatchObject({ statusCode: 400, error: 'Bad Request' })
      expect(res.json().message).toContain(message)
      expect(res.body).not.toContain('BEGIN')
    })
  }

  it('answers 404 for an unknown client', async () => {
    const res = await call('POST', '/api/v2/clients/nobody/credentials', {
      credential_type: 'public_key',
      pem: one.publicPem,
    })
    expect(res.statusCode).toBe(404)
    expect(res.json().errorCode).toBe('inexistent_client')
  })

  it('changes and clears expires_at (PATCH)', async () => {
    const created = (
      await call('POST', '/api/v2/clients/limited/credentials', {
        credential_type: 'public_key',
        pem: one.publicPem,
      })
    ).json()
    const url = `/api/v2/clients/limited/credentials/${created.id}`
    const at = inAYear()
    const set = await call('PATCH', url, { expires_at: at })
    expect(set.statusCode, set.body).toBe(200)
    expect(set.json()).toMatchObject({ id: created.id, kid: created.kid, expires_at: at })
    const cleared = await call('PATCH', url, { expires_at: null })
    expect(cleared.json()).not.toHaveProperty('expires_at')
    const past = await call('PATCH', url, { expires_at: '2001-01-01' })
    expect(past.statusCode).toBe(400)
    expect(past.json().message).toContain('body/expires_at must be in the future')
  })
})

describe('client_authentication_methods', () => {
  it('switches a client to private_key_jwt: its secret is refused, its keys accepted', async () => {
    const [id] = await switchToKeys('gift-deliveries', [one.publicPem])
    const client = (await call('GET', '/api/v2/clients/gift-deliveries')).json()
    expect(client).toMatchObject({
      token_endpoint_auth_method: null,
      client_authentication_methods: { private_key_jwt: { credentials: [{ id }] } },
    })
    expect(client).not.toHaveProperty('credentials')
    const secret = await tokenRequest(h.server.app, 'gift-deliveries')
    expect(secret.statusCode).toBe(401)
    expect(secret.json().error).toBe('invalid_client')
    expect((await assertionToken('gift-deliveries')).statusCode).toBe(200)

    // An expired credential verifies nothing.
    await h.server.state.updateClient('gift-deliveries', {
      credentials: h.server.state
        .client('gift-deliveries')
        ?.credentials?.map((c) => ({ ...c, expires_at: '2020-01-01T00:00:00.000Z' })),
    })
    const stale = await assertionToken('gift-deliveries')
    expect(stale.json()).toEqual({
      error: 'invalid_client',
      error_description: ASSERTION_REFUSALS.credentialExpired,
    })
  })

  it('switches back to the secret with client_authentication_methods: null', async () => {
    await switchToKeys('storefront', [one.publicPem])
    // A secret method cannot come back while private_key_jwt stays on.
    const refused = await call('PATCH', '/api/v2/clients/storefront', {
      token_endpoint_auth_method: 'client_secret_post',
    })
    expect(refused.statusCode).toBe(400)
    expect(refused.json().message).toContain('body/token_endpoint_auth_method cannot be set')
    const back = await call('PATCH', '/api/v2/clients/storefront', {
      client_authentication_methods: null,
      token_endpoint_auth_method: 'client_secret_post',
    })
    expect(back.statusCode, back.body).toBe(200)
    expect(back.json().token_endpoint_auth_method).toBe('client_secret_post')
    expect(back.json()).not.toHaveProperty('client_authentication_methods')
    const secret = await tokenRequest(h.server.app, 'storefront', {
      audience: 'urn:gift-deliveries',
      organization: 'acme',
    })
    expect(secret.statusCode, secret.body).toBe(200)
    const key = await assertionToken('storefront')
    expect(key.json().error_description).toBe(ASSERTION_REFUSALS.notPrivateKeyJwt)
  })

  it('enables credentials of the client only, each once', async () => {
    const mine = (
      await call('POST', '/api/v2/clients/limited/credentials', {
        credential_type: 'public_key',
        pem: one.publicPem,
      })
    ).json()
    const theirs = (
      await call('POST', '/api/v2/clients/storefront/credentials', {
        credential_type: 'public_key',
        pem: two.publicPem,
      })
    ).json()
    const foreign = await call('PATCH', '/api/v2/clients/limited', {
      client_authentication_methods: { private_key_jwt: { credentials: [{ id: theirs.id }] } },
    })
    expect(foreign.statusCode).toBe(400)
    expect(foreign.json().message).toBe(
      `Payload validation error: body/client_authentication_methods/private_key_jwt/credentials/0/id names no credential of this client (${theirs.id})`,
    )
    const twice = await call('PATCH', '/api/v2/clients/limited', {
      client_authentication_methods: {
        private_key_jwt: { credentials: [{ id: mine.id }, { id: mine.id }] },
      },
    })
    expect(twice.statusCode).toBe(400)
    const mtls = await call('PATCH', '/api/v2/clients/limited', {
      client_authentication_methods: { tls_client_auth: { credentials: [{ id: mine.id }] } },
    })
    expect(mtls.statusCode).toBe(400)
    expect(mtls.json().message).toContain('must not have the property "tls_client_auth"')
  })

  it('refuses to delete an enabled credential, then deletes it once disabled', async () => {
    const [first, second] = await switchToKeys('limited', [one.publicPem, two.publicPem])
    const inUse = await call('DELETE', `/api/v2/clients/limited/credentials/${first}`)
    expect(inUse.statusCode).toBe(400)
    expect(inUse.json().errorCode).toBe('credential_in_use')
    // Rotation: keep the second key only, then delete the first.
    await call('PATCH', '/api/v2/clients/limited', {
      client_authentication_methods: { private_key_jwt: { credentials: [{ id: second }] } },
    })
    expect((await call('DELETE', `/api/v2/clients/limited/credentials/${first}`)).statusCode).toBe(
      204,
    )
    expect((await assertionToken('limited', one)).json().error_description).toBe(
      ASSERTION_REFUSALS.signature,
    )
    expect((await assertionToken('limited', two)).statusCode).toBe(200)
  })

  it('creates a client with its credentials (POST /clients), private_key_jwt at once', async () => {
    const created = await call('POST', '/api/v2/clients', {
      name: 'Keyed Reports',
      app_type: 'non_interactive',
      client_authentication_methods: {
        private_key_jwt: {
          credentials: [{ credential_type: 'public_key', name: 'reports key', pem: one.publicPem }],
        },
      },
    })
    expect(created.statusCode, created.body).toBe(201)
    const client = created.json()
    expect(client.token_endpoint_auth_method).toBeNull()
    expect(client.client_authentication_methods.private_key_jwt.credentials).toHaveLength(1)
    // It refuses its secret, so the secret is not shown (rotate it to switch back).
    expect(client).not.toHaveProperty('client_secret')
    await call('POST', '/api/v2/client-grants', {
      client_id: client.client_id,
      audience: 'urn:worldmappers',
      scope: ['directions'],
    })
    expect((await assertionToken(client.client_id)).statusCode).toBe(200)

    const bad = await call('POST', '/api/v2/clients', {
      name: 'Bad keys',
      client_authentication_methods: {
        private_key_jwt: { credentials: [{ credential_type: 'public_key', pem: 'nope' }] },
      },
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().message).toContain(
      'body/client_authentication_methods/private_key_jwt/credentials/0/pem must be one PEM block',
    )
  })

  it('keeps credentials and the switch across a restart, file client or not', async () => {
    const [id] = await switchToKeys('gift-deliveries', [one.publicPem])
    const made = (
      await call('POST', '/api/v2/clients', {
        name: 'Keyed Nightly',
        client_authentication_methods: {
          private_key_jwt: { credentials: [{ credential_type: 'public_key', pem: two.publicPem }] },
        },
      })
    ).json()
    await call('POST', '/api/v2/client-grants', {
      client_id: made.client_id,
      audience: 'urn:worldmappers',
      scope: ['directions'],
    })
    await h.restart()
    expect((await call('GET', '/api/v2/clients/gift-deliveries/credentials')).json()).toEqual([
      expect.objectContaining({ id }),
    ])
    expect((await tokenRequest(h.server.app, 'gift-deliveries')).statusCode).toBe(401)
    expect((await assertionToken('gift-deliveries')).statusCode).toBe(200)
    expect((await assertionToken(made.client_id, two)).statusCode).toBe(200)
    // The state file holds public keys only.
    const state = await readFile(join(h.dataDir, 'tenant-state.json'), 'utf8')
    expect(state).toContain('BEGIN PUBLIC KEY')
    expect(state).not.toContain('PRIVATE')
  })
})

describe('protection', () => {
  const routes: Array<[string, string, string, unknown?]> = [
    ['GET', '/api/v2/clients/limited/credentials', 'read:client_credentials'],
    [
      'POST',
      '/api/v2/clients/limited/credentials',
      'create:client_credentials',
      { credential_type: 'public_key', pem: 'x' },
    ],
    ['GET', '/api/v2/clients/limited/credentials/cred_x', 'read:client_credentials'],
    [
      'PATCH',
      '/api/v2/clients/limited/credentials/cred_x',
      'update:client_credentials',
      { expires_at: null },
    ],
    ['DELETE', '/api/v2/clients/limited/credentials/cred_x', 'delete:client_credentials'],
  ]
  for (const [method, url, scope, body] of routes) {
    it(`${method} ${url} needs a token (401) and ${scope} (403)`, async () => {
      const anonymous = await h.server.app.inject({
        method: method as 'GET',
        url,
        ...(body ? { payload: body as object } : {}),
      })
      expect(anonymous.statusCode).toBe(401)
      expect(anonymous.json().errorCode).toBe('unauthorized')

      await h.server.state.addClientGrant({
        id: 'cgr_partial',
        client_id: 'limited',
        audience: MANAGEMENT_AUDIENCE,
        scope: MANAGEMENT_SCOPES.filter((s) => s !== scope),
      })
      const partial = (
        await tokenRequest(h.server.app, 'limited', { audience: MANAGEMENT_AUDIENCE })
      ).json().access_token
      const refused = await h.server.app.inject({
        method: method as 'GET',
        url,
        headers: { authorization: `Bearer ${partial}` },
        ...(body ? { payload: body as object } : {}),
      })
      expect(refused.statusCode).toBe(403)
      expect(refused.json()).toEqual({
        statusCode: 403,
        error: 'Forbidden',
        message: `Insufficient scope, expected any of: ${scope}`,
        errorCode: 'insufficient_scope',
      })
    })
  }
})
