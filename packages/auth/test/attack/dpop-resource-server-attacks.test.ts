import { createPrivateKey, sign } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { request as httpRequest } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { accessTokenHash, createDpopKey, type DpopKey } from '../../src/dpop/index.js'
import {
  ALL_ALGS,
  bearerHeaders,
  buildDpopApp,
  dpopAndBearer,
  dpopHeaders,
  dpopOnly,
  type InjectOptions,
  ORIGIN,
  proofFor,
  proofRefused,
  REALM,
} from '../fastify-dpop-harness.js'
import { createTestIssuer, type TestIssuer } from '../helpers/fake-verifier.js'

// Each attack a holder of a stolen DPoP token, or of a captured proof, could try against a
// resource server, and the refusal RFC 9449 asks for: 401 with the DPoP challenge naming the
// error (and a bare Bearer challenge on a route that takes both schemes).

let issuer: TestIssuer
let key: DpopKey
let attackerKey: DpopKey
let app: FastifyInstance
let requiredApp: FastifyInstance

beforeAll(async () => {
  issuer = createTestIssuer()
  key = createDpopKey()
  attackerKey = createDpopKey()
  app = await buildDpopApp(issuer.verifier())
  requiredApp = await buildDpopApp(issuer.verifier(), { dpop: { mode: 'required' } })
})

afterAll(async () => {
  await Promise.all([app.close(), requiredApp.close()])
})

const boundToken = (claims: Record<string, unknown> = {}) =>
  issuer.sign({ cnf: { jkt: key.jkt }, ...claims })

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** A proof with any header and payload, signed ES256 by `signer` (or with `signature`). */
function forgeProof(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  signer: DpopKey | null = key,
  signature = '',
): string {
  const input = `${b64(header)}.${b64(payload)}`
  if (signer === null) return `${input}.${signature}`
  const sig = sign('sha256', Buffer.from(input), {
    key: signer.privateKey,
    dsaEncoding: 'ieee-p1363',
  }).toString('base64url')
  return `${input}.${sig}`
}

/** The claims of an honest proof for GET /me with `token`. */
const honestClaims = (token: string) => ({
  jti: `jti-${Math.random()}`,
  htm: 'GET',
  htu: `${ORIGIN}/me`,
  iat: Math.floor(Date.now() / 1000),
  ath: accessTokenHash(token),
})

interface Attack {
  name: string
  /** Builds the request; may send earlier requests first (a replay). */
  request: () => Promise<InjectOptions> | InjectOptions
  status: number
  error: string
  description: string
  /** The whole challenge, when it is not the DPoP one with `error` and `description`. */
  wwwAuthenticate?: string
}

const attacks: Attack[] = [
  {
    name: 'a DPoP-bound token sent as a Bearer token (RFC 9449 §7.2)',
    request: () => ({ url: '/me', headers: bearerHeaders(boundToken()) }),
    status: 401,
    error: 'invalid_token',
    description:
      'The token claims are invalid: DPoP-bound token requires the DPoP authentication scheme, not Bearer',
    wwwAuthenticate: `Bearer realm="${REALM}", error="invalid_token", error_description="The token claims are invalid: DPoP-bound token requires the DPoP authentication scheme, not Bearer", DPoP algs="${ALL_ALGS}"`,
  },
  {
    name: 'a proof for another method',
    request: () => {
      const token = boundToken()
      return { url: '/me', headers: dpopHeaders(token, proofFor(key, { method: 'POST', token })) }
    },
    status: 401,
    error: 'invalid_dpop_proof',
    description: proofRefused('htm does not match the request method GET'),
  },
  {
    name: 'a proof for another path',
    request: () => {
      const token = boundToken()
      return { url: '/me', headers: dpopHeaders(token, proofFor(key, { url: '/admin', token })) }
    },
    status: 401,
    error: 'invalid_dpop_proof',
    description: proofRefused('htu does not match the request URL'),
  },
  {
    name: 'a proof for another origin',
    request: () => {
      const token = boundToken()
      const proof = proofFor(key, { url: 'https://other.example.com/me', token })
      return { url: '/me', headers: dpopHeaders(token, proof) }
    },
    status: 401,
    error: 'invalid_dpop_proof',
    description: proofRefused('htu does not match the request URL'),
  },
  {
    name: 'a replayed proof (same jti)',
    request: async () => {
      const token = boundToken()
      const request = { url: '/me', headers: dpopHeaders(token, proofFor(key, { token })) }
      const first = await app.inject(request)
      expect(first.statusCode).toBe(200)
      return request
    },
    status: 401,
    error: 'invalid_dpop_proof',
    description: proofRefused('the proof was already used (jti replay)'),
  },
  {
    name: 'a proof signed by another key than the token is bound to',
    request: () => {
      const token = boundToken()
      return { url: '/me', headers: dpopHeaders(token, proofFor(attackerKey, { token })) }
    },
    status: 401,
    // RFC 9449 §7.1 answers a key that does not match the binding with invalid_token.
    error: 'invalid_token',
    description: 'The token claims are invalid: JWT Access Token confirmation mismatch',
  },
  {
    name: 'a proof issued an hour ago',
    request: () => {
      const token = boundToken()
      const proof = proofFor(key, { token, now: Date.now() - 3_600_000 })
      return { url: '/me', headers: dpopHeaders(token, proof) }
    },
    status: 401,
    error: 'invalid_dpop_proof',
    description: proofRefused('the proof is older than 120 s'),
  },
  {
    name: 'a proof issued an hour in the future',
    request: () => {
      const token = boundToken()
      const proof = proofFor(key, { token, now: Date.now() + 3_600_000 })
      return { url: '/me', headers: dpopHeaders(token, proof) }
    },
    status: 401,
    error: 'invalid_dpop_proof',
    description: proofRefused('iat is in the future'),
  },
  {
    name: 'a proof without ath',
    request: () => {
      const token = boundToken()
      return { url: '/me', headers: dpopHeaders(token, proofFor(key, { token: null })) }
    },
    status: 401,
    error: 'invalid_dpop_proof',
    description: proofRefused('ath (the access token hash) is missing'),
  },
  {
    name: 'a proof whose ath is of another token',
    request: () => {
      const token = boundToken()
      const proof = proofFor(key, { token: boundToken({ jti: 'another' }) })
      return { url: '/me', headers: dpopHeaders(token, proof) }
    },
    status: 401,
    error: 'invalid_dpop_proof',
    description: proofRefused('ath does not match the access token'),
  },
  {
    name: 'a private key in the proof header jwk',
    request: () => {
      const token = boundToken()
      const privateJwk = key.privateKey.export({ format: 'jwk' })
      const proof = forgeProof(
        { typ: 'dpop+jwt', alg: 'ES256', jwk: privateJwk },
        honestClaims(token),
      )
      return { url: '/me', headers: dpopHeaders(token, proof) }
    },
    status: 401,
    error: 'invalid_dpop_proof',
    description: proofRefused('the jwk holds a private or symmetric key'),
  },
  {
    name: 'alg none with an empty signature',
    request: () => {
      const token = boundToken()
      const proof = forgeProof(
        { typ: 'dpop+jwt', alg: 'none', jwk: key.publicJwk },
        honestClaims(token),
        null,
      )
      return { url: '/me', headers: dpopHeaders(token, proof) }
    },
    status: 401,
    error: 'invalid_dpop_proof',
    description: proofRefused('the proof is not a compact JWS'),
  },
  {
    name: 'alg none with a signature segment',
    request: () => {
      const token = boundToken()
      const proof = forgeProof(
        { typ: 'dpop+jwt', alg: 'none', jwk: key.publicJwk },
        honestClaims(token),
        null,
        'AA',
      )
      return { url: '/me', headers: dpopHeaders(token, proof) }
    },
    status: 401,
    error: 'invalid_dpop_proof',
    description: proofRefused("alg 'none' is not an accepted asymmetric algorithm"),
  },
  {
    name: 'HS256 keyed with a symmetric jwk',
    request: () => {
      const token = boundToken()
      const proof = forgeProof(
        { typ: 'dpop+jwt', alg: 'HS256', jwk: { kty: 'oct', k: 'c2VjcmV0' } },
        honestClaims(token),
        null,
        'AA',
      )
      return { url: '/me', headers: dpopHeaders(token, proof) }
    },
    status: 401,
    error: 'invalid_dpop_proof',
    description: proofRefused("alg 'HS256' is not an accepted asymmetric algorithm"),
  },
  {
    name: 'a proof whose payload was changed after signing',
    request: () => {
      const token = boundToken()
      const [header, , signature] = proofFor(key, { token, url: '/admin' }).split('.')
      const payload = b64(honestClaims(token))
      return { url: '/me', headers: dpopHeaders(token, `${header}.${payload}.${signature}`) }
    },
    status: 401,
    error: 'invalid_dpop_proof',
    description: proofRefused('the signature does not verify with the jwk'),
  },
  {
    name: 'a plain JWT (typ JWT) as proof',
    request: () => {
      const token = boundToken()
      const proof = forgeProof(
        { typ: 'JWT', alg: 'ES256', jwk: key.publicJwk },
        honestClaims(token),
      )
      return { url: '/me', headers: dpopHeaders(token, proof) }
    },
    status: 401,
    error: 'invalid_dpop_proof',
    description: proofRefused('typ must be "dpop+jwt"').replaceAll('"', "'"),
  },
  {
    name: 'two DPoP headers',
    request: () => {
      const token = boundToken()
      return {
        url: '/me',
        headers: dpopHeaders(token, [proofFor(key, { token }), proofFor(key, { token })]),
      }
    },
    status: 401,
    error: 'invalid_dpop_proof',
    description: proofRefused('Multiple DPoP proofs are not allowed'),
  },
  {
    name: 'the DPoP scheme with no proof',
    request: () => ({ url: '/me', headers: { authorization: `DPoP ${boundToken()}` } }),
    status: 401,
    error: 'invalid_dpop_proof',
    description: proofRefused('no DPoP proof was sent'),
  },
  {
    name: 'a token bound to no key, with a proof',
    request: () => {
      const token = issuer.sign()
      return { url: '/me', headers: dpopHeaders(token, proofFor(key, { token })) }
    },
    status: 401,
    error: 'invalid_token',
    description: 'The token claims are invalid: JWT Access Token has no jkt confirmation claim',
  },
  {
    name: 'a token the attacker bound to their own key, signed by another issuer',
    request: () => {
      const token = createTestIssuer().sign({ cnf: { jkt: attackerKey.jkt } })
      return { url: '/me', headers: dpopHeaders(token, proofFor(attackerKey, { token })) }
    },
    status: 401,
    error: 'invalid_token',
    description: 'The token signature is invalid',
  },
]

describe('DPoP attacks on a resource server that takes both schemes', () => {
  for (const attack of attacks) {
    it(`refuses ${attack.name}`, async () => {
      const response = await app.inject(await attack.request())
      expect(response.statusCode).toBe(attack.status)
      expect(response.headers['www-authenticate']).toBe(
        attack.wwwAuthenticate ?? dpopAndBearer(attack.error, attack.description),
      )
      expect(response.json()).toEqual({
        error: attack.error,
        error_description: attack.description,
      })
    })
  }
})

describe('the same attacks on a route that requires DPoP', () => {
  for (const attack of attacks) {
    it(`refuses ${attack.name}`, async () => {
      // The replay case primes the shared app; prime this one the same way.
      const request = await attack.request()
      if (attack.name.startsWith('a replayed')) await requiredApp.inject(request)
      const response = await requiredApp.inject(request)
      expect(response.statusCode).toBe(attack.status)
      if (attack.wwwAuthenticate === undefined) {
        expect(response.headers['www-authenticate']).toBe(
          dpopOnly(attack.error, attack.description),
        )
      } else {
        // A Bearer request is not even looked at: the route needs DPoP.
        expect(response.headers['www-authenticate']).toBe(`DPoP algs="${ALL_ALGS}"`)
      }
    })
  }
})

describe('over a real socket', () => {
  let base: string
  let listening: FastifyInstance

  beforeAll(async () => {
    listening = await buildDpopApp(issuer.verifier())
    await listening.listen({ port: 0, host: '127.0.0.1' })
    base = `http://127.0.0.1:${(listening.server.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    await listening.close()
  })

  it('refuses two DPoP header lines, which Node joins with a comma', async () => {
    const token = boundToken()
    const htu = `${base}/me`
    const proof = () => proofFor(key, { url: htu, token })
    const response = await httpRequest(`${base}/me`, {
      headers: ['authorization', `DPoP ${token}`, 'dpop', proof(), 'dpop', proof()],
    })
    const body = (await response.body.json()) as { error: string; error_description: string }
    expect(response.statusCode).toBe(401)
    expect(response.headers['www-authenticate']).toBe(
      dpopAndBearer('invalid_dpop_proof', proofRefused('Multiple DPoP proofs are not allowed')),
    )
    expect(body.error).toBe('invalid_dpop_proof')
  })

  it('admits one proof for the URL the client used', async () => {
    const token = boundToken()
    const response = await httpRequest(`${base}/me`, {
      headers: dpopHeaders(token, proofFor(key, { url: `${base}/me`, token })) as Record<
        string,
        string
      >,
    })
    await response.body.dump()
    expect(response.statusCode).toBe(200)
  })

  it('refuses a proof for the same path on another port (another origin)', async () => {
    const token = boundToken()
    const proof = proofFor(key, { url: `http://127.0.0.1:1/me`, token })
    const response = await httpRequest(`${base}/me`, {
      headers: dpopHeaders(token, proof) as Record<string, string>,
    })
    await response.body.dump()
    expect(response.statusCode).toBe(401)
  })
})

describe('a private key never reaches an answer', () => {
  it('does not echo the jwk of a refused proof', async () => {
    const token = boundToken()
    const privateJwk = createPrivateKey(
      key.privateKey.export({ format: 'pem', type: 'pkcs8' }),
    ).export({ format: 'jwk' }) as Record<string, string>
    const proof = forgeProof(
      { typ: 'dpop+jwt', alg: 'ES256', jwk: privateJwk },
      honestClaims(token),
    )
    const response = await app.inject({ url: '/me', headers: dpopHeaders(token, proof) })
    expect(response.statusCode).toBe(401)
    expect(response.body).not.toContain(privateJwk.d as string)
    expect(response.headers['www-authenticate']).not.toContain(privateJwk.d as string)
  })
})
