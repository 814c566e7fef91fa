import type { DpopKey } from '../dpop/dpop-key.js'

/** An access token with its type: `Bearer`, or `DPoP` for one bound to `dpopKey`. */
export interface TypedAccessToken {
  accessToken: string
  tokenType: 'Bearer' | 'DPoP'
}

/** What one call needs of its token. */
export interface TokenRequestOptions {
  /**
   * Scopes this call needs, beyond the provider's own `scope`. Served from the
   * provider's one token when it carries them; else that token is replaced by
   * one asked for the union.
   */
  scope?: string | readonly string[] | undefined
}

/** Supplies access tokens for outbound calls. */
export interface AccessTokenSource {
  /** A valid access token, from cache when possible. */
  getToken(options?: TokenRequestOptions): Promise<string>
  /**
   * Drops the cached token only if it is still `token`, so many concurrent
   * 401s for the same token cause a single refresh.
   */
  invalidate(token: string): Promise<void> | void
  /** The token with its type; without it, every token is a bearer token. */
  getAccessToken?(options?: TokenRequestOptions): Promise<TypedAccessToken>
  /** The key DPoP tokens of this source are bound to: it signs the proof of each call. */
  readonly dpopKey?: DpopKey | undefined
}
