/**
 * The `reason` attribute of an invalid verification: a short, stable code for
 * the `AUTH_ERR_*` error the verifier threw, coarse enough to chart.
 */
export const VERIFICATION_REASONS = Object.freeze({
  /** `AUTH_ERR_TOKEN_MALFORMED`: not a compact JWS, no `kid`, too long, bad JSON. */
  malformed: 'malformed',
  /** `AUTH_ERR_TOKEN_ALGORITHM`: `alg` not among the allowed algorithms. */
  algorithm: 'algorithm',
  /** `AUTH_ERR_TOKEN_SIGNATURE`: the signature does not verify. */
  signature: 'signature',
  /** `AUTH_ERR_TOKEN_EXPIRED`: past `exp` (and the clock tolerance). */
  expired: 'expired',
  /** `AUTH_ERR_TOKEN_INACTIVE`: before `nbf`, or `iat` in the future. */
  notYetValid: 'not_yet_valid',
  /** `AUTH_ERR_TOKEN_CLAIM` about `iss`: another issuer's token. */
  issuer: 'issuer',
  /** `AUTH_ERR_TOKEN_CLAIM` about `aud`: a token for another API. */
  audience: 'audience',
  /** `AUTH_ERR_TOKEN_CLAIM`, any other claim: a required one missing, a bad `scope`, ... */
  claim: 'claim',
  /** `AUTH_ERR_UNKNOWN_KEY`: no key with the token's `kid` in the JWKS. */
  unknownKid: 'unknown_kid',
  /** `AUTH_ERR_JWKS_UNAVAILABLE`: the key is unknown and the JWKS cannot be fetched. */
  jwksUnavailable: 'jwks_unavailable',
  /** Anything that is not one of this package's errors: a defect. */
  error: 'error',
} as const)

export type VerificationReason = (typeof VERIFICATION_REASONS)[keyof typeof VERIFICATION_REASONS]

const byCode = new Map<string, VerificationReason>([
  ['AUTH_ERR_TOKEN_MALFORMED', VERIFICATION_REASONS.malformed],
  ['AUTH_ERR_TOKEN_ALGORITHM', VERIFICATION_REASONS.algorithm],
  ['AUTH_ERR_TOKEN_SIGNATURE', VERIFICATION_REASONS.signature],
  ['AUTH_ERR_TOKEN_EXPIRED', VERIFICATION_REASONS.expired],
  ['AUTH_ERR_TOKEN_INACTIVE', VERIFICATION_REASONS.notYetValid],
  ['AUTH_ERR_TOKEN_CLAIM', VERIFICATION_REASONS.claim],
  ['AUTH_ERR_UNKNOWN_KEY', VERIFICATION_REASONS.unknownKid],
  ['AUTH_ERR_JWKS_UNAVAILABLE', VERIFICATION_REASONS.jwksUnavailable],
])

// fast-jwt names the claim in its message: "The aud claim value is not
// allowed.", "None of aud claim values are allowed.", "The iss claim is required."
const CLAIM_NAMED = /\b(aud|iss)\b claim/

/** The reason code of what a verifier threw. */
export function verificationReason(error: unknown): VerificationReason {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
  const reason = typeof code === 'string' ? byCode.get(code) : undefined
  if (reason === undefined) return VERIFICATION_REASONS.error
  if (reason !== VERIFICATION_REASONS.claim || typeof message !== 'string') return reason
  const claim = CLAIM_NAMED.exec(message)?.[1]
  if (claim === 'aud') return VERIFICATION_REASONS.audience
  if (claim === 'iss') return VERIFICATION_REASONS.issuer
  return reason
}
