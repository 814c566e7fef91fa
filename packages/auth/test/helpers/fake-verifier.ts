import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto'
import { createVerifier } from 'fast-jwt'
import { parseScopes } from '../../src/scopes.js'
import { fromFastJwtError } from '../../src/verify/fast-jwt-errors.js'
import type { AccessTokenClaims, TokenVerifier, VerifiedToken } from '../../src/verify/types.js'

export const TEST_ISSUER = 'https://auth.test.local/'
export const TEST_AUDIENCE = 'https://api.test.local'

export interface TestIssuerOptions {
  issuer?: string
  audience?: string
  kid?: string
}

/** An RS256 signing key and its issuer, standing in for an Auth0 tenant. */
export interface TestIssuer {
  readonly issuer: string
  readonly audience: string
  readonly kid: string
  readonly privateKey: KeyObject
  readonly publicKeyPem: string
  /** The public key as a JWK with `kid`, `alg` and `use`, as a JWKS would list it. */
  readonly publicJwk: Record<string, unknown>
  /**
   * Signs an access token with Auth0-like default claims (1 h lifetime),
   * overridden by `claims`; a claim set to `undefined` is left out.
   */
  sign(claims?: Record<string, unknown>): string
  /** A `TokenVerifier` over fast-jwt that trusts only this issuer's key. */
  verifier(): TokenVerifier
}

const nowSeconds = () => Math.floor(Date.now() / 1000)

function segment(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url')
}

/** Creates a fresh RSA key pair and an issuer that signs RS256 tokens with node:crypto. */
export function createTestIssuer(options: TestIssuerOptions = {}): TestIssuer {
  const issuer = options.issuer ?? TEST_ISSUER
  const audience = options.audience ?? TEST_AUDIENCE
  const kid = options.kid ?? 'test-key-1'
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }
  return {
    issuer,
    audience,
    kid,
    privateKey,
    publicKeyPem,
    publicJwk,
    sign(claims = {}) {
      const iat = nowSeconds()
      const payload = {
        iss: issuer,
        sub: 'client-1@clients',
        aud: audience,
        iat,
        exp: iat + 3600,
        azp: 'client-1',
        gty: 'client-credentials',
        scope: '',
        ...claims,
      }
      const input = `${segment({ alg: 'RS256', typ: 'at+jwt', kid })}.${segment(payload)}`
      const signature = sign('sha256', Buffer.from(input), privateKey).toString('base64url')
      return `${input}.${signature}`
    },
    verifier() {
      return createFakeVerifier({ publicKeyPem, issuer, audience })
    },
  }
}

export interface FakeVerifierOptions {
  publicKeyPem: string
  issuer: string
  audience: string
}

/**
 * A small `TokenVerifier` on fast-jwt with one PEM key: RS256 only, exact
 * issuer and audience, `iss`, `aud` and `exp` required. fast-jwt errors are
 * translated into the coded errors of `src/errors.ts`, as the real verifier does.
 */
export function createFakeVerifier(options: FakeVerifierOptions): TokenVerifier {
  const verifyJwt = createVerifier({
    key: options.publicKeyPem,
    algorithms: ['RS256'],
    allowedIss: options.issuer,
    allowedAud: options.audience,
    requiredClaims: ['iss', 'aud', 'exp'],
    complete: true,
  })
  return {
    async verify(token: string): Promise<VerifiedToken> {
      let decoded: { header: VerifiedToken['header']; payload: AccessTokenClaims }
      try {
        decoded = verifyJwt(token)
      } catch (error) {
        throw fromFastJwtError(error)
      }
      const claims = Object.freeze(decoded.payload)
      return Object.freeze({
        header: decoded.header,
        claims,
        scopes: parseScopes(claims.scope),
        clientId:
          claims.azp ??
          claims.client_id ??
          (claims.sub?.endsWith('@clients') ? claims.sub.slice(0, -'@clients'.length) : undefined),
        organization:
          typeof claims.org_id === 'string'
            ? {
                id: claims.org_id,
                name: typeof claims.org_name === 'string' ? claims.org_name : undefined,
              }
            : undefined,
      })
    },
    async close() {},
  }
}

/** A verifier that throws `error` for every token, and counts its calls. */
export function throwingVerifier(error: () => unknown): TokenVerifier & { calls: number } {
  return {
    calls: 0,
    async verify() {
      this.calls++
      throw error()
    },
    async close() {},
  }
}
