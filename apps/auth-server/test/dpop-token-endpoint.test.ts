import { createDpopKey, type DpopAlgorithm, type DpopKey, jwkThumbprint } from '@m2m/auth/dpop'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildPublicKeyCredential } from '../src/credentials/public-key-credential.js'
import { CLIENT_ASSERTION_TYPE } from '../src/oauth/client-assertion.js'
import { hashSecret } from '../src/secrets.js'
import type { ProofOfPossession, ResourceServer } from '../src/tenant/model.js'
import { assertionClaims, rsaKeyPair, signAssertion } from './helpers/client-assertion.js'
import { dpopTokenRequest, TOKEN_ENDPOINT, tokenProof } from './helpers/dpop.js'
import { adminAuthorization, buildTestServer, decodeJwt } from './helpers/test-server.js'
import { ISSUER } from './helpers/test-tenant.js'

/**
 * DPoP (RFC 9449) at `POST /oauth/token`, as Auth0 documents it: a valid
 * proof gets `token_type: DPoP` and a token with `cnf.jkt`, where the API's
 * `proof_of_possession` allows DPoP; the API's policy decides the rest.
 */

const API = (identifier: string, pop?: ProofOfPossession): ResourceServer => ({
  id: `rs_${identifier.replace(/\W/g, '_')}`,
  name: identifier,
  identifier,
  scopes: [{ value: 'read' }],
  signing_alg: 'RS256',
  token_lifetime: 3_600,
  token_dialect: 'access_token',
  ...(pop ? { proof_of_possession: pop } : {}),
})

/** API identifier -> its policy, each granted to gift-deliveries and the key client. */
const POLICIES: Record<string, ProofOfPossession | undefined> = {
  'urn:dpop-allowed': { mechanism: 'dpop', required: false },
  'urn:dpop-required': { mechanism: 'dpop', required: true },
  'urn:dpop-required-all': { mechanism: 'dpop', required: true, required_for: 'all_clients' },
  'urn:dpop-public-only': { mechanism: 'dpop', required: true, required_for: 'public_clients' },
  'urn:no-policy': undefined,
  'urn:mtls-allowed': { mechanism: 'mtls', required: false },
  'urn:mtls-required': { mechanism: 'mtls', required: true },
}

const assertionKey = rsaKeyPair()
let server: Awaited<ReturnType<typeof buildTestServer>>

beforeAll(async () => {
  const built = buildPublicKeyCredential(
    { pem: assertionKey.publicPem, alg: 'RS256' },
    { now: new Date(), refusePastExpiry: false },
  )
  if (!built.ok) throw new Error(built.problem.message)
  const popSecretHash = await hashSecret(POP_SECRET)
  server = await buildTestServer({
    editTenant: (tenant) => {
      tenant.resourceServers.push(
        ...Object.entries(POLICIES).map(([identifier, pop]) => API(identifier, pop)),
      )
      tenant.clients.push(
        {
          client_id: 'key-client',
          name: 'Key Client',
          app_type: 'non_interactive',
          grant_types: ['client_credentials'],
          token_endpoint_auth_method: 'client_secret_post',
          client_metadata: {},
          client_secret_hash: '',
          credentials: [{ ...built.credential, id: 'cred_k' }],
          client_authentication_methods: { private_key_jwt: { credentials: [{ id: 'cred_k' }] } },
        },
        {
          client_id: 'pop-client',
          name: 'PoP Client',
          app_type: 'non_interactive',
          grant_types: ['client_credentials'],
          token_endpoint_auth_method: 'client_secret_post',
          client_metadata: {},
          client_secret_hash: popSecretHash,
          auth0_fields: { require_proof_of_possession: true },
        },
      )
      for (const clientId of ['gift-deliveries', 'key-client', 'pop-client']) {
        for (const audience of ['urn:worldmappers', ...Object.keys(POLICIES)]) {
          tenant.clientGrants.push({
            id: `cgr_${clientId}_${audience}`,
            client_id: clientId,
            audience,
            scope: audience === 'urn:worldmappers' ? ['directions'] : ['read'],
          })
        }
      }
      const world = tenant.resourceServers.find((api) => api.identifier === 'urn:worldmappers')
      if (world) world.proof_of_possession = { mechanism: 'dpop', required: false }
    },
  })
})
afterAll(async () => {
  await server.app.close()
})

const POP_SECRET = 'pop-client-secret-0123456789abcdefghijklmnopqr'

function assertionRequest(proof: string | undefined, audience = 'urn:worldmappers') {
  return server.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: proof === undefined ? {} : { dpop: proof },
    payload: {
      grant_type: 'client_credentials',
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: signAssertion(assertionClaims('key-client', ISSUER), {
        key: assertionKey.privateKey,
      }),
      audience,
    },
  })
}

describe('DPoP-bound tokens', () => {
  const algorithms: DpopAlgorithm[] = ['ES256', 'RS256', 'EdDSA', 'ES384', 'PS256']
  for (const alg of algorithms) {
    it(`binds the token to an ${alg} proof's key: token_type DPoP, cnf.jkt its thumbprint`, async () => {
      const key = createDpopKey({ alg })
      const res = await dpopTokenRequest(server.app, 'gift-deliveries', tokenProof(key))
      expect(res.statusCode).toBe(200)
      const body = res.json()
      expect(body.token_type).toBe('DPoP')
      expect(body.expires_in).toBe(86_400)
      const { payload } = decodeJwt(body.access_token)
      expect(payload.cnf).toEqual({ jkt: key.jkt })
      expect(payload.cnf.jkt).toBe(jwkThumbprint(key.publicJwk))
      expect(payload).toMatchObject({ aud: 'urn:worldmappers', azp: 'gift-deliveries' })
      expect(res.headers['cache-control']).toBe('no-store')
    })
  }

  it('binds tokens of private_key_jwt clients too', async () => {
    const key = createDpopKey()
    const res = await assertionRequest(tokenProof(key))
    expect(res.statusCode).toBe(200)
    expect(res.json().token_type).toBe('DPoP')
    expect(decodeJwt(res.json().access_token).payload.cnf).toEqual({ jkt: key.jkt })
  })

  it('issues a bearer token, as today, to a request without a proof', async () => {
    const res = await dpopTokenRequest(server.app, 'gift-deliveries', undefined)
    expect(res.statusCode).toBe(200)
    expect(res.json().token_type).toBe('Bearer')
    expect(decodeJwt(res.json().access_token).payload).not.toHaveProperty('cnf')
    expect(res.headers).not.toHaveProperty('dpop-nonce')
  })

  it('takes a proof whose htu is written differently but normalizes the same', async () => {
    const key = createDpopKey()
    const res = await dpopTokenRequest(
      server.app,
      'gift-deliveries',
      tokenProof(key, { htu: 'HTTP://AUTH.TEST:80/oauth/token?x=1' }),
    )
    expect(res.statusCode).toBe(200)
    expect(res.json().token_type).toBe('DPoP')
  })
})

describe("the API's proof_of_possession policy (Auth0's sender-constraining table)", () => {
  const cases: Array<[audience: string, withProof: boolean, expected: 'DPoP' | 'Bearer' | number]> =
    [
      ['urn:dpop-allowed', true, 'DPoP'],
      ['urn:dpop-allowed', false, 'Bearer'],
      ['urn:dpop-required', true, 'DPoP'],
      ['urn:dpop-required', false, 400],
      ['urn:dpop-required-all', false, 400],
      ['urn:dpop-public-only', false, 'Bearer'],
      ['urn:dpop-public-only', true, 'DPoP'],
      ['urn:no-policy', true, 'Bearer'],
      ['urn:no-policy', false, 'Bearer'],
      ['urn:mtls-allowed', true, 'Bearer'],
      ['urn:mtls-required', true, 400],
    ]
  for (const [audience, withProof, expected] of cases) {
    const outcome = typeof expected === 'number' ? `refuses (${expected})` : `issues ${expected}`
    it(`${audience}, ${withProof ? 'with' : 'without'} a proof: ${outcome}`, async () => {
      const proof = withProof ? tokenProof(createDpopKey()) : undefined
      const res = await dpopTokenRequest(server.app, 'gift-deliveries', proof, { audience })
      if (typeof expected === 'number') {
        expect(res.statusCode).toBe(expected)
        return
      }
      expect(res.statusCode).toBe(200)
      expect(res.json().token_type).toBe(expected)
      const { payload } = decodeJwt(res.json().access_token)
      expect(payload.cnf !== undefined).toBe(expected === 'DPoP')
    })
  }

  it('refuses a token without proof for an API that requires DPoP: 400 invalid_dpop_proof', async () => {
    const res = await dpopTokenRequest(server.app, 'gift-deliveries', undefined, {
      audience: 'urn:dpop-required',
    })
    expect(res.json()).toEqual({
      error: 'invalid_dpop_proof',
      error_description:
        'A DPoP proof is required: the API "urn:dpop-required" accepts sender-constrained tokens only',
    })
  })

  it('refuses an mTLS-required API (the local tenant issues no mTLS-bound tokens)', async () => {
    const res = await dpopTokenRequest(server.app, 'gift-deliveries', undefined, {
      audience: 'urn:mtls-required',
    })
    expect(res.json()).toMatchObject({ error: 'invalid_request' })
    expect(res.json().error_description).toContain('mTLS')
  })

  it('refuses a private_key_jwt client without proof where DPoP is required', async () => {
    const res = await assertionRequest(undefined, 'urn:dpop-required')
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toBe('invalid_dpop_proof')
  })

  describe('a client with require_proof_of_possession', () => {
    const request = (proof: string | undefined, audience: string) =>
      server.app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: proof === undefined ? {} : { dpop: proof },
        payload: {
          grant_type: 'client_credentials',
          client_id: 'pop-client',
          client_secret: POP_SECRET,
          audience,
        },
      })

    it('gets a DPoP-bound token with a proof from an API that allows DPoP', async () => {
      const res = await request(tokenProof(createDpopKey()), 'urn:dpop-allowed')
      expect(res.statusCode).toBe(200)
      expect(res.json().token_type).toBe('DPoP')
    })

    it('gets no token without a proof, even where DPoP is only allowed', async () => {
      const res = await request(undefined, 'urn:dpop-allowed')
      expect(res.statusCode).toBe(400)
      expect(res.json().error).toBe('invalid_dpop_proof')
    })

    it('gets no token from an API that takes no DPoP, proof or not', async () => {
      const res = await request(tokenProof(createDpopKey()), 'urn:no-policy')
      expect(res.statusCode).toBe(400)
      expect(res.json()).toMatchObject({ error: 'invalid_request' })
    })
  })
})

describe('server nonces (DPOP_REQUIRE_NONCE)', () => {
  let clock = Date.now()
  let nonceServer: Awaited<ReturnType<typeof buildTestServer>>

  beforeAll(async () => {
    nonceServer = await buildTestServer({
      now: () => clock,
      dpop: { requireNonce: true, nonceWindowSeconds: 60 },
      editTenant: (tenant) => {
        const world = tenant.resourceServers.find((api) => api.identifier === 'urn:worldmappers')
        if (world) world.proof_of_possession = { mechanism: 'dpop', required: false }
      },
    })
  })
  afterAll(async () => {
    await nonceServer.app.close()
  })

  const send = (key: DpopKey, nonce?: string) =>
    dpopTokenRequest(
      nonceServer.app,
      'gift-deliveries',
      tokenProof(key, { ...(nonce ? { nonce } : {}), now: clock }),
    )

  it('answers a proof without nonce with 400 use_dpop_nonce and a DPoP-Nonce, then accepts it', async () => {
    const key = createDpopKey()
    const first = await send(key)
    expect(first.statusCode).toBe(400)
    expect(first.json()).toEqual({
      error: 'use_dpop_nonce',
      error_description: 'the server requires a current nonce in the DPoP proof',
    })
    const nonce = first.headers['dpop-nonce'] as string
    expect(nonce).toMatch(/^[\w-]{43}$/)

    const second = await send(key, nonce)
    expect(second.statusCode).toBe(200)
    expect(second.json().token_type).toBe('DPoP')
    expect(second.headers['dpop-nonce']).toBe(nonce)
  })

  it('does not burn the jti of a proof refused for its nonce (the retry is a new proof anyway)', async () => {
    const key = createDpopKey()
    const proof = tokenProof(key, { now: clock })
    const refused = await dpopTokenRequest(nonceServer.app, 'gift-deliveries', proof)
    expect(refused.json().error).toBe('use_dpop_nonce')
    const again = await dpopTokenRequest(nonceServer.app, 'gift-deliveries', proof)
    expect(again.json().error).toBe('use_dpop_nonce')
  })

  it('refuses a nonce it never issued', async () => {
    const key = createDpopKey()
    const res = await send(key, 'made-up-nonce')
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toBe('use_dpop_nonce')
    // The refusal carries a nonce the tenant did issue: a proof with it is accepted.
    const issued = res.headers['dpop-nonce'] as string
    expect(issued).toMatch(/^[\w-]{43}$/)
    expect(issued).not.toBe('made-up-nonce')
    const retried = await send(key, issued)
    expect(retried.statusCode).toBe(200)
    expect(retried.json().token_type).toBe('DPoP')
  })

  it('rotates: a nonce works in its window and the next, then is refused with a fresh one', async () => {
    const key = createDpopKey()
    const nonce = (await send(key)).headers['dpop-nonce'] as string
    clock += 60_000
    const next = await send(key, nonce)
    expect(next.statusCode).toBe(200)
    const fresh = next.headers['dpop-nonce'] as string
    expect(fresh).not.toBe(nonce)
    clock += 60_000
    const stale = await send(key, nonce)
    expect(stale.statusCode).toBe(400)
    expect(stale.json().error).toBe('use_dpop_nonce')
    expect(stale.headers['dpop-nonce']).not.toBe(nonce)
    expect((await send(key, stale.headers['dpop-nonce'] as string)).statusCode).toBe(200)
  })

  it('still issues bearer tokens to requests without a proof (nonces are for proofs)', async () => {
    const res = await dpopTokenRequest(nonceServer.app, 'gift-deliveries', undefined)
    expect(res.statusCode).toBe(200)
    expect(res.json().token_type).toBe('Bearer')
    // Every answer carries the current nonce, so a client can add DPoP without a refusal first.
    const nonce = res.headers['dpop-nonce'] as string
    expect(nonce).toMatch(/^[\w-]{43}$/)
    const bound = await send(createDpopKey(), nonce)
    expect(bound.statusCode).toBe(200)
    expect(bound.headers['dpop-nonce']).toBe(nonce)
  })
})

describe('a full proof replay cache', () => {
  it('answers 503 temporarily_unavailable (the tenant at capacity), not a refusal of the proof', async () => {
    const full = await buildTestServer({
      dpop: { maxTrackedProofs: 1 },
      editTenant: (tenant) => {
        const world = tenant.resourceServers.find((api) => api.identifier === 'urn:worldmappers')
        if (world) world.proof_of_possession = { mechanism: 'dpop', required: false }
      },
    })
    try {
      const key = createDpopKey()
      const first = await dpopTokenRequest(full.app, 'gift-deliveries', tokenProof(key))
      expect(first.statusCode).toBe(200)
      const second = await dpopTokenRequest(full.app, 'gift-deliveries', tokenProof(key))
      expect(second.statusCode).toBe(503)
      expect(second.json().error).toBe('temporarily_unavailable')
    } finally {
      await full.app.close()
    }
  })
})

describe('logs', () => {
  it('logs a DPoP exchange as seccft and a refused proof as feccft, never the proof', async () => {
    const key = createDpopKey()
    const proof = tokenProof(key)
    expect((await dpopTokenRequest(server.app, 'gift-deliveries', proof)).statusCode).toBe(200)
    const replay = await dpopTokenRequest(server.app, 'gift-deliveries', proof)
    expect(replay.statusCode).toBe(400)

    const auth = await adminAuthorization(server.app)
    const logs = await server.app.inject({
      method: 'GET',
      url: '/api/v2/logs?q=client_id:gift-deliveries&per_page=100',
      headers: auth,
    })
    const events = logs.json() as Array<Record<string, unknown>>
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'feccft',
        description: 'the proof was already used (jti replay)',
        client_id: 'gift-deliveries',
        audience: 'urn:worldmappers',
        details: { error: 'invalid_dpop_proof', status: 400 },
      }),
    )
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'seccft', audience: 'urn:worldmappers' }),
    )
    for (const part of proof.split('.')) expect(logs.body).not.toContain(part)
  })
})

describe('discovery', () => {
  it('lists dpop_signing_alg_values_supported, and cnf among the claims', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' })
    const discovery = res.json()
    expect(discovery.dpop_signing_alg_values_supported).toEqual(
      expect.arrayContaining(['ES256', 'RS256', 'PS256', 'EdDSA']),
    )
    expect(discovery.dpop_signing_alg_values_supported).not.toContain('HS256')
    expect(discovery.dpop_signing_alg_values_supported).not.toContain('none')
    expect(discovery.claims_supported).toContain('cnf')
    expect(discovery.token_endpoint).toBe(TOKEN_ENDPOINT)
  })
})
