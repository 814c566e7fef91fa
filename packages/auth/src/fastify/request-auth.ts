import type { ScopeSet } from '../scopes.js'
import type { AccessTokenClaims, VerifiedToken } from '../verify/types.js'
import type { DpopMode } from './dpop-mode.js'
import type { RouteScopes } from './route-scopes.js'

/** What `request.auth` holds once the request's access token (and DPoP proof) is verified. */
export interface RequestAuth {
  /** The verified claims, frozen. */
  readonly claims: AccessTokenClaims
  /** The calling client: `azp`, else `client_id`, else `sub` without `@clients`. */
  readonly clientId: string | undefined
  /** The granted scopes. */
  readonly scopes: ScopeSet
  /** From `org_id` and `org_name`, when the token was issued for an organization. */
  readonly organization: { readonly id: string; readonly name: string | undefined } | undefined
  /**
   * How the token was presented: `Bearer` (RFC 6750), or `DPoP` (RFC 9449)
   * with a proof of possession of the key the token is bound to.
   */
  readonly tokenType: 'Bearer' | 'DPoP'
  /**
   * On a DPoP request: `jkt`, the RFC 7638 thumbprint of the key that signed
   * the proof, equal to the token's `cnf.jkt`. `undefined` for a Bearer token.
   */
  readonly dpop: { readonly jkt: string } | undefined
}

// One frozen value per verified token and scheme, so a token served from the verifier's cache
// gives every request the same one: freezing a new object cost ~90 ns a request, this lookup ~20.
const bearerAuth = new WeakMap<VerifiedToken, RequestAuth>()
const dpopAuth = new WeakMap<VerifiedToken, RequestAuth>()

function cachedAuth(
  cache: WeakMap<VerifiedToken, RequestAuth>,
  verified: VerifiedToken,
  tokenType: RequestAuth['tokenType'],
  dpop: RequestAuth['dpop'],
): RequestAuth {
  let auth = cache.get(verified)
  if (auth === undefined) {
    auth = Object.freeze({
      claims: verified.claims,
      clientId: verified.clientId,
      scopes: verified.scopes,
      organization: verified.organization,
      tokenType,
      dpop,
    })
    cache.set(verified, auth)
  }
  return auth
}

/** Builds the `request.auth` value of a Bearer request. The token itself is left out on purpose. */
export function toRequestAuth(verified: VerifiedToken): RequestAuth {
  return cachedAuth(bearerAuth, verified, 'Bearer', undefined)
}

/**
 * The `request.auth` value of a DPoP request. `jkt` is the token's own
 * `cnf.jkt`, so it too is built once per verified token.
 */
export function toDpopRequestAuth(verified: VerifiedToken, jkt: string): RequestAuth {
  const cached = dpopAuth.get(verified)
  if (cached) return cached
  return cachedAuth(dpopAuth, verified, 'DPoP', Object.freeze({ jkt }))
}

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The verified token of the request; `null` on a route that opted out
     * with `config: { auth: false }`.
     */
    auth: RequestAuth | null
  }

  interface FastifyContextConfig {
    /**
     * `false` makes the route public: no token is read or checked and
     * `request.auth` stays `null`. Default `true`.
     */
    auth?: boolean
    /**
     * Scopes the token must grant: `['a', 'b']` (all of them),
     * `{ allOf: [...] }` or `{ anyOf: [...] }`. Default: the plugin's
     * `defaultScopes`.
     */
    scopes?: RouteScopes
    /**
     * Whether the route takes Bearer tokens, DPoP-bound tokens with a proof,
     * or both (`'allowed'`). Default: the plugin's `dpop.mode`.
     */
    dpop?: DpopMode
  }
}
