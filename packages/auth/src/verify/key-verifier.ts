import { createPublicKey, type JsonWebKey } from 'node:crypto'
import { createVerifier } from 'fast-jwt'

/** Verifies a token's signature and claims with one key; throws fast-jwt errors. */
export type KeyVerifyFn = (token: string) => Record<string, unknown>

export interface KeyVerifierSettings {
  algorithms: readonly string[]
  /** The `iss` values accepted, each compared exactly (see `issuerForms`). */
  issuers: readonly string[]
  audience: readonly string[]
  /** Milliseconds, as fast-jwt counts. */
  clockToleranceMs: number
  requiredClaims: readonly string[]
  /** An RSA key whose JWK names one RSA `alg` verifies the other allowed RSA algorithms too. */
  rsaKeysForAllRsaAlgorithms: boolean
}

// A Map, not an object literal: `kty` comes from the JWKS, and `toString` or
// `__proto__` must not reach Object.prototype.
const familyOf = new Map<unknown, readonly string[]>([
  ['RSA', ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']],
  ['EC', ['ES256', 'ES384', 'ES512']],
  ['OKP', ['EdDSA']],
])

/**
 * Builds a synchronous fast-jwt verifier bound to one JWK, or `undefined` when
 * the key cannot sign any allowed algorithm (wrong type, `use` other than `sig`,
 * or an `alg` outside the list). The key is imported once here; fast-jwt with
 * an async key function would import it again on every verification.
 */
export function createKeyVerifier(
  jwk: JsonWebKey & { kid?: string; alg?: string; use?: string },
  settings: KeyVerifierSettings,
): KeyVerifyFn | undefined {
  if (jwk.use !== undefined && jwk.use !== 'sig') return undefined
  const family = familyOf.get(jwk.kty) ?? []
  // RFC 7517 §4.4: a key that names its `alg` serves that algorithm only, unless the
  // caller opted in for RSA keys (Auth0 names its keys RS256 and signs the tokens of
  // PS256 and RS512 APIs with them).
  const fits = (alg: string) =>
    jwk.alg === undefined ||
    jwk.alg === alg ||
    (settings.rsaKeysForAllRsaAlgorithms && jwk.kty === 'RSA' && family.includes(jwk.alg))
  const algorithms = settings.algorithms.filter((alg) => family.includes(alg) && fits(alg))
  if (algorithms.length === 0) return undefined
  // RFC 7518 §3.3: RSA keys of 2048 bits or more.
  if (jwk.kty === 'RSA' && Buffer.from(String(jwk.n ?? ''), 'base64url').length < 256) {
    return undefined
  }

  try {
    // Only the public members: a JWKS that leaks `d` must not make us hold a private key.
    const { kty, n, e, crv, x, y } = jwk
    const pem = createPublicKey({ key: { kty, n, e, crv, x, y } as JsonWebKey, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString()
    // fast-jwt refuses a key that fits none of the algorithms (a P-256 key when only
    // ES384 is allowed, an X25519 key): skip that key rather than fail the whole JWKS.
    return createVerifier({
      key: pem,
      algorithms: algorithms as never,
      allowedIss: [...settings.issuers],
      allowedAud: [...settings.audience],
      requiredClaims: [...settings.requiredClaims],
      clockTolerance: settings.clockToleranceMs,
      cache: false,
    }) as KeyVerifyFn
  } catch {
    return undefined
  }
}

/** A fast-jwt verifier for HS256 tokens signed with an API's signing secret. */
export function createSecretVerifier(secret: string, settings: KeyVerifierSettings): KeyVerifyFn {
  return createVerifier({
    key: secret,
    algorithms: ['HS256'],
    allowedIss: [...settings.issuers],
    allowedAud: [...settings.audience],
    requiredClaims: [...settings.requiredClaims],
    clockTolerance: settings.clockToleranceMs,
    cache: false,
  }) as KeyVerifyFn
}
