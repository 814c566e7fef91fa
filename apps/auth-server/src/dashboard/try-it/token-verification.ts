import { createVerifier } from '@m2m/auth/verify'
import type { KeyRing } from '../../keys/key-ring.js'
import type { ResourceServer } from '../../tenant/model.js'

export interface VerificationCheck {
  name: 'signature' | 'issuer' | 'audience' | 'expiry' | 'claims'
  ok: boolean
  detail: string
}

export interface Verification {
  valid: boolean
  checks: VerificationCheck[]
}

/** The verifier's codes for a token whose signature was not (or could not be) checked. */
const SIGNATURE_CODES = new Set([
  'AUTH_ERR_TOKEN_SIGNATURE',
  'AUTH_ERR_TOKEN_ALGORITHM',
  'AUTH_ERR_TOKEN_MALFORMED',
  'AUTH_ERR_UNKNOWN_KEY',
  'AUTH_ERR_JWKS_UNAVAILABLE',
])

/** One segment of a compact JWS as JSON, or `undefined` when it is not a JSON object. */
export function decodeSegment(token: string, index: 0 | 1): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(
      Buffer.from(token.split('.')[index] ?? '', 'base64url').toString('utf8'),
    )
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

function errorOf(error: unknown): { code: string; message: string } {
  const code = (error as { code?: unknown }).code
  return {
    code: typeof code === 'string' ? code : '',
    message: error instanceof Error ? error.message : String(error),
  }
}

/**
 * Verifies a token the tenant just issued as an API would, with `@m2m/auth`'s
 * verifier (fast-jwt underneath): RS256/RS512/PS256 against the key ring's
 * JWKS in process, HS256 with the API's signing secret (never shown). The
 * verifier stops at the first failure, so issuer, audience and expiry are
 * also read from the payload, one line each.
 */
export async function verifyIssuedToken(
  token: string,
  api: ResourceServer,
  context: { issuer: string; keys: KeyRing; now?: () => number },
): Promise<Verification> {
  const header = decodeSegment(token, 0) ?? {}
  const payload = decodeSegment(token, 1) ?? {}
  const hmac = api.signing_alg === 'HS256'
  let failure: { code: string; message: string } | undefined
  if (hmac && !api.signing_secret) {
    failure = { code: 'AUTH_ERR_TOKEN_SIGNATURE', message: 'The API has no signing secret.' }
  } else {
    const verifier = createVerifier({
      issuer: context.issuer,
      audience: api.identifier,
      ...(hmac
        ? { secret: api.signing_secret as string, algorithms: ['HS256'] }
        : {
            algorithms: [api.signing_alg],
            // The key ring's keys are RS256 JWKs that also sign RS512 and PS256 tokens, as on Auth0.
            rsaKeysForAllRsaAlgorithms: true,
            jwks: () => context.keys.jwks(),
            jwksCooldownMs: 0,
          }),
      cacheMax: 0,
    })
    try {
      await verifier.verify(token)
    } catch (error) {
      failure = errorOf(error)
    } finally {
      await verifier.close()
    }
  }

  const alg = typeof header.alg === 'string' ? header.alg : 'no alg'
  const signatureOk = failure === undefined || !SIGNATURE_CODES.has(failure.code)
  const checks: VerificationCheck[] = [
    {
      name: 'signature',
      ok: signatureOk,
      detail: !signatureOk
        ? (failure?.message ?? '')
        : hmac
          ? `${alg}, with the API's signing secret (not shown)`
          : `${alg}, with key ${String(header.kid)} of the tenant's JWKS`,
    },
    issuerCheck(payload.iss, context.issuer),
    audienceCheck(payload.aud, api.identifier),
    expiryCheck(payload.exp, (context.now ?? Date.now)()),
  ]
  // A refusal none of the lines above explains (iat in the future, a malformed scope claim).
  if (failure && signatureOk && checks.every((check) => check.ok)) {
    checks.push({ name: 'claims', ok: false, detail: failure.message })
  }
  return { valid: failure === undefined && checks.every((check) => check.ok), checks }
}

function issuerCheck(iss: unknown, issuer: string): VerificationCheck {
  return iss === issuer
    ? { name: 'issuer', ok: true, detail: `iss is ${issuer}` }
    : { name: 'issuer', ok: false, detail: `iss is ${JSON.stringify(iss)}, not ${issuer}` }
}

function audienceCheck(aud: unknown, identifier: string): VerificationCheck {
  const audiences = Array.isArray(aud) ? aud : [aud]
  return audiences.includes(identifier)
    ? { name: 'audience', ok: true, detail: `aud includes ${identifier}` }
    : { name: 'audience', ok: false, detail: `aud ${JSON.stringify(aud)} lacks ${identifier}` }
}

function expiryCheck(exp: unknown, nowMs: number): VerificationCheck {
  if (typeof exp !== 'number') return { name: 'expiry', ok: false, detail: 'no exp claim' }
  const at = new Date(exp * 1000).toISOString()
  const left = Math.round(exp - nowMs / 1000)
  return left > 0
    ? { name: 'expiry', ok: true, detail: `expires at ${at}, in ${left} s` }
    : { name: 'expiry', ok: false, detail: `expired at ${at}` }
}
