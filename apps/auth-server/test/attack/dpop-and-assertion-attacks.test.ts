import { generateKeyPairSync } from 'node:crypto'
import { createDpopKey } from '@m2m/auth/dpop'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildPublicKeyCredential } from '../../src/credentials/public-key-credential.js'
import { ASSERTION_REFUSALS, CLIENT_ASSERTION_TYPE } from '../../src/oauth/client-assertion.js'
import { assertionClaims, rsaKeyPair, signAssertion } from '../helpers/client-assertion.js'
import { craftProof, dpopTokenRequest, proofClaims, tokenProof } from '../helpers/dpop.js'
import { buildTestServer } from '../helpers/test-server.js'
import { ISSUER } from '../helpers/test-tenant.js'

// Hostile DPoP proofs and client assertions at POST /oauth/token: each is
// refused with the status and error RFC 9449 / RFC 7523 call for, and never
// gets a token, bearer or bound.

const registered = rsaKeyPair()
const unregistered = rsaKeyPair()
let server: Awaited<ReturnType<typeof buildTestServer>>

beforeAll(async () => {
  const built = buildPublicKeyCredential(
    { pem: registered.publicPem, alg: 'RS256' },
    { now: new Date(), refusePastExpiry: false },
  )
  if (!built.ok) throw new Error(built.problem.message)
  server = await buildTestServer({
    editTenant: (tenant) => {
      const world = tenant.resourceServers.find((api) => api.identifier === 'urn:worldmappers')
      if (world) world.proof_of_possession = { mechanism: 'dpop', required: false }
      tenant.clients.push({
        client_id: 'key-client',
        name: 'Key Client',
        app_type: 'non_interactive',
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_post',
        client_metadata: {},
        client_secret_hash: '',
        credentials: [{ ...built.credential, id: 'cred_k' }],
        client_authentication_methods: { private_key_jwt: { credentials: [{ id: 'cred_k' }] } },
      })
      tenant.clientGrants.push({
        id: 'cgr_key',
        client_id: 'key-client',
        audience: 'urn:worldmappers',
        scope: ['directions'],
      })
    },
  })
})
afterAll(async () => {
  await server.app.close()
})

const ec = () => generateKeyPairSync('ec', { namedCurve: 'P-256' })
const publicJwk = (key: ReturnType<typeof ec>['publicKey']) => {
  const { kty, crv, x, y } = key.export({ format: 'jwk' })
  return { kty, crv, x, y }
}

describe('DPoP proofs', () => {
  const attacker = ec()
  const other = ec()
  const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: publicJwk(attacker.publicKey) }
  const nowS = Math.floor(Date.now() / 1000)

  const attacks: Array<[name: string, proof: () => string | string[], description: string]> = [
    [
      'a proof for another method (GET)',
      () => tokenProof(createDpopKey(), { htm: 'GET' }),
      'htm does not match the request method POST',
    ],
    [
      'a proof for another URL (a resource server of the same host)',
      () => tokenProof(createDpopKey(), { htu: `${ISSUER}api/v2/clients` }),
      'htu does not match the request URL',
    ],
    [
      'a proof for another host',
      () => tokenProof(createDpopKey(), { htu: 'https://evil.example/oauth/token' }),
      'htu does not match the request URL',
    ],
    [
      'a proof issued an hour ago',
      () => craftProof(header, proofClaims({ iat: nowS - 3_600 }), { es256: attacker.privateKey }),
      'the proof is older than 120 s',
    ],
    [
      'a proof issued an hour in the future (pre-generated)',
      () => craftProof(header, proofClaims({ iat: nowS + 3_600 }), { es256: attacker.privateKey }),
      'iat is in the future',
    ],
    [
      'a private key in the jwk header',
      () =>
        craftProof(
          { ...header, jwk: attacker.privateKey.export({ format: 'jwk' }) },
          proofClaims(),
          { es256: attacker.privateKey },
        ),
      'the jwk holds a private or symmetric key',
    ],
    [
      'alg none (unsigned)',
      () => craftProof({ ...header, alg: 'none' }, proofClaims()),
      'the proof is not a compact JWS',
    ],
    [
      'alg none with a junk signature',
      () => `${craftProof({ ...header, alg: 'none' }, proofClaims())}AAAA`,
      'alg "none" is not an accepted asymmetric algorithm',
    ],
    [
      'alg HS256 keyed with the public key',
      () =>
        craftProof({ ...header, alg: 'HS256' }, proofClaims(), {
          hmacSecret: JSON.stringify(header.jwk),
        }),
      'alg "HS256" is not an accepted asymmetric algorithm',
    ],
    [
      'a symmetric jwk (kty oct)',
      () =>
        craftProof({ ...header, jwk: { kty: 'oct', k: 'c2VjcmV0' } }, proofClaims(), {
          es256: attacker.privateKey,
        }),
      'the jwk holds a private or symmetric key',
    ],
    [
      'a proof signed by another key than its jwk',
      () => craftProof(header, proofClaims(), { es256: other.privateKey }),
      'the signature does not verify with the jwk',
    ],
    [
      'a typ other than dpop+jwt',
      () => craftProof({ ...header, typ: 'JWT' }, proofClaims(), { es256: attacker.privateKey }),
      'typ must be "dpop+jwt"',
    ],
    [
      'a proof without jti',
      () => craftProof(header, proofClaims({ jti: undefined }), { es256: attacker.privateKey }),
      'jti must be a string of 1 to 256 characters',
    ],
    [
      'two DPoP headers',
      () => [tokenProof(createDpopKey()), tokenProof(createDpopKey())],
      'The request must carry exactly one DPoP header (RFC 9449 §4.3)',
    ],
    ['an empty DPoP header', () => '', 'no DPoP proof was sent'],
  ]

  for (const [name, proof, description] of attacks) {
    it(`refuses ${name}: 400 invalid_dpop_proof`, async () => {
      const res = await dpopTokenRequest(server.app, 'gift-deliveries', proof())
      expect(res.statusCode).toBe(400)
      expect(res.json()).toEqual({ error: 'invalid_dpop_proof', error_description: description })
      expect(res.body).not.toContain('access_token')
    })
  }

  it('refuses a replayed proof (same key and jti), though the first use got a token', async () => {
    const proof = tokenProof(createDpopKey())
    expect((await dpopTokenRequest(server.app, 'gift-deliveries', proof)).statusCode).toBe(200)
    const replay = await dpopTokenRequest(server.app, 'gift-deliveries', proof)
    expect(replay.statusCode).toBe(400)
    expect(replay.json()).toEqual({
      error: 'invalid_dpop_proof',
      error_description: 'the proof was already used (jti replay)',
    })
  })

  it("refuses a replay sent by another client (the cache is the endpoint's, not the client's)", async () => {
    const proof = tokenProof(createDpopKey())
    expect((await dpopTokenRequest(server.app, 'gift-deliveries', proof)).statusCode).toBe(200)
    const stolen = await dpopTokenRequest(server.app, 'limited', proof)
    expect(stolen.statusCode).toBe(400)
    expect(stolen.json().error).toBe('invalid_dpop_proof')
  })

  it('refuses a bad proof even for an API that takes no DPoP (never silently bearer)', async () => {
    const res = await dpopTokenRequest(
      server.app,
      'storefront',
      tokenProof(createDpopKey(), { htm: 'GET' }),
      { audience: 'urn:gift-deliveries', organization: 'acme' },
    )
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toBe('invalid_dpop_proof')
  })

  it('checks the client before the proof: a wrong secret is 401 whatever the proof', async () => {
    const res = await dpopTokenRequest(server.app, 'gift-deliveries', 'not-a-jwt', {
      client_secret: 'wrong',
    })
    expect(res.statusCode).toBe(401)
    expect(res.json().error).toBe('access_denied')
  })
})

describe('private_key_jwt client assertions', () => {
  const request = (assertion: string) =>
    server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: {
        grant_type: 'client_credentials',
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: assertion,
        audience: 'urn:worldmappers',
      },
    })

  it('refuses a replayed assertion: 401 invalid_client', async () => {
    const assertion = signAssertion(assertionClaims('key-client', ISSUER), {
      key: registered.privateKey,
    })
    expect((await request(assertion)).statusCode).toBe(200)
    const replay = await request(assertion)
    expect(replay.statusCode).toBe(401)
    expect(replay.json()).toEqual({
      error: 'invalid_client',
      error_description: ASSERTION_REFUSALS.replayed,
    })
  })

  const audiences = [
    'https://another-tenant.auth0.com/',
    `${ISSUER}api/v2/`,
    'urn:worldmappers',
    'http://auth.test.evil/',
  ]
  for (const audience of audiences) {
    it(`refuses an assertion for another audience (${audience}): 401 invalid_client`, async () => {
      const res = await request(
        signAssertion(assertionClaims('key-client', audience), { key: registered.privateKey }),
      )
      expect(res.statusCode).toBe(401)
      expect(res.json()).toEqual({
        error: 'invalid_client',
        error_description: ASSERTION_REFUSALS.audience,
      })
    })
  }

  it('refuses an assertion signed by an unregistered key: 401 invalid_client', async () => {
    const res = await request(
      signAssertion(assertionClaims('key-client', ISSUER), { key: unregistered.privateKey }),
    )
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual({
      error: 'invalid_client',
      error_description: ASSERTION_REFUSALS.signature,
    })
  })

  it('refuses an unregistered key that names a registered kid: 401 invalid_client', async () => {
    const kid = server.state.client('key-client')?.credentials?.[0]?.kid
    const res = await request(
      signAssertion(assertionClaims('key-client', ISSUER), {
        key: unregistered.privateKey,
        header: { kid },
      }),
    )
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual({
      error: 'invalid_client',
      error_description: ASSERTION_REFUSALS.signature,
    })
  })

  it('a forged assertion does not burn the jti of the real one', async () => {
    const claims = assertionClaims('key-client', ISSUER)
    const forged = await request(signAssertion(claims, { key: unregistered.privateKey }))
    expect(forged.statusCode).toBe(401)
    const genuine = await request(signAssertion(claims, { key: registered.privateKey }))
    expect(genuine.statusCode).toBe(200)
  })
})
