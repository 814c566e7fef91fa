/**
 * The `reason` attribute of `m2m.http.server.auth_rejections`: which refusal
 * the Fastify plugin answered, one code per answer it can give.
 */
export const REJECTION_REASONS = Object.freeze({
  /** 401: no credentials (no `Authorization` header, or another scheme). */
  missingToken: 'missing_token',
  /** 401: the route requires DPoP; no credentials, or a Bearer token. */
  dpopRequired: 'dpop_required',
  /** 400: a malformed `Authorization` header, a token in the query string or in two places. */
  invalidRequest: 'invalid_request',
  /** 401: the token is refused (see `m2m.jwt.verifications` for why), or its DPoP binding is wrong. */
  invalidToken: 'invalid_token',
  /** 401: the DPoP proof is missing, malformed, for another request, too old or replayed. */
  invalidDpopProof: 'invalid_dpop_proof',
  /** 401: the DPoP proof lacks the server's current nonce. */
  useDpopNonce: 'use_dpop_nonce',
  /** 403: the token lacks the route's scopes. */
  insufficientScope: 'insufficient_scope',
  /** 503: the token cannot be verified for now (JWKS unreachable, replay cache failing, a defect). */
  unavailable: 'unavailable',
} as const)

export type RejectionReason = (typeof REJECTION_REASONS)[keyof typeof REJECTION_REASONS]
