/** Supplies access tokens for outbound calls. */
export interface AccessTokenSource {
  /** A valid access token, from cache when possible. */
  getToken(): Promise<string>
  /**
   * Drops the cached token only if it is still `token`, so many concurrent
   * 401s for the same token cause a single refresh.
   */
  invalidate(token: string): Promise<void> | void
}
