import { sanitizeErrorDescription } from './error-description.js'

/** The attributes of a Bearer challenge after `realm` (RFC 6750 §3), or of a DPoP one (RFC 9449 §7.1). */
export interface BearerChallengeParams {
  /** `invalid_request`, `invalid_token`, `insufficient_scope`, `invalid_dpop_proof` or `use_dpop_nonce`. */
  error?: string
  errorDescription?: string
  /** Space-delimited scopes, for `insufficient_scope`. */
  scope?: string
}

// RFC 6750 §3: the characters allowed inside realm, error_description and scope values.
const QUOTED_SAFE = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/

/** True when `value` can sit between double quotes in a Bearer challenge as is. */
export function isChallengeSafe(value: string): boolean {
  return QUOTED_SAFE.test(value)
}

/**
 * Builds a `WWW-Authenticate: Bearer` value. With no `error`, the challenge is
 * just `Bearer realm="..."`, as RFC 6750 §3.1 asks when a request carries no
 * credentials. `realm` must already be challenge-safe (checked when the plugin
 * is registered); the description is sanitized here.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function bearerChallenge(realm: string, params: BearerChallengeParams = {}): string {
  let value = `Bearer realm="${realm}"`
  if (params.error !== undefined) value += `, error="${params.error}"`
  if (params.errorDescription !== undefined) {
    value += `, error_description="${sanitizeErrorDescription(params.errorDescription)}"`
  }
  if (params.scope !== undefined) value += `, scope="${params.scope}"`
  return value
}

/**
 * Builds a `WWW-Authenticate: DPoP` value (RFC 9449 §7.1): `error`,
 * `error_description` and `scope` as in a Bearer challenge, then `algs`, the
 * proof algorithms accepted (space-separated, challenge-safe by construction).
 * No `realm`, as RFC 9449's examples and express-oauth2-jwt-bearer send it.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 */
export function dpopChallenge(algs: string, params: BearerChallengeParams = {}): string {
  let value = 'DPoP '
  if (params.error !== undefined) value += `error="${params.error}", `
  if (params.errorDescription !== undefined) {
    value += `error_description="${sanitizeErrorDescription(params.errorDescription)}", `
  }
  if (params.scope !== undefined) value += `scope="${params.scope}", `
  return `${value}algs="${algs}"`
}
