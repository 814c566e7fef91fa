/**
 * `@m2m/auth/dpop`: DPoP (RFC 9449) for both sides: key pairs, proofs, their
 * verification, and the replay caches that refuse a proof used twice.
 */

export { type DpopErrorCode, DpopProofError, ReplayCacheFullError } from '../errors.js'
export { DPOP_ALGORITHMS, type DpopAlgorithm, isDpopAlgorithm } from './algorithms.js'
export { createDpopKey, type DpopKey } from './dpop-key.js'
export { accessTokenHash, createDpopProof, type DpopProofClaims } from './dpop-proof.js'
export { normalizeHtu } from './htu.js'
export { jwkThumbprint } from './jwk-thumbprint.js'
export {
  createMemoryReplayCache,
  createRedisReplayCache,
  type MemoryReplayCache,
  type ReplayCache,
  type ReplayCheck,
  type ReplayRedis,
} from './replay-cache.js'
export { createServerNonces, type ServerNonces } from './server-nonces.js'
export {
  DEFAULT_MAX_AGE_SECONDS,
  type DpopProofExpectations,
  type VerifiedDpopProof,
  verifyDpopProof,
} from './verify-dpop-proof.js'
