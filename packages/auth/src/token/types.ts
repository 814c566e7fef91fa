import type { DpopKey } from '../dpop/dpop-key.js'

/** An access token with its type: `Bearer`, or `DPoP` for one bound to `dpopKey`. */
export interface TypedAccessToken {
  accessToken: string
  tokenType: 'Bearer' | 'DPoP'
}

/** Supplies access tokens for outbound calls. */
export interface AccessTokenSource {
  /** A valid access token, from cache when possible. */
  getToken(): Promise<string>
  /**
   * Drops the cached token only if it is still `token`, so many concurrent
   * 401s for the same token cause a single refresh.
   */
  invalidate(token: string): Promise<void> | void
  /** The token with its type; without it, every token is a bearer token. */
  getAccessToken?(): Promise<TypedAccessToken>
  /** The key DPoP tokens of this source are bound to: it signs the proof of each call. */
  readonly dpopKey?: DpopKey | undefined
}
