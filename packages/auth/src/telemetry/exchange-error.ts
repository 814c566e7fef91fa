/**
 * The `error` attribute of a failed token exchange is the OAuth 2.0 error code
 * the token endpoint answered (`access_denied`, `invalid_client`,
 * `too_many_requests`, ...); `http_<status>` (`http_502`) for an answer with no
 * OAuth error body; or one of these, for what kept it from answering.
 */
export const EXCHANGE_ERRORS = Object.freeze({
  /** The token endpoint could not be reached (connection refused, reset, DNS). */
  network: 'network',
  /** The token endpoint did not answer within `timeoutMs`. */
  timeout: 'timeout',
  /** The token endpoint answered 2xx with something that is not a usable token. */
  invalidResponse: 'invalid_response',
  /** The issuer's discovery document could not be read. */
  discovery: 'discovery',
  /** Anything else: a defect, or a key that could not sign. */
  internal: 'internal',
} as const)

// RFC 6749 §5.2: error codes are printable ASCII; we keep the usual snake_case
// ones, so that an odd server answer cannot mint attribute values at will.
const OAUTH_CODE = /^[a-z][a-z0-9_]{0,63}$/

/** The `error` attribute of the error an exchange failed with. */
export function exchangeErrorCode(error: unknown): string {
  const { code, cause, status } = (error ?? {}) as {
    code?: unknown
    cause?: unknown
    status?: unknown
  }
  const oauth = (error as { error?: unknown } | null)?.error
  switch (code) {
    case 'AUTH_ERR_TOKEN_ENDPOINT':
      if (typeof oauth === 'string' && OAUTH_CODE.test(oauth)) return oauth
      return typeof status === 'number' ? `http_${status}` : EXCHANGE_ERRORS.internal
    case 'AUTH_ERR_TOKEN_NETWORK': {
      const name = (cause as { name?: unknown } | null)?.name
      return name === 'TimeoutError' || name === 'AbortError'
        ? EXCHANGE_ERRORS.timeout
        : EXCHANGE_ERRORS.network
    }
    case 'AUTH_ERR_TOKEN_RESPONSE':
      return EXCHANGE_ERRORS.invalidResponse
    case 'AUTH_ERR_DISCOVERY':
      return EXCHANGE_ERRORS.discovery
    default:
      return EXCHANGE_ERRORS.internal
  }
}
