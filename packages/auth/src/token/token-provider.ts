import { Agent, type Dispatcher } from 'undici'
import type { DpopKey } from '../dpop/dpop-key.js'
import { createDpopProof } from '../dpop/dpop-proof.js'
import { TokenEndpointError } from '../errors.js'
import { clientAssertionAudience, createClientAssertionSigner } from './client-assertion.js'
import {
  type ClientAuthentication,
  isExchangeFailure,
  requestClientCredentialsToken,
  type TokenResponse,
} from './client-credentials.js'
import { discoverTokenEndpoint } from './discovery.js'
import {
  type ResolvedProviderOptions,
  resolveProviderOptions,
  type TokenProviderOptions,
} from './provider-options.js'
import type { QuotaBucket } from './quota.js'
import { nextRetryDelay } from './retry-policy.js'
import type { CachedToken } from './token-cache.js'
import type { AccessTokenSource, TypedAccessToken } from './types.js'

/** Counters since the provider was created. */
export interface TokenProviderMetrics {
  /** HTTP requests sent to the token endpoint, retries included. */
  tokenRequests: number
  /** Tokens obtained. */
  exchanges: number
  /** `getToken()` calls answered from the cache. */
  cacheHits: number
  /** `getToken()` calls that found no usable token and waited. */
  cacheMisses: number
  /** Background refreshes started in the soft window. */
  refreshes: number
  /** Exchanges that failed after their last attempt. */
  failures: number
}

/** Counters at zero: a fresh provider's, or a stand-in's that never fetches. */
export function zeroTokenMetrics(): TokenProviderMetrics {
  return { tokenRequests: 0, exchanges: 0, cacheHits: 0, cacheMisses: 0, refreshes: 0, failures: 0 }
}

/** A client-credentials token source with caching, refresh-ahead, single flight and retries. */
export interface TokenProvider extends AccessTokenSource {
  getToken(): Promise<string>
  getAccessToken(): Promise<TypedAccessToken>
  /** The key tokens are bound to, when the `dpop` option is on. */
  readonly dpopKey: DpopKey | undefined
  /** The token quota buckets the token endpoint last reported (Auth0's quota headers); empty if none. */
  readonly quota: readonly QuotaBucket[]
  invalidate(token: string): Promise<void>
  /** A snapshot of the counters. */
  readonly metrics: Readonly<TokenProviderMetrics>
  /** The key under which this provider's token is cached. */
  readonly cacheKey: string
  /** Closes the provider's own HTTP agent (not one passed in). */
  close(): Promise<void>
}

const userAgent = '@m2m/auth'

/**
 * Creates a client-credentials token provider (RFC 6749 §4.4).
 *
 * A cached token is served until its soft window (refresh margin before
 * expiry); inside it callers still get the cached token while one background
 * refresh runs. Callers wait only when no usable token exists, and then all of
 * them share one request. Transient failures (network, timeouts, 5xx, 429) are
 * retried with backoff and full jitter; 400/401/403 are not, and are remembered
 * for `failureCooldownMs` so a broken configuration cannot burn the tenant's
 * token quota.
 */
export function createTokenProvider(options: TokenProviderOptions): TokenProvider {
  const config = resolveProviderOptions(options)
  const ownDispatcher = config.dispatcher ? undefined : createAgent(config)
  const dispatcher = (config.dispatcher ?? ownDispatcher) as Dispatcher
  const { cache, cacheKey: key, now, logger } = config
  const counters = zeroTokenMetrics()

  let inflight: Promise<CachedToken> | undefined
  // The last failed exchange, answered again without a request until `until`:
  // 4xx for failureCooldownMs, transient failures for their Retry-After or
  // transientCooldownMs, so neither a broken configuration nor a struggling
  // tenant is hammered by callers that keep asking.
  let lastFailure: { error: Error; until: number } | undefined
  let backgroundPausedUntil = 0
  let tokenEndpoint = config.tokenEndpoint
  const authenticate = clientAuthentication(config)
  // The token endpoint's last DPoP-Nonce (RFC 9449 §8), sent in the next proof.
  let dpopNonce: string | undefined
  const rememberDpopNonce = (nonce: string) => {
    dpopNonce = nonce
  }
  // The latest report of each bucket, and the buckets already reported low until they refill.
  const quota = new Map<string, QuotaBucket>()
  const reportedLow = new Map<string, number>()
  const rememberQuota = (buckets: QuotaBucket[]) => {
    for (const bucket of buckets) {
      const id = `${bucket.scope}:${bucket.bucket}`
      quota.set(id, bucket)
      const low = bucket.limit > 0 && bucket.remaining < bucket.limit * config.quotaWarningThreshold
      if (!low || (reportedLow.get(id) ?? 0) > now()) continue
      reportedLow.set(id, bucket.resetAt)
      logger?.warn(
        {
          quota: bucket.scope,
          bucket: bucket.bucket,
          remaining: bucket.remaining,
          limit: bucket.limit,
          resetAt: new Date(bucket.resetAt).toISOString(),
        },
        'token quota running low',
      )
      config.onQuotaLow?.(bucket)
    }
  }

  async function getCachedToken(): Promise<CachedToken> {
    const cached = await cache.get(key)
    const at = now()
    if (cached && isUsable(cached, at)) {
      counters.cacheHits++
      if (at >= cached.refreshAt) refreshInBackground(at)
      return cached
    }
    counters.cacheMisses++
    return refresh()
  }

  async function getToken(): Promise<string> {
    return (await getCachedToken()).accessToken
  }

  async function getAccessToken(): Promise<TypedAccessToken> {
    const { accessToken, tokenType } = await getCachedToken()
    return { accessToken, tokenType: tokenType === 'DPoP' ? 'DPoP' : 'Bearer' }
  }

  function refresh(): Promise<CachedToken> {
    if (inflight) return inflight
    if (lastFailure && now() < lastFailure.until) return Promise.reject(lastFailure.error)
    const flight = acquire().finally(() => {
      if (inflight === flight) inflight = undefined
    })
    inflight = flight
    return flight
  }

  function refreshInBackground(at: number): void {
    if (inflight || at < backgroundPausedUntil) return
    if (lastFailure && at < lastFailure.until) return
    counters.refreshes++
    refresh().catch((error: unknown) => {
      backgroundPausedUntil = now() + config.backgroundRetryDelayMs
      logger?.warn(
        { err: describe(error) },
        'background token refresh failed; the cached token is still served',
      )
    })
  }

  /** Gets a token for the cache: from another refresher if one is at work, else by exchange. */
  async function acquire(): Promise<CachedToken> {
    const fresh = await freshFromCache()
    if (fresh) return fresh
    if (!cache.lock) return exchangeAndStore()
    // The lock expires by itself after lockTtlMs; waiting longer than that means
    // the cache's lock is not working, and then we go ahead on our own.
    const waitUntil = now() + config.lockTtlMs
    while (now() < waitUntil) {
      const lock = await cache.lock(key, config.lockTtlMs)
      if (lock) {
        try {
          return (await freshFromCache()) ?? (await exchangeAndStore())
        } finally {
          await lock.release()
        }
      }
      await config.sleep(config.lockPollMs)
      const theirs = await freshFromCache()
      if (theirs) return theirs
    }
    logger?.warn({ lockTtlMs: config.lockTtlMs }, 'token cache lock never freed; refreshing anyway')
    return exchangeAndStore()
  }

  /** A cached token outside its soft window, if there is one. */
  async function freshFromCache(): Promise<CachedToken | undefined> {
    const cached = await cache.get(key)
    const at = now()
    return cached && at < cached.refreshAt && isUsable(cached, at) ? cached : undefined
  }

  async function exchangeAndStore(): Promise<CachedToken> {
    const { response, sentAt } = await exchangeWithRetries()
    const token = toCachedToken(response, sentAt)
    counters.exchanges++
    lastFailure = undefined
    backgroundPausedUntil = 0
    await cache.set(key, token, Math.max(1, token.expiresAt - now()))
    return token
  }

  function toCachedToken(response: TokenResponse, sentAt: number): CachedToken {
    const lifetimeMs = response.expires_in * 1000
    const expiresAt = sentAt + lifetimeMs
    const asked = config.refreshMargin(lifetimeMs)
    const margin = Math.min(Number.isFinite(asked) ? Math.max(0, asked) : 0, lifetimeMs / 2)
    return {
      accessToken: response.access_token,
      tokenType: response.token_type,
      expiresAt,
      refreshAt: expiresAt - margin,
      scope: response.scope,
    }
  }

  async function exchangeWithRetries(): Promise<{ response: TokenResponse; sentAt: number }> {
    const started = now()
    let nonceRetried = false
    for (let attempt = 1; ; attempt++) {
      try {
        tokenEndpoint ??= await discoverTokenEndpoint(
          config.issuer,
          dispatcher,
          config.timeoutMs,
          logger,
        )
        const sentAt = now()
        counters.tokenRequests++
        const response = await requestClientCredentialsToken(
          {
            tokenEndpoint,
            clientId: config.clientId,
            // Per attempt: a retry never presents an assertion that was already sent.
            authentication: authenticate(),
            encoding: config.encoding,
            audience: config.audience,
            scope: config.scope,
            organization: config.organization,
            dispatcher,
            timeoutMs: config.timeoutMs,
            userAgent,
            dpopProof: config.dpopKey
              ? createDpopProof(
                  config.dpopKey,
                  { htm: 'POST', htu: tokenEndpoint, nonce: dpopNonce },
                  now(),
                )
              : undefined,
            onDpopNonce: rememberDpopNonce,
            onQuota: rememberQuota,
          },
          now,
        )
        return { response, sentAt }
      } catch (thrown) {
        const failure = isExchangeFailure(thrown)
          ? thrown
          : { error: thrown as Error, retryable: false, retryAfterMs: undefined }
        // RFC 9449 §8: the server wants its nonce in the proof; it sent one, so ask again at once.
        if (isNonceChallenge(failure.error) && dpopNonce !== undefined && !nonceRetried) {
          nonceRetried = true
          attempt--
          continue
        }
        const delay = failure.retryable
          ? nextRetryDelay(
              config.retry,
              attempt,
              now() - started,
              failure.retryAfterMs,
              config.random,
            )
          : undefined
        if (delay === undefined) {
          counters.failures++
          const pause = failure.retryable
            ? Math.max(failure.retryAfterMs ?? 0, config.transientCooldownMs)
            : config.failureCooldownMs
          lastFailure = { error: failure.error, until: now() + pause }
          throw failure.error
        }
        logger?.debug(
          { err: describe(failure.error), attempt, delayMs: delay },
          'token request failed; retrying',
        )
        await config.sleep(delay)
      }
    }
  }

  /** Usable until the leeway before expiry; the leeway never eats into the fresh window. */
  function isUsable(token: CachedToken, at: number): boolean {
    const leeway = Math.min(config.expiryLeewayMs, Math.max(0, token.expiresAt - token.refreshAt))
    return at < token.expiresAt - leeway
  }

  return {
    getToken,
    getAccessToken,
    dpopKey: config.dpopKey,
    get quota() {
      return [...quota.values()]
    },
    async invalidate(token: string) {
      await cache.delete(key, token)
    },
    get metrics() {
      return { ...counters }
    },
    cacheKey: key,
    async close() {
      await ownDispatcher?.close()
    },
  }
}

/** The credentials for each request: the secret, or a new signed assertion every time. */
function clientAuthentication(config: ResolvedProviderOptions): () => ClientAuthentication {
  const auth = config.clientAuth
  if (auth.method !== 'private_key_jwt') {
    const fixed: ClientAuthentication = { method: auth.method, clientSecret: auth.clientSecret }
    return () => fixed
  }
  const signAssertion = createClientAssertionSigner({
    key: auth.key,
    algorithm: auth.algorithm,
    keyId: auth.keyId,
    clientId: config.clientId,
    audience: clientAssertionAudience(config.issuer),
    now: config.now,
  })
  return () => ({ method: 'private_key_jwt', clientAssertion: signAssertion() })
}

function isNonceChallenge(error: Error): boolean {
  return error instanceof TokenEndpointError && error.error === 'use_dpop_nonce'
}

function createAgent(config: ResolvedProviderOptions): Agent {
  return new Agent({
    connect: { timeout: config.timeoutMs },
    headersTimeout: config.timeoutMs,
    bodyTimeout: config.timeoutMs,
  })
}

/** What of an error may be logged: its code and message, which never hold secrets. */
function describe(error: unknown): { code?: unknown; message: string } {
  if (error instanceof Error)
    return { code: (error as { code?: unknown }).code, message: error.message }
  return { message: String(error) }
}
