import { createPublicKey, type JsonWebKey } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createVerifier as createM2mVerifier } from '@m2m/auth/verify'
import { createVerifier } from 'fast-jwt'
import { describe, expect, it } from 'vitest'
import { openKeyRing } from '../src/keys/key-ring.js'
import { type AccessTokenInput, createAccessTokenSigner } from '../src/oauth/access-token.js'
import { openTenantState } from '../src/state/tenant-state.js'
import { parseTenantDocument } from '../src/tenant/load-tenant.js'
import { type ResourceServer, SIGNING_ALGS, type SigningAlg } from '../src/tenant/model.js'
import { buildTestServer, decodeJwt, tokenRequest } from './helpers/test-server.js'

/**
 * An API's `signing_alg`, as Auth0's Management API defines it
 * (SigningAlgorithmEnum: HS256, RS256, RS512, PS256; "Signing Algorithms" in
 * Auth0's docs): RSA ones with the tenant's key and its kid, HS256 with the
 * API's signing secret. Each token is checked by fast-jwt, a verifier that is
 * not ours.
 */

const ISSUER = 'http://auth.test/'
const SECRET = 'an HS256 signing secret of the API'

const apiWith = (signing_alg: SigningAlg): ResourceServer => ({
  id: 'rs_1',
  name: 'API',
  identifier: 'urn:api',
  scopes: [],
  signing_alg,
  ...(signing_alg === 'HS256' ? { signing_secret: SECRET } : {}),
  token_lifetime: 3600,
  token_dialect: 'access_token',
})

const input = (api: ResourceServer): AccessTokenInput => ({
  clientId: 'client-1',
  resourceServer: api,
  scopes: ['read:a'],
  organization: undefined,
  customClaims: {},
})

describe('access tokens by signing algorithm', () => {
  for (const alg of SIGNING_ALGS) {
    it(`signs ${alg} tokens that another verifier accepts`, async () => {
      const keys = await openKeyRing(undefined)
      const sign = createAccessTokenSigner(keys, ISSUER)
      const { token } = sign(input(apiWith(alg)))
      const { header, payload } = decodeJwt(token)
      expect(header.alg).toBe(alg)
      expect(payload).toMatchObject({ aud: 'urn:api', azp: 'client-1', scope: 'read:a' })

      const jwk = keys.jwks().keys.find((k) => k.kid === keys.current().kid)
      const key =
        alg === 'HS256'
          ? SECRET
          : createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }).export({
              type: 'spki',
              format: 'pem',
            })
      if (alg === 'HS256') expect(header.kid).toBeUndefined()
      else expect(header.kid).toBe(keys.current().kid)
      const verify = createVerifier({ key: key as string, algorithms: [alg] as never })
      expect(verify(token)).toMatchObject({ iss: ISSUER, sub: 'client-1@clients' })
      // The wrong algorithm family does not verify it.
      const other = alg === 'HS256' ? 'RS256' : 'HS256'
      expect(() =>
        createVerifier({ key: key as string, algorithms: [other] as never })(token),
      ).toThrow()
    })
  }

  it('signs PS256 differently each time (a random salt), RS256 the same', async () => {
    const keys = await openKeyRing(undefined)
    const sign = createAccessTokenSigner(keys, ISSUER)
    const at = Date.now()
    expect(sign(input(apiWith('PS256')), at).token).not.toBe(
      sign(input(apiWith('PS256')), at).token,
    )
    expect(sign(input(apiWith('RS256')), at).token).toBe(sign(input(apiWith('RS256')), at).token)
  })
})

describe('signing algorithms in a tenant file', () => {
  const document = `
resourceServers:
  - { name: Legacy, identifier: "urn:legacy", signing_alg: HS256 }
  - { name: Given, identifier: "urn:given", signing_alg: HS256, signing_secret: "sixteen chars at least" }
  - { name: Pss, identifier: "urn:pss", signing_alg: PS256 }
  - { name: Long, identifier: "urn:long", signing_alg: RS512 }
`

  it('loads every algorithm of an export; an HS256 API keeps its generated secret across starts', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'signing-algs-'))
    try {
      const open = async () => {
        const { tenant } = await parseTenantDocument(document, 'yaml', {
          issuer: ISSUER,
          baseDir: '.',
        })
        return (await openTenantState(tenant, [], dataDir, [])).state
      }
      const first = await open()
      const secretOf = (state: typeof first, id: string) =>
        state.resourceServerByIdentifier(id)?.signing_secret
      expect(first.resourceServers.filter((r) => !r.is_system).map((r) => r.signing_alg)).toEqual([
        'HS256',
        'HS256',
        'PS256',
        'RS512',
      ])
      expect(secretOf(first, 'urn:given')).toBe('sixteen chars at least')
      const generated = secretOf(first, 'urn:legacy') as string
      expect(Buffer.from(generated, 'base64url').length).toBeGreaterThanOrEqual(32)
      expect(secretOf(first, 'urn:pss')).toBeUndefined()
      const second = await open()
      expect(secretOf(second, 'urn:legacy')).toBe(generated)
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  })

  it('refuses an unknown algorithm and a short signing secret', async () => {
    await expect(
      parseTenantDocument(
        `
resourceServers:
  - { name: A, identifier: "urn:a", signing_alg: ES256 }
  - { name: B, identifier: "urn:b", signing_alg: HS256, signing_secret: short }
`,
        'yaml',
        { issuer: ISSUER, baseDir: '.' },
      ),
    ).rejects.toThrow(
      /resourceServers\[0\] \("A"\)\.signing_alg: must be one of[\s\S]*resourceServers\[1\] \("B"\)\.signing_secret: must NOT have fewer than 16 characters/,
    )
  })
})

describe('tokens of PS256, HS256 and _authz APIs, verified by @m2m/auth/verify', () => {
  const extraApis: ResourceServer[] = [
    { ...apiWith('PS256'), id: 'rs_pss', identifier: 'urn:pss', scopes: [{ value: 'read:pss' }] },
    {
      ...apiWith('HS256'),
      id: 'rs_hs',
      identifier: 'urn:hs',
      signing_secret: SECRET,
      scopes: [{ value: 'read:hs' }],
    },
    {
      ...apiWith('RS256'),
      id: 'rs_authz',
      identifier: 'urn:authz',
      token_dialect: 'access_token_authz',
      scopes: [{ value: 'read:orders' }],
    },
  ]

  it('verifies each with the options its API needs', async () => {
    const server = await buildTestServer({
      editTenant: (tenant) => {
        tenant.resourceServers.push(...extraApis)
        for (const api of extraApis) {
          tenant.clientGrants.push({
            id: `cgr_${api.id}`,
            client_id: 'gift-deliveries',
            audience: api.identifier,
            scope: api.scopes.map((s) => s.value),
          })
        }
      },
    })
    try {
      const tokenFor = async (audience: string) => {
        const res = await tokenRequest(server.app, 'gift-deliveries', { audience })
        expect(res.statusCode).toBe(200)
        return res.json().access_token as string
      }
      const jwks = () => server.keys.jwks()
      const pss = createM2mVerifier({
        issuer: ISSUER,
        audience: 'urn:pss',
        jwks,
        algorithms: ['PS256'],
        rsaKeysForAllRsaAlgorithms: true,
      })
      expect([...(await pss.verify(await tokenFor('urn:pss'))).scopes]).toEqual(['read:pss'])
      const hs = createM2mVerifier({ issuer: ISSUER, audience: 'urn:hs', secret: SECRET })
      expect([...(await hs.verify(await tokenFor('urn:hs'))).scopes]).toEqual(['read:hs'])
      const authz = createM2mVerifier({
        issuer: ISSUER,
        audience: 'urn:authz',
        jwks,
        scopesClaim: 'permissions',
      })
      expect([...(await authz.verify(await tokenFor('urn:authz'))).scopes]).toEqual(['read:orders'])
      await Promise.all([pss.close(), hs.close(), authz.close()])
    } finally {
      await server.app.close()
    }
  })
})
