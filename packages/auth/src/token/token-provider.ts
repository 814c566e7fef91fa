import { Agent, type Dispatcher } from 'undici'
import type { DpopKey } from '../dpop/dpop-key.js'
import { createDpopProof } from '../dpop/dpop-proof.js'
import { InvalidOptionError, ScopeNotGrantedError, TokenEndpointError } from '../errors.js'
import { observeQuota } from '../telemetry/quota-gauges.js'
import { createTokenTelemetry, type ExchangeTelemetry } from '../telemetry/token-telemetry.js'
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
import {
  asksAtLeast,
  createScopeCoverage,
  createScopeNeeds,
  type ScopeNeeds,
  scopeUnion,
} from './token-scopes.js'
import type { AccessTokenSource, TokenRequestOptions, TypedAccessToken } from './types.js'

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
  /** A token carrying the provider's `scope` and the call's `scope`, from cache when one does. */
  getToken(options?: TokenRequestOptions): Promise<string>
  getAccessToken(options?: TokenRequestOptions): Promise<TypedAccessToken>
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
  const telemetry = createTokenTelemetry(config.telemetry, config.audience)
  // What a failed exchange asked for; a successful one says what it got.
  const requestedType = config.dpopKey ? 'DPoP' : 'Bearer'

  // The exchange under way and the scopes it asks for.
  let inflight: { promise: Promise<CachedToken>; asked: string | undefined } | undefined
  // The last failed exchange, answered again without a request until `until`:
  // 4xx for failureCooldownMs, transient failures for their Retry-After or
  // transientCooldownMs, so neither a broken configuration nor a struggling
  // tenant is hammered by callers that keep asking. A refused scope blocks
  // only requests that ask for it again (`asked`); transient failures block all.
  let lastFailure:
    | { error: Error; until: number; asked: string | undefined; transient: boolean }
    | undefined
  const needsOf = createScopeNeeds(config.scope)
  const lacking = createScopeCoverage()
  const blockedBy = (asked: string | undefined, at: number) =>
    lastFailure !== undefined &&
    at < lastFailure.until &&
    (lastFailure.transient || asksAtLeast(asked, lastFailure.asked))
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
  const stopQuotaGauges = observeQuota(config.telemetry, config.audience, () => quota.values(), now)

  function needsFor(options: TokenRequestOptions | undefined): ScopeNeeds {
    if (options?.scope === undefined) return needsOf(undefined)
    try {
      return needsOf(options.scope)
    } catch (cause) {
      throw new InvalidOptionError(`scope: ${(cause as Error).message}`, { cause })
    }
  }

  async function getCachedToken(needs: ScopeNeeds): Promise<CachedToken> {
    const cached = await cache.get(key)
    const at = now()
    if (cached && isUsable(cached, at) && lacking(cached.scope, needs).length === 0) {
      counters.cacheHits++
      telemetry.cacheHit()
      if (at >= cached.refreshAt) refreshInBackground(at, cached)
      return cached
    }
    counters.cacheMisses++
    telemetry.cacheMiss()
    const token = await refresh(askFor(needs, cached), needs)
    const missing = lacking(token.scope, needs)
    if (missing.length > 0) {
      // Not asked again for failureCooldownMs: the grant lacks them, a new exchange would too.
      const error = new ScopeNotGrantedError(missing.join(' '))
      const asked = askFor(needs, token)
      lastFailure = { error, until: now() + config.failureCooldownMs, asked, transient: false }
      throw error
    }
    return token
  }

  async function getToken(options?: TokenRequestOptions): Promise<string> {
    return (await getCachedToken(needsFor(options))).accessToken
  }

  async function getAccessToken(options?: TokenRequestOptions): Promise<TypedAccessToken> {
    const { accessToken, tokenType } = await getCachedToken(needsFor(options))
    return { accessToken, tokenType: tokenType === 'DPoP' ? 'DPoP' : 'Bearer' }
  }

  async function refresh(asked: string | undefined, needs: ScopeNeeds): Promise<CachedToken> {
    // An exchange under way that asks for everything needed is joined; one that
    // asks for less is waited out (its token may carry more than it asked for).
    while (inflight) {
      const current = inflight
      if (asksAtLeast(current.asked, scopeUnion(needs.list))) return current.promise
      const token = await current.promise.catch(() => undefined)
      if (token && isUsable(token, now()) && lacking(token.scope, needs).length === 0) return token
      if (token) asked = scopeUnion(needs.list, grantedList(token), listOf(asked))
    }
    if (blockedBy(asked, now())) throw (lastFailure as { error: Error }).error
    const flight = acquire(asked, needs).finally(() => {
      if (inflight?.promise === flight) inflight = undefined
    })
    inflight = { promise: flight, asked }
    return flight
  }

  function refreshInBackground(at: number, cached: CachedToken): void {
    if (inflight || at < backgroundPausedUntil) return
    const needs = needsOf(undefined)
    const asked = askFor(needs, cached)
    if (blockedBy(asked, at)) return
    counters.refreshes++
    refresh(asked, needs).then(
      () => telemetry.refreshed(true),
      (error: unknown) => {
        telemetry.refreshed(false)
        backgroundPausedUntil = now() + config.backgroundRetryDelayMs
        logger?.warn(
          { err: describe(error) },
          'background token refresh failed; the cached token is still served',
        )
      },
    )
  }

  /** Gets a token for the cache: from another refresher if one is at work, else by exchange. */
  async function acquire(asked: string | undefined, needs: ScopeNeeds): Promise<CachedToken> {
    const fresh = await freshFromCache(needs)
    if (fresh) return fresh
    if (!cache.lock) return exchangeAndStore(asked, needs)
    // The lock expires by itself after lockTtlMs; waiting longer than that means
    // the cache's lock is not working, and then we go ahead on our own.
    const waitUntil = now() + config.lockTtlMs
    while (now() < waitUntil) {
      const lock = await cache.lock(key, config.lockTtlMs)
      if (lock) {
        try {
          return (await freshFromCache(needs)) ?? (await exchangeAndStore(asked, needs))
        } finally {
          await lock.release()
        }
      }
      await config.sleep(config.lockPollMs)
      const theirs = await freshFromCache(needs)
      if (theirs) return theirs
    }
    logger?.warn({ lockTtlMs: config.lockTtlMs }, 'token cache lock never freed; refreshing anyway')
    return exchangeAndStore(asked, needs)
  }

  /** A cached token outside its soft window that carries the needed scopes, if there is one. */
  async function freshFromCache(needs: ScopeNeeds): Promise<CachedToken | undefined> {
    const cached = await cache.get(key)
    const at = now()
    return cached &&
      at < cached.refreshAt &&
      isUsable(cached, at) &&
      lacking(cached.scope, needs).length === 0
      ? cached
      : undefined
  }

  async function exchangeAndStore(
    asked: string | undefined,
    needs: ScopeNeeds,
  ): Promise<CachedToken> {
    let exchanged: { response: TokenResponse; sentAt: number }
    const minimal = scopeUnion(needs.list)
    try {
      exchanged = await exchangeWithRetries(asked)
    } catch (error) {
      // The union carried scopes of the previous token beyond what is needed; a
      // grant narrowed since refuses them. Ask once for what is needed only.
      if (asked === minimal || lastFailure?.transient !== false) throw error
      asked = minimal
      exchanged = await exchangeWithRetries(asked)
    }
    const { response, sentAt } = exchanged
    const token = toCachedToken(response, sentAt, asked)
    counters.exchanges++
    lastFailure = undefined
    backgroundPausedUntil = 0
    await cache.set(key, token, Math.max(1, token.expiresAt - now()))
    return token
  }

  function toCachedToken(
    response: TokenResponse,
    sentAt: number,
    askedScope: string | undefined,
  ): CachedToken {
    const lifetimeMs = response.expires_in * 1000
    const expiresAt = sentAt + lifetimeMs
    const asked = config.refreshMargin(lifetimeMs)
    const margin = Math.min(Number.isFinite(asked) ? Math.max(0, asked) : 0, lifetimeMs / 2)
    return {
      accessToken: response.access_token,
      tokenType: response.token_type,
      expiresAt,
      refreshAt: expiresAt - margin,
      // RFC 6749 §5.1: a response without `scope` granted what was asked.
      scope: response.scope ?? askedScope,
    }
  }

  /** One exchange: its span (a child of the caller's context) and its metrics around the attempts. */
  function exchangeWithRetries(
    asked: string | undefined,
  ): Promise<{ response: TokenResponse; sentAt: number }> {
    const exchange = telemetry.startExchange()
    return exchange.within(() => attemptExchange(asked, exchange))
  }

  async function attemptExchange(
    asked: string | undefined,
    exchange: ExchangeTelemetry,
  ): Promise<{ response: TokenResponse; sentAt: number }> {
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
            scope: asked,
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
            onResponse: exchange.responded,
          },
          now,
        )
        exchange.succeeded(response.token_type)
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
          exchange.failed(failure.error, requestedType)
          const pause = failure.retryable
            ? Math.max(failure.retryAfterMs ?? 0, config.transientCooldownMs)
            : config.failureCooldownMs
          lastFailure = {
            error: failure.error,
            until: now() + pause,
            asked,
            transient: failure.retryable,
          }
          throw failure.error
        }
        logger?.debug(
          { err: describe(failure.error), attempt, delayMs: delay },
          'token request failed; retrying',
        )
        exchange.retrying(attempt, delay, failure.error)
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
      stopQuotaGauges()
      await ownDispatcher?.close()
    },
  }
}

/**
 * The `scope` to ask for: none when nothing is needed (Auth0 then grants all of
 * the client grant); else what is needed plus what the token being replaced
 * carried, so callers it served keep being served by a server that grants only
 * what is asked.
 */
function askFor(needs: ScopeNeeds, replaced: CachedToken | undefined): string | undefined {
  return needs.list.length === 0 ? undefined : scopeUnion(needs.list, grantedList(replaced))
}

function grantedList(token: CachedToken | undefined): readonly string[] {
  return token?.scope ? token.scope.split(' ').filter((s) => s !== '') : []
}

function listOf(scope: string | undefined): readonly string[] {
  return scope ? scope.split(' ') : []
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
