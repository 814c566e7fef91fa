/** What a rate-limit check reports, for the `X-RateLimit-*` headers. */
export interface RateLimitState {
  allowed: boolean
  limit: number
  remaining: number
  /** Epoch seconds when the bucket is full again. */
  reset: number
  /** Seconds until one more request is allowed (when refused). */
  retryAfter: number
}

export interface RateLimiterOptions {
  /** Requests per second refilled. Auth0 Free: 30. */
  perSecond: number
  /** Bucket size. Auth0 Free: 30. */
  burst: number
  now?: () => number
  /** Buckets kept at most; idle full buckets are dropped first. */
  maxKeys?: number
}

/**
 * A token bucket per key (client id, or IP before the client is known), as
 * Auth0 limits `/oauth/token`: `burst` requests at once, refilled at
 * `perSecond`.
 */
export function createRateLimiter(options: RateLimiterOptions) {
  const now = options.now ?? Date.now
  const maxKeys = options.maxKeys ?? 100_000
  const buckets = new Map<string, { tokens: number; at: number }>()

  function refill(key: string, at: number) {
    const bucket = buckets.get(key) ?? { tokens: options.burst, at }
    bucket.tokens = Math.min(
      options.burst,
      bucket.tokens + ((at - bucket.at) / 1000) * options.perSecond,
    )
    bucket.at = at
    return bucket
  }

  return function take(key: string): RateLimitState {
    const at = now()
    const bucket = refill(key, at)
    const allowed = bucket.tokens >= 1
    if (allowed) bucket.tokens -= 1
    buckets.delete(key)
    buckets.set(key, bucket)
    if (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value as string)
    const secondsToFull = (options.burst - bucket.tokens) / options.perSecond
    return {
      allowed,
      limit: options.burst,
      remaining: Math.floor(bucket.tokens),
      reset: Math.ceil(at / 1000 + secondsToFull),
      retryAfter: allowed ? 0 : Math.max(1, Math.ceil((1 - bucket.tokens) / options.perSecond)),
    }
  }
}

/** `X-RateLimit-Limit`, `-Remaining` and `-Reset` (epoch seconds), as Auth0 sends them. */
export function rateLimitHeaders(rate: RateLimitState): Record<string, string> {
  return {
    'x-ratelimit-limit': String(rate.limit),
    'x-ratelimit-remaining': String(rate.remaining),
    'x-ratelimit-reset': String(rate.reset),
  }
}

/** A limiter made by `createRateLimiter`: takes one request from `key`'s bucket. */
export type RateLimiter = ReturnType<typeof createRateLimiter>
