import { TokenClaimError, TokenInactiveError } from '../errors.js'

/**
 * Checks fast-jwt leaves to us, on a token whose signature and registered
 * claims already verified:
 *
 * - `iat` must be a number and not in the future beyond the clock tolerance:
 *   a token "issued" later than now comes from a skewed or misused signer, and
 *   refusing it matches how `nbf` is treated (RFC 7519 §4.1.6 leaves the
 *   policy to the recipient).
 * - `scope` must be a space-delimited string when present (RFC 8693 §4.2,
 *   RFC 9068 §2.2.3, and what Auth0 issues). Scopes are read from `scope`
 *   only: `scp` and `permissions` grant nothing, so one claim decides.
 *
 * @param toleranceMs allowed clock skew, in milliseconds
 */
export function checkProfileClaims(
  claims: Record<string, unknown>,
  toleranceMs: number,
  nowMs: number = Date.now(),
): void {
  const { iat, scope } = claims
  if (iat !== undefined) {
    if (typeof iat !== 'number' || !Number.isFinite(iat)) {
      throw new TokenClaimError('the iat claim must be a number')
    }
    if (iat * 1000 > nowMs + toleranceMs) {
      throw new TokenInactiveError(
        `The token was issued in the future, at ${new Date(iat * 1000).toISOString()}.`,
      )
    }
  }
  if (scope !== undefined && typeof scope !== 'string') {
    throw new TokenClaimError('the scope claim must be a space-delimited string')
  }
}
