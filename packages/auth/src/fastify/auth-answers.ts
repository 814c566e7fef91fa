import { AuthError } from '../errors.js'
import { redactToken, sanitizeErrorDescription } from './error-description.js'
import type { ScopeRule } from './route-scopes.js'
import type { BearerChallengeParams } from './www-authenticate.js'

/** An HTTP answer to a request that cannot proceed, with an OAuth-style JSON body. */
export interface AuthAnswer {
  readonly statusCode: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: { readonly error: string; readonly error_description: string }
  /** On a 403 `insufficient_scope`: what the route asks. */
  readonly rule?: ScopeRule
}

/** What the plugin's `formatBody` option receives, to shape the body of a refusal. */
export interface AuthRefusal {
  readonly statusCode: number
  /**
   * `unauthorized`, `invalid_request`, `invalid_token`, `insufficient_scope`,
   * `temporarily_unavailable`, or on a DPoP request `invalid_dpop_proof` or `use_dpop_nonce`.
   */
  readonly error: string
  /** Safe to show: never the token. */
  readonly error_description: string
  /** On a 403: the route's scopes, and whether all or any of them are needed. */
  readonly rule?: ScopeRule
}

/** `error_description` of the 401 sent when a request carries no bearer credentials. */
export const NO_CREDENTIALS_DESCRIPTION = 'An Authorization header with a Bearer token is required'

/**
 * `error_description` of the 401 sent on a route that requires DPoP, to a
 * request with no credentials or with a Bearer token.
 */
export const DPOP_REQUIRED_DESCRIPTION =
  'An Authorization header with a DPoP token, and a DPoP proof header, are required'

/**
 * The `WWW-Authenticate` value of a refusal, for the schemes the route
 * accepts: a Bearer challenge, a DPoP one, or both (RFC 9110 §11.6.1).
 */
export type Challenge = (params?: BearerChallengeParams) => string

/**
 * `error_description` of the 503 sent when tokens cannot be verified for now.
 * Fixed on purpose: the verifier's message may quote an upstream JWKS answer.
 */
export const UNAVAILABLE_DESCRIPTION = 'The access token cannot be verified right now; retry later'

/**
 * 401 for a request without bearer credentials. RFC 6750 §3.1 says the
 * challenge then carries no error code, so the header is `Bearer realm="..."`
 * alone. The body still needs an `error`: it is `unauthorized`, not one of the
 * RFC 6750 codes, because `invalid_request` or `invalid_token` would claim an
 * error the header deliberately does not.
 */
export function noCredentialsAnswer(
  challenge: Challenge,
  description: string = NO_CREDENTIALS_DESCRIPTION,
): AuthAnswer {
  return {
    statusCode: 401,
    headers: { 'www-authenticate': challenge() },
    body: { error: 'unauthorized', error_description: description },
  }
}

/** 400 `invalid_request` (RFC 6750 §3.1): a malformed request or a token in more than one place. */
export function invalidRequestAnswer(challenge: Challenge, description: string): AuthAnswer {
  return challengeAnswer(400, challenge, 'invalid_request', description)
}

/** 401 `invalid_token` (RFC 6750 §3.1): the token is malformed, expired, revoked or not for us. */
export function invalidTokenAnswer(challenge: Challenge, description: string): AuthAnswer {
  return challengeAnswer(401, challenge, 'invalid_token', description)
}

/**
 * 401 `invalid_dpop_proof` or `use_dpop_nonce` (RFC 9449 §7.1, §9): the DPoP
 * proof is missing, malformed, for another request, too old, replayed, or
 * lacks the nonce the server asks for; `nonce` is then sent as `DPoP-Nonce`.
 */
export function dpopProofAnswer(
  challenge: Challenge,
  error: string,
  description: string,
  nonce?: string,
): AuthAnswer {
  const answer = challengeAnswer(401, challenge, error, description)
  if (nonce === undefined) return answer
  return { ...answer, headers: { ...answer.headers, 'dpop-nonce': nonce } }
}

/**
 * 403 `insufficient_scope` (RFC 6750 §3.1). `scope` lists the route's scopes:
 * all of them for an all-of rule, the alternatives for an any-of rule.
 */
export function insufficientScopeAnswer(
  challenge: Challenge,
  description: string,
  scope: string,
  rule?: ScopeRule,
): AuthAnswer {
  const answer = challengeAnswer(403, challenge, 'insufficient_scope', description, scope)
  return rule === undefined ? answer : { ...answer, rule }
}

/**
 * 503 `temporarily_unavailable` with `Retry-After`, when the verifier cannot
 * decide (no key known and the JWKS unreachable, or a defect). Not a
 * challenge: the token may well be good.
 */
export function unavailableAnswer(retryAfter: string): AuthAnswer {
  return {
    statusCode: 503,
    headers: { 'retry-after': retryAfter },
    body: { error: 'temporarily_unavailable', error_description: UNAVAILABLE_DESCRIPTION },
  }
}

function challengeAnswer(
  statusCode: number,
  challenge: Challenge,
  error: string,
  description: string,
  scope?: string,
): AuthAnswer {
  const errorDescription = sanitizeErrorDescription(description)
  return {
    statusCode,
    headers: {
      'www-authenticate': challenge({
        error,
        errorDescription,
        ...(scope === undefined ? {} : { scope }),
      }),
    },
    body: { error, error_description: errorDescription },
  }
}

/** How a verification failure is answered. */
export type VerificationFailure =
  | { readonly kind: 'invalid_token'; readonly code: string; readonly description: string }
  | { readonly kind: 'unavailable'; readonly code: string; readonly detail: string }
  | { readonly kind: 'unexpected'; readonly error: unknown }

/**
 * Sorts what a verifier threw. An `AuthError` with status 401 is the token's
 * fault (`invalid_token`); one with 503 means keys cannot be had for now.
 * Anything else is a defect, answered as 503 rather than 500 and logged.
 * Messages are redacted of the token before they go anywhere.
 */
export function classifyVerificationError(error: unknown, token: string): VerificationFailure {
  if (isAuthError(error)) {
    const message = redactToken(error.message, token)
    if (error.statusCode === 401) {
      return { kind: 'invalid_token', code: error.code, description: message }
    }
    if (error.statusCode === 503) return { kind: 'unavailable', code: error.code, detail: message }
  }
  return { kind: 'unexpected', error }
}

/**
 * True for this package's coded errors; the code prefix also recognizes them
 * when two copies of the package are installed and `instanceof` fails.
 */
export function isAuthError(error: unknown): error is AuthError {
  if (error instanceof AuthError) return true
  const { code, statusCode } = (error ?? {}) as { code?: unknown; statusCode?: unknown }
  return (
    error instanceof Error &&
    typeof code === 'string' &&
    code.startsWith('AUTH_ERR_') &&
    typeof statusCode === 'number'
  )
}

/** An error as a log object, with the token redacted from its message and stack. */
export function loggableError(error: unknown, token: string): Record<string, unknown> {
  if (!(error instanceof Error)) {
    return { type: typeof error, message: redactToken(String(error), token) }
  }
  const { code } = error as { code?: unknown }
  return {
    type: error.constructor.name,
    ...(typeof code === 'string' ? { code } : {}),
    message: redactToken(error.message, token),
    ...(error.stack === undefined ? {} : { stack: redactToken(error.stack, token) }),
  }
}
