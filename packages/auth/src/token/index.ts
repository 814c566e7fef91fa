export { createDpopKey, type DpopKey } from '../dpop/dpop-key.js'
export {
  isTransientAuthError,
  ScopeNotGrantedError,
  TokenEndpointError,
  type TokenEndpointErrorFields,
} from '../errors.js'
export { fullJitterDelay, parseRetryAfter } from '../retry.js'
export {
  CLIENT_ASSERTION_ALGORITHMS,
  type ClientAssertionAlgorithm,
  isClientAssertionAlgorithm,
  readClientAssertionKey,
} from './client-assertion.js'
export type {
  ClientAuthMethod,
  TokenRequestEncoding,
  TokenResponse,
} from './client-credentials.js'
export { createMemoryTokenCache, type MemoryTokenCacheOptions } from './memory-token-cache.js'
export {
  type ProviderLogger,
  type TokenProviderOptions,
  tokenCacheKey,
} from './provider-options.js'
export { parseQuotaHeader, type QuotaBucket } from './quota.js'
export {
  createRedisTokenCache,
  type RedisClientLike,
  type RedisTokenCache,
  type RedisTokenCacheLogger,
  type RedisTokenCacheMetrics,
  type RedisTokenCacheOptions,
  type RedisTokenCacheState,
} from './redis-token-cache.js'
export { defaultRetryOptions, type RetryOptions } from './retry-policy.js'
export { scopedTokenSource } from './scoped-token-source.js'
export type { CachedToken, TokenCache, TokenCacheLock } from './token-cache.js'
export {
  createTokenProvider,
  type TokenProvider,
  type TokenProviderMetrics,
  zeroTokenMetrics,
} from './token-provider.js'
export {
  createTokenSealer,
  decodeTokenEncryptionKey,
  type TokenEncryptionKey,
  type TokenSealer,
  tokenFingerprint,
} from './token-sealing.js'
export type { AccessTokenSource, TokenRequestOptions, TypedAccessToken } from './types.js'
