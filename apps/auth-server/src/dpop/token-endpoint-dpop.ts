import {
  DPOP_ALGORITHMS,
  DpopProofError,
  type ReplayCache,
  ReplayCacheFullError,
  type ServerNonces,
  type VerifiedDpopProof,
  verifyDpopProof,
} from '@m2m/auth/dpop'
import { auth0Errors } from '../oauth/oauth-error.js'

/** The JWS algorithms of DPoP proofs taken here (discovery's `dpop_signing_alg_values_supported`). */
export const DPOP_SIGNING_ALGS = DPOP_ALGORITHMS

export interface TokenEndpointDpopOptions {
  /** The tenant's issuer: proofs are for `POST <issuer>oauth/token`. */
  issuer: string
  /** One cache for every proof sent to the token endpoint. */
  replay: ReplayCache
  /** Set when the tenant requires server nonces in proofs. */
  nonces?: ServerNonces | undefined
  now?: () => number
}

/**
 * DPoP at `POST /oauth/token` (RFC 9449 §4.3, §5, §8): the `DPoP` header
 * values of a request become the verified proof, or nothing when there is
 * none; any other case is an `OAuthError` (400 `invalid_dpop_proof`, or
 * `use_dpop_nonce` while nonces are required). The proof is never logged nor
 * echoed, only the check that failed.
 */
export function createTokenEndpointDpop(options: TokenEndpointDpopOptions) {
  const htu = `${options.issuer}oauth/token`
  const now = options.now ?? Date.now
  const nonces = options.nonces
  const isNonceValid = nonces && ((nonce: string) => nonces.isValid(nonce))

  return {
    /** `{ 'dpop-nonce': … }` for every answer while nonces are required, else `{}`. */
    nonceHeaders(): Record<string, string> {
      return nonces ? { 'dpop-nonce': nonces.current() } : {}
    },

    async verify(values: readonly string[]): Promise<VerifiedDpopProof | undefined> {
      if (values.length === 0) return undefined
      if (values.length > 1) throw auth0Errors.multipleDpopProofs()
      try {
        return await verifyDpopProof(values[0], {
          htm: 'POST',
          htu,
          replay: options.replay,
          isNonceValid,
          statusCode: 400,
          now: now(),
        })
      } catch (error) {
        if (error instanceof DpopProofError)
          throw auth0Errors.dpopProof(error.error, error.description)
        if (error instanceof ReplayCacheFullError) throw auth0Errors.proofsUnavailable()
        throw error
      }
    },
  }
}

export type TokenEndpointDpop = ReturnType<typeof createTokenEndpointDpop>
