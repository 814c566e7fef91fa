/** A token as kept in a cache. Times are epoch milliseconds. */
export interface CachedToken {
  accessToken: string
  tokenType: string
  /** The token must not be used from this instant on. */
  expiresAt: number
  /** From this instant on a background refresh should replace the token. */
  refreshAt: number
  /** Scopes the server granted, when it said so. */
  scope?: string | undefined
}

/** A held lock; `release` is safe to call more than once. */
export interface TokenCacheLock {
  release(): Promise<void> | void
}

/**
 * Where tokens are kept between calls. The in-memory cache serves one process;
 * a shared cache (Redis) lets replicas share one token and, through `lock`, one
 * token request. Every method may be synchronous or return a promise.
 */
export interface TokenCache {
  get(key: string): Promise<CachedToken | undefined> | CachedToken | undefined
  /** Stores `token` until `ttlMs` from now. */
  set(key: string, token: CachedToken, ttlMs: number): Promise<void> | void
  /**
   * Deletes the entry. With `ifAccessToken`, deletes only when the stored token
   * is still that one (compare-and-delete), so stale invalidations are no-ops.
   */
  delete(key: string, ifAccessToken?: string): Promise<void> | void
  /**
   * Tries to take the refresh lock for `key` for at most `ttlMs` (it expires on
   * its own, so a crashed holder blocks nobody for long). Resolves `undefined`
   * when someone else holds it. Optional: without it, single flight is per process.
   */
  lock?(
    key: string,
    ttlMs: number,
  ): Promise<TokenCacheLock | undefined> | TokenCacheLock | undefined
}
