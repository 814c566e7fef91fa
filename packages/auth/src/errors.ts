import createError from '@fastify/error'

/**
 * Base class of every error thrown by `@m2m/auth`. Each error carries a stable
 * `code` (never reused for another meaning) and the HTTP `statusCode` a server
 * should answer with when the error reaches a request boundary.
 */
export class AuthError extends Error {
  declare code: string
  declare statusCode: number
}

/** A coded error class; the last constructor argument may be `{ cause }`. */
export interface AuthErrorConstructor<A extends unknown[] = [string]> {
  new (...args: A | [...A, { cause: unknown }]): AuthError
  readonly prototype: AuthError
}

function define<A extends unknown[] = [string]>(
  code: string,
  message: string,
  statusCode: number,
): AuthErrorConstructor<A> {
  const Base = AuthError as unknown as ErrorConstructor
  return createError(code, message, statusCode, Base) as unknown as AuthErrorConstructor<A>
}

// Configuration ------------------------------------------------------------

export const InvalidOptionError = define('AUTH_ERR_INVALID_OPTION', 'Invalid option: %s', 500)

// Token acquisition (client side) -----------------------------------------

/** What the token endpoint said when it refused (RFC 6749 §5.2), as it said it. */
export interface TokenEndpointErrorFields {
  error?: string | undefined
  error_description?: string | undefined
  error_uri?: string | undefined
  /** The server's `Retry-After`, in ms, when it sent one. */
  retryAfterMs?: number | undefined
}

/** The token endpoint answered with an OAuth 2.0 error (RFC 6749 §5.2). */
export class TokenEndpointError extends AuthError {
  /** The HTTP status the token endpoint answered. */
  readonly status: number
  readonly error: string | undefined
  readonly error_description: string | undefined
  readonly error_uri: string | undefined
  readonly retryAfterMs: number | undefined

  constructor(
    status: number,
    summary: string,
    fields: TokenEndpointErrorFields = {},
    options?: { cause?: unknown },
  ) {
    super(`The token endpoint answered ${status}: ${summary}`, options)
    this.name = 'AuthError'
    this.code = 'AUTH_ERR_TOKEN_ENDPOINT'
    this.statusCode = 502
    this.status = status
    this.error = fields.error
    this.error_description = fields.error_description
    this.error_uri = fields.error_uri
    this.retryAfterMs = fields.retryAfterMs
  }
}
/** The token endpoint answered 2xx with a body that is not a usable token response. */
export const TokenResponseError = define(
  'AUTH_ERR_TOKEN_RESPONSE',
  'The token endpoint sent an invalid response: %s',
  502,
)
/**
 * The token the endpoint issued lacks scopes the caller needs: the client grant
 * does not include them. Names the missing scopes; retrying will not help.
 */
export const ScopeNotGrantedError = define(
  'AUTH_ERR_SCOPE_NOT_GRANTED',
  'The token endpoint did not grant the scopes: %s',
  502,
)
/** The token endpoint could not be reached, or did not answer in time. */
export const TokenNetworkError = define(
  'AUTH_ERR_TOKEN_NETWORK',
  'The token endpoint could not be reached: %s',
  503,
)
/** The discovery document could not be fetched or does not name a token endpoint. */
export const DiscoveryError = define(
  'AUTH_ERR_DISCOVERY',
  'The issuer discovery document is unusable: %s',
  503,
)

/**
 * The token source gave something that cannot be sent as a bearer token (not a
 * string, empty, or outside the RFC 6750 §2.1 `b64token` characters). The
 * message says which, never what the value was.
 */
export const UnusableAccessTokenError = define(
  'AUTH_ERR_UNUSABLE_ACCESS_TOKEN',
  'The access token source returned an unusable token: %s',
  500,
)

// Token verification (resource server side) -------------------------------

export const TokenMalformedError = define(
  'AUTH_ERR_TOKEN_MALFORMED',
  'The token is malformed: %s',
  401,
)
export const TokenExpiredError = define('AUTH_ERR_TOKEN_EXPIRED', 'The token expired: %s', 401)
export const TokenInactiveError = define(
  'AUTH_ERR_TOKEN_INACTIVE',
  'The token is not valid yet: %s',
  401,
)
export const TokenAlgorithmError = define(
  'AUTH_ERR_TOKEN_ALGORITHM',
  'The token algorithm is not allowed: %s',
  401,
)
export const TokenSignatureError = define<[]>(
  'AUTH_ERR_TOKEN_SIGNATURE',
  'The token signature is invalid',
  401,
)
export const TokenClaimError = define(
  'AUTH_ERR_TOKEN_CLAIM',
  'The token claims are invalid: %s',
  401,
)
export const UnknownKeyError = define(
  'AUTH_ERR_UNKNOWN_KEY',
  'The token was signed by an unknown key: %s',
  401,
)
/** No key is known for the token and the JWKS endpoint cannot be reached. */
export const JwksUnavailableError = define(
  'AUTH_ERR_JWKS_UNAVAILABLE',
  'The signing keys cannot be fetched: %s',
  503,
)

// Request authorization (Fastify plugin) -----------------------------------

export const MissingCredentialsError = define<[]>(
  'AUTH_ERR_NO_CREDENTIALS',
  'No bearer token was sent',
  401,
)
export const InvalidRequestError = define(
  'AUTH_ERR_INVALID_REQUEST',
  'The authorization request is malformed: %s',
  400,
)
export const InsufficientScopeError = define(
  'AUTH_ERR_INSUFFICIENT_SCOPE',
  'The token lacks the required scope: %s',
  403,
)

// DPoP (RFC 9449) ------------------------------------------------------------

/** The OAuth error a DPoP refusal carries (RFC 9449 §5, §7.1, §8, §9). */
export type DpopErrorCode = 'invalid_dpop_proof' | 'use_dpop_nonce'

/**
 * A DPoP proof was refused: missing, malformed, for another request, too old,
 * replayed, or without the nonce the server asks for (`use_dpop_nonce`).
 * 400 at a token endpoint, 401 at a resource server (the caller sets which).
 */
export class DpopProofError extends AuthError {
  readonly error: DpopErrorCode
  readonly description: string

  constructor(error: DpopErrorCode, description: string, statusCode = 401) {
    super(`The DPoP proof was refused: ${description}`)
    this.name = 'AuthError'
    this.code = 'AUTH_ERR_DPOP_PROOF'
    this.statusCode = statusCode
    this.error = error
    this.description = description
  }
}

/**
 * The replay cache holds as many `jti`s as it may and none has expired yet:
 * new proofs cannot be checked for replay, so they are not accepted for now.
 * The server is at capacity, not the client at fault.
 */
export const ReplayCacheFullError = define<[]>(
  'AUTH_ERR_REPLAY_CACHE_FULL',
  'Too many DPoP proofs in flight to check them for replay; retry shortly',
  503,
)

// Classification -----------------------------------------------------------

/** Codes whose cause is this side's own set-up, whatever status they carry. */
const CONFIGURATION_CODES = new Set([
  'AUTH_ERR_INVALID_OPTION',
  'AUTH_ERR_UNUSABLE_ACCESS_TOKEN',
  'AUTH_ERR_SCOPE_NOT_GRANTED',
])

/**
 * Whether an error of this package may pass by itself, so the work that met it
 * is worth retrying later: the token endpoint answered 5xx, 429 or 408 (not
 * another 4xx, which is the client's credentials or grant), or could not be
 * reached; discovery or the signing keys could not be fetched. Never for a
 * configuration error, nor for anything not thrown by `@m2m/auth`.
 *
 * Recognized by `code`, not `instanceof`, so that an error from a second copy
 * of this package in the dependency tree is classified the same.
 */
export function isTransientAuthError(error: unknown): boolean {
  const candidate = error as { code?: unknown; statusCode?: unknown; status?: unknown } | null
  if (typeof candidate !== 'object' || candidate === null) return false
  const { code, statusCode, status } = candidate
  if (typeof code !== 'string' || !code.startsWith('AUTH_ERR_')) return false
  if (typeof statusCode !== 'number' || CONFIGURATION_CODES.has(code)) return false
  // AUTH_ERR_TOKEN_ENDPOINT is always 502 to our callers; what the endpoint said decides.
  if (code === 'AUTH_ERR_TOKEN_ENDPOINT' && typeof status === 'number') {
    return status >= 500 || status === 429 || status === 408
  }
  return statusCode >= 500
}
