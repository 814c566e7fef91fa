export type { JwksStore } from './jwks-store.js'
export type { AccessTokenClaims, TokenVerifier, VerifiedToken } from './types.js'
export { createVerifier, type JwtVerifier, type VerifierOptions } from './verifier.js'
