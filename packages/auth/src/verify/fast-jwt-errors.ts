import type { AuthError } from '../errors.js'
import {
  TokenAlgorithmError,
  TokenClaimError,
  TokenExpiredError,
  TokenInactiveError,
  TokenMalformedError,
  TokenSignatureError,
} from '../errors.js'

/** Translates a fast-jwt `TokenError` into this package's coded errors, at the boundary. */
export function fromFastJwtError(error: unknown): AuthError {
  const code = (error as { code?: unknown }).code
  const message = error instanceof Error ? error.message : String(error)
  const options = { cause: error }
  switch (code) {
    case 'FAST_JWT_EXPIRED':
      return new TokenExpiredError(message, options)
    case 'FAST_JWT_INACTIVE':
      return new TokenInactiveError(message, options)
    case 'FAST_JWT_INVALID_SIGNATURE':
      return new TokenSignatureError(options)
    case 'FAST_JWT_INVALID_ALGORITHM':
      return new TokenAlgorithmError(message, options)
    case 'FAST_JWT_MISSING_REQUIRED_CLAIM':
    case 'FAST_JWT_INVALID_CLAIM_VALUE':
    case 'FAST_JWT_INVALID_CLAIM_TYPE':
      return new TokenClaimError(message, options)
    default:
      return new TokenMalformedError(message, options)
  }
}
