import type { ScopeSet } from '../scopes.js'

/** Claims of an access token as Auth0 issues them (default and RFC 9068 profiles). */
export interface AccessTokenClaims {
  iss: string
  sub: string
  aud: string | string[]
  exp: number
  iat?: number
  nbf?: number
  jti?: string
  /** Space-delimited scopes. */
  scope?: string
  /** Client id (Auth0 default profile). */
  azp?: string
  /** Client id (RFC 9068 profile). */
  client_id?: string
  /** Grant type, `client-credentials` for M2M tokens. */
  gty?: string
  org_id?: string
  org_name?: string
  [claim: string]: unknown
}

/** What a successful verification yields: the token's facts, ready for authorization. */
export interface VerifiedToken {
  header: { alg: string; kid?: string; typ?: string }
  claims: AccessTokenClaims
  scopes: ScopeSet
  /** `azp`, else `client_id`, else the `sub` without its `@clients` suffix. */
  clientId: string | undefined
  organization: { id: string; name: string | undefined } | undefined
}

/** Verifies bearer access tokens; throws an `AuthError` (see `../errors.ts`) when a token is not acceptable. */
export interface TokenVerifier {
  verify(token: string): Promise<VerifiedToken>
  /**
   * Optional. What `verify(token)` would answer from its cache of verified
   * tokens, synchronously (no promise, no I/O), or `undefined` when the token
   * is not there (or no longer stands): the caller then calls `verify`. Must
   * apply every check a cache hit of `verify` applies, never throw, and answer
   * only for a token `verify` accepted — a compact JWS, which the Fastify
   * plugin therefore does not check for RFC 6750 syntax again.
   */
  verifyCached?(token: string): VerifiedToken | undefined
  /**
   * Optional. What `verifyCached` would answer for the token of an
   * `Authorization` header value sent exactly as `Bearer <token>` (that
   * spelling of the scheme, one space, nothing around), compared whole;
   * `undefined` for any other value. The same contract as `verifyCached`
   * (the Fastify plugin takes a throw as a miss). It lets the plugin answer
   * a request on a token it holds without cutting the token out of the header.
   */
  verifyCachedAuthorization?(authorization: string): VerifiedToken | undefined
  /** Releases sockets and timers. */
  close(): Promise<void>
}
