import type { AccessTokenSource, TokenRequestOptions, TypedAccessToken } from './types.js'

interface ScopedSourceProvider extends AccessTokenSource {
  getToken(options?: TokenRequestOptions): Promise<string>
  getAccessToken(options?: TokenRequestOptions): Promise<TypedAccessToken>
}

/**
 * A token source for one upstream that needs `scope`, served from `provider`'s
 * one token for the audience: give each interceptor its own, and they still
 * share a single exchange.
 *
 * ```ts
 * const geocoding = createBearerInterceptor(scopedTokenSource(tokens, 'geocode:location'), { origins })
 * ```
 */
export function scopedTokenSource(
  provider: ScopedSourceProvider,
  scope: string | readonly string[],
): AccessTokenSource {
  const options: TokenRequestOptions = { scope }
  return {
    getToken: () => provider.getToken(options),
    getAccessToken: () => provider.getAccessToken(options),
    invalidate: (token) => provider.invalidate(token),
    get dpopKey() {
      return provider.dpopKey
    },
  }
}
