import { createPublicKey, type JsonWebKey, verify } from 'node:crypto'
import { createSigner } from 'fast-jwt'
import { describe, expect, it } from 'vitest'
import { openKeyRing } from '../src/keys/key-ring.js'
import { type AccessTokenInput, createAccessTokenSigner } from '../src/oauth/access-token.js'
import { parseTenantDocument } from '../src/tenant/load-tenant.js'
import { type ResourceServer, TOKEN_DIALECTS } from '../src/tenant/model.js'
import { decodeJwt } from './helpers/test-server.js'

// The signer encodes the header once per key and signs with node:crypto
// directly; its tokens must stay what fast-jwt's createSigner made before
// (and what @m2m/bench's fleet re-signs byte for byte): same header, same
// claims in the same order, same RS256 signature.

const ISSUER = 'http://auth.test/'
const api = (token_dialect: ResourceServer['token_dialect']): ResourceServer => ({
  id: 'rs_1',
  name: 'API',
  identifier: 'urn:api',
  scopes: [],
  signing_alg: 'RS256',
  token_lifetime: 3600,
  token_dialect,
})

const inputs: Array<[string, AccessTokenInput]> = [
  [
    'the default profile',
    {
      clientId: 'client-1',
      resourceServer: api('access_token'),
      scopes: ['read:a', 'write:b'],
      organization: undefined,
      customClaims: {},
    },
  ],
  [
    'an organization and custom claims',
    {
      clientId: 'client-2',
      resourceServer: api('access_token'),
      scopes: [],
      organization: {
        id: 'org_1',
        name: 'acme',
        display_name: 'Acme',
        metadata: {},
        client_grant_ids: [],
      },
      customClaims: { 'https://x.test/name': 'Ünïcode ✓', 'https://x.test/n': [1, { a: null }] },
    },
  ],
]

describe('access token signer', () => {
  for (const [name, input] of inputs) {
    it(`gives fast-jwt's token byte for byte: ${name}`, async () => {
      const keys = await openKeyRing(undefined)
      const key = keys.current()
      const sign = createAccessTokenSigner(keys, ISSUER)
      const now = 1_763_900_000_123
      const { token, expiresIn } = sign(input, now)
      expect(expiresIn).toBe(3600)

      const reference = createSigner({
        key: key.privateKeyPem,
        algorithm: 'RS256',
        kid: key.kid,
        header: { alg: 'RS256', typ: 'JWT' },
      })
      expect(token).toBe(reference(decodeJwt(token).payload))
      expect(decodeJwt(token).payload).toMatchObject({
        iss: ISSUER,
        sub: `${input.clientId}@clients`,
        aud: 'urn:api',
        iat: 1_763_900_000,
        exp: 1_763_903_600,
        scope: input.scopes.join(' '),
        gty: 'client-credentials',
        azp: input.clientId,
        ...input.customClaims,
      })
    })
  }

  it("gives fast-jwt's token byte for byte for RFC 9068 (typ at+jwt, jti)", async () => {
    const keys = await openKeyRing(undefined)
    const key = keys.current()
    const sign = createAccessTokenSigner(keys, ISSUER)
    const { token } = sign({
      clientId: 'client-3',
      resourceServer: api('rfc9068_profile'),
      scopes: ['read:a'],
      organization: undefined,
      customClaims: {},
    })
    const { header, payload } = decodeJwt(token)
    expect(header).toEqual({ alg: 'RS256', typ: 'at+jwt', kid: key.kid })
    expect(payload.client_id).toBe('client-3')
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/)
    expect(payload.gty).toBeUndefined()
    const reference = createSigner({
      key: key.privateKeyPem,
      algorithm: 'RS256',
      kid: key.kid,
      header: { alg: 'RS256', typ: 'at+jwt' },
    })
    expect(token).toBe(reference(payload))
  })

  // Auth0's token_dialect (node-auth0 ResourceServerTokenDialectSchemaEnum): "access_token_authz
  // and rfc9068_profile_authz additionally include RBAC permissions claims".
  const dialects: Array<[ResourceServer['token_dialect'], string, Record<string, unknown>]> = [
    ['access_token', 'JWT', { gty: 'client-credentials', permissions: undefined }],
    [
      'access_token_authz',
      'JWT',
      { gty: 'client-credentials', permissions: ['read:a', 'write:b'] },
    ],
    ['rfc9068_profile', 'at+jwt', { client_id: 'client-4', permissions: undefined }],
    [
      'rfc9068_profile_authz',
      'at+jwt',
      { client_id: 'client-4', permissions: ['read:a', 'write:b'] },
    ],
  ]
  for (const [dialect, typ, expected] of dialects) {
    it(`issues the ${dialect} dialect`, async () => {
      const keys = await openKeyRing(undefined)
      const key = keys.current()
      const sign = createAccessTokenSigner(keys, ISSUER)
      const { token } = sign({
        clientId: 'client-4',
        resourceServer: api(dialect),
        scopes: ['read:a', 'write:b'],
        organization: undefined,
        customClaims: {},
      })
      const { header, payload } = decodeJwt(token)
      expect(header.typ).toBe(typ)
      expect(payload.scope).toBe('read:a write:b')
      for (const [claim, value] of Object.entries(expected)) expect(payload[claim]).toEqual(value)
      const reference = createSigner({
        key: key.privateKeyPem,
        algorithm: 'RS256',
        kid: key.kid,
        header: { alg: 'RS256', typ },
      })
      expect(token).toBe(reference(payload))
    })
  }

  it('signs with the new current key after a rotation', async () => {
    const keys = await openKeyRing(undefined)
    const sign = createAccessTokenSigner(keys, ISSUER)
    const input = inputs[0]?.[1] as AccessTokenInput
    const before = decodeJwt(sign(input).token).header.kid
    const { kid } = await keys.rotate()
    expect(kid).not.toBe(before)
    const { token } = sign(input)
    expect(decodeJwt(token).header.kid).toBe(kid)
    const [header, payload, signature] = token.split('.') as [string, string, string]
    const jwk = keys.jwks().keys.find((k) => k.kid === kid)
    expect(jwk).toBeDefined()
    const publicKey = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' })
    expect(
      verify(
        'sha256',
        Buffer.from(`${header}.${payload}`),
        publicKey,
        Buffer.from(signature, 'base64url'),
      ),
    ).toBe(true)
  })
})

describe('token dialects in a tenant file', () => {
  it('loads every dialect Auth0 exports (an API with "Add permissions in the access token" is _authz)', async () => {
    const { tenant } = await parseTenantDocument(
      `
resourceServers:
${TOKEN_DIALECTS.map((dialect) => `  - { name: ${dialect}, identifier: "urn:${dialect}", token_dialect: ${dialect} }`).join('\n')}
`,
      'yaml',
      { issuer: ISSUER, baseDir: '.' },
    )
    expect(tenant.resourceServers.filter((r) => !r.is_system).map((r) => r.token_dialect)).toEqual([
      ...TOKEN_DIALECTS,
    ])
  })
})
