import { createHash, type KeyObject } from 'node:crypto'
import type { Dispatcher } from 'undici'
import type { DpopAlgorithm } from '../dpop/algorithms.js'
import { createDpopKey, type DpopKey } from '../dpop/dpop-key.js'
import { InvalidOptionError } from '../errors.js'
import { nonNegative, positive } from '../option-checks.js'
import { formatScopes } from '../scopes.js'
import {
  resolveTelemetry,
  type Telemetry,
  type TelemetryOptions,
} from '../telemetry/telemetry-options.js'
import {
  type ClientAssertionAlgorithm,
  isClientAssertionAlgorithm,
  toClientAssertionKey,
} from './client-assertion.js'
import type { ClientAuthMethod, TokenRequestEncoding } from './client-credentials.js'
import { createMemoryTokenCache } from './memory-token-cache.js'
import type { QuotaBucket } from './quota.js'
import { defaultRetryOptions, type RetryOptions } from './retry-policy.js'
import type { TokenCache } from './token-cache.js'

/** The subset of a pino logger the provider writes to. */
export interface ProviderLogger {
  debug(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
}

export interface TokenProviderOptions {
  /** Issuer URL, e.g. `https://tenant.auth0.com/`. Give this or `domain`. */
  issuer?: string
  /** Auth0 domain, e.g. `tenant.auth0.com`: the issuer is `https://<domain>/`. */
  domain?: string
  /** Token endpoint URL. Default: read from the issuer's discovery document. */
  tokenEndpoint?: string
  clientId: string
  /** The client secret. Give this or `clientAssertionSigningKey`, not both. */
  clientSecret?: string
  /**
   * Private RSA key (PEM text or `KeyObject`, at least 2,048 bits) that signs a
   * new client assertion for every token request: `private_key_jwt` client
   * authentication (RFC 7523), with no shared secret. Give this or
   * `clientSecret`, not both. The matching public key is registered on the
   * client in Auth0. See `readClientAssertionKey` to load one from a file.
   */
  clientAssertionSigningKey?: string | KeyObject
  /** Algorithm of the client assertion: `RS256` (default), `RS384` or `PS256`. */
  clientAssertionSigningAlg?: ClientAssertionAlgorithm
  /**
   * `kid` header of the client assertion: the credential's `kid` (as `GET /api/v2/clients/{id}/credentials`
   * shows it; not its `id`). Default none: the tenant tries the client's credentials.
   */
  clientAssertionKeyId?: string
  /** API identifier the token is for. Auth0 requires it unless the tenant has a default. */
  audience?: string
  /** Scopes to request, space-delimited or a list. Auth0 grants all of the client grant's scopes. */
  scope?: string | readonly string[]
  /** Auth0 organization name or id. */
  organization?: string
  /** How `clientSecret` is sent. Default `client_secret_post`, as Auth0's SDKs. Not with `clientAssertionSigningKey`. */
  authMethod?: ClientAuthMethod
  /** Request body encoding. Default `form` (RFC 6749); Auth0 also takes `json`. */
  encoding?: TokenRequestEncoding
  /**
   * DPoP (RFC 9449): ask for tokens bound to a key pair, so that a copied token
   * is useless without the private key. `true` makes an ES256 key pair for this
   * provider (in memory only); `{ alg }` another algorithm; `{ privateKey }`
   * (PEM text or `KeyObject`) a key shared by replicas, so that they can share
   * one bound token through a shared cache; a `DpopKey` from `createDpopKey`
   * as is. Each token request carries a fresh proof, and the `http`
   * interceptor sends one with every call.
   */
  dpop?: boolean | DpopKey | { alg?: DpopAlgorithm; privateKey?: KeyObject | string }
  /** Where tokens are kept. Default: a new in-memory cache for this provider. */
  cache?: TokenCache
  /**
   * A quota bucket (`Auth0-Client-Quota-Limit`, `Auth0-Organization-Quota-Limit`)
   * with less than this share left is reported: a warning log and `onQuotaLow`,
   * once per bucket until it refills. Default 0.1.
   */
  quotaWarningThreshold?: number
  /** Called when a quota bucket falls under `quotaWarningThreshold`. */
  onQuotaLow?: (bucket: QuotaBucket) => void
  /**
   * How long before expiry the soft window starts, from the token lifetime (ms).
   * Default: the larger of 60 s and 10 % of the lifetime. Never more than half the lifetime.
   */
  refreshMargin?: (lifetimeMs: number) => number
  /** A token is not handed out in its last `expiryLeewayMs`. Default 5,000. */
  expiryLeewayMs?: number
  /** Retry bounds for network errors, timeouts, 5xx and 429. */
  retry?: Partial<RetryOptions>
  /** Timeout of one HTTP request in ms. Default 5,000. */
  timeoutMs?: number
  /** How long a 400/401/403 answer is remembered and rethrown without a request. Default 10,000. */
  failureCooldownMs?: number
  /**
   * After an exchange failed transiently (network, 5xx, 429) past its retries,
   * callers get that error without a request for this long, or for the
   * server's `Retry-After` if longer. Default 1,000.
   */
  transientCooldownMs?: number
  /** After a failed background refresh, the next one waits this long. Default 5,000. */
  backgroundRetryDelayMs?: number
  /** Poll interval while another holder of the cache lock refreshes. Default 50. */
  lockPollMs?: number
  /** undici dispatcher for token and discovery requests. Default: a private `Agent`. */
  dispatcher?: Dispatcher
  logger?: ProviderLogger
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number
  /** Default: a timer. */
  sleep?: (ms: number) => Promise<void>
  /** Uniform in [0, 1). Default `Math.random`. */
  random?: () => number
  /**
   * Where the provider's metrics (`m2m.token.*`) and `m2m.token.exchange`
   * spans go. Default: the global providers of `@opentelemetry/api` (nothing
   * is recorded when no SDK is installed).
   */
  telemetry?: TelemetryOptions
}

/** Options after validation and defaults; frozen. */
export interface ResolvedProviderOptions {
  issuer: string
  tokenEndpoint: string | undefined
  clientId: string
  clientAuth: ResolvedClientAuth
  audience: string | undefined
  scope: string | undefined
  organization: string | undefined
  encoding: TokenRequestEncoding
  quotaWarningThreshold: number
  onQuotaLow: ((bucket: QuotaBucket) => void) | undefined
  /** The key tokens are bound to, when DPoP is on. */
  dpopKey: DpopKey | undefined
  cache: TokenCache
  refreshMargin: (lifetimeMs: number) => number
  expiryLeewayMs: number
  retry: RetryOptions
  timeoutMs: number
  failureCooldownMs: number
  transientCooldownMs: number
  backgroundRetryDelayMs: number
  lockPollMs: number
  lockTtlMs: number
  dispatcher: Dispatcher | undefined
  logger: ProviderLogger | undefined
  now: () => number
  sleep: (ms: number) => Promise<void>
  random: () => number
  cacheKey: string
  telemetry: Telemetry
}

/** How the client authenticates, once validated. */
export type ResolvedClientAuth =
  | { method: ClientAuthMethod; clientSecret: string }
  | {
      method: 'private_key_jwt'
      key: KeyObject
      algorithm: ClientAssertionAlgorithm
      keyId: string | undefined
    }

const defaultRefreshMargin = (lifetimeMs: number) => Math.max(60_000, lifetimeMs * 0.1)
const timerSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Validates options once, up front, and fills the defaults. */
export function resolveProviderOptions(options: TokenProviderOptions): ResolvedProviderOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('options must be an object')
  }
  const issuer = resolveIssuer(options)
  const clientId = requireString(options.clientId, 'clientId')
  const clientAuth = resolveClientAuth(options)
  const tokenEndpoint =
    options.tokenEndpoint === undefined
      ? undefined
      : requireUrl(options.tokenEndpoint, 'tokenEndpoint')
  const audience = optionalString(options.audience, 'audience')
  const organization = optionalString(options.organization, 'organization')
  let scope: string | undefined
  if (options.scope !== undefined) {
    try {
      scope = formatScopes(options.scope) || undefined
    } catch (cause) {
      throw new InvalidOptionError(`scope: ${(cause as Error).message}`, { cause })
    }
  }
  const encoding = options.encoding ?? 'form'
  if (encoding !== 'form' && encoding !== 'json') {
    throw new InvalidOptionError(`encoding must be form or json, got ${String(encoding)}`)
  }
  const retry = { ...defaultRetryOptions, ...options.retry }
  if (!Number.isInteger(retry.attempts) || retry.attempts < 1) {
    throw new InvalidOptionError('retry.attempts must be an integer >= 1')
  }
  for (const name of ['baseDelayMs', 'maxDelayMs', 'maxElapsedMs'] as const) {
    nonNegative(retry[name], `retry.${name}`)
  }
  const timeoutMs = positive(options.timeoutMs ?? 5_000, 'timeoutMs')
  const dpopKey = resolveDpopKey(options.dpop)

  const resolved: ResolvedProviderOptions = {
    issuer,
    tokenEndpoint,
    clientId,
    clientAuth,
    audience,
    scope,
    organization,
    encoding,
    quotaWarningThreshold: shareOption(
      options.quotaWarningThreshold ?? 0.1,
      'quotaWarningThreshold',
    ),
    onQuotaLow: optionalFunction(options.onQuotaLow, 'onQuotaLow'),
    dpopKey,
    cache: options.cache ?? createMemoryTokenCache(options.now ? { now: options.now } : {}),
    refreshMargin: options.refreshMargin ?? defaultRefreshMargin,
    expiryLeewayMs: nonNegative(options.expiryLeewayMs ?? 5_000, 'expiryLeewayMs'),
    retry,
    timeoutMs,
    failureCooldownMs: nonNegative(options.failureCooldownMs ?? 10_000, 'failureCooldownMs'),
    transientCooldownMs: nonNegative(options.transientCooldownMs ?? 1_000, 'transientCooldownMs'),
    backgroundRetryDelayMs: nonNegative(
      options.backgroundRetryDelayMs ?? 5_000,
      'backgroundRetryDelayMs',
    ),
    lockPollMs: positive(options.lockPollMs ?? 50, 'lockPollMs'),
    // Long enough for a holder to finish all its attempts; short enough that a
    // crashed holder does not block the others for long.
    lockTtlMs: retry.maxElapsedMs + 2 * timeoutMs,
    dispatcher: options.dispatcher,
    logger: options.logger,
    now: options.now ?? Date.now,
    sleep: options.sleep ?? timerSleep,
    random: options.random ?? Math.random,
    cacheKey: tokenCacheKey(issuer, clientId, audience, organization, dpopKey?.jkt),
    telemetry: resolveTelemetry(options.telemetry),
  }
  warnIfInsecure(resolved)
  return Object.freeze(resolved)
}

/**
 * The cache key of a token: issuer, client, audience, organization, and for a
 * DPoP-bound token the thumbprint of its key. Not the scopes: one token per
 * (audience, organization) serves every scope subset it carries (Auth0 grants
 * the whole client grant whatever is asked). Providers
 * share a cached bound token only when they hold the same key, since no other
 * could prove possession of it. Hashed so that a shared cache holds no readable identifiers.
 */
export function tokenCacheKey(
  issuer: string,
  clientId: string,
  audience: string | undefined,
  organization: string | undefined,
  dpopJkt?: string | undefined,
): string {
  const parts = [issuer, clientId, audience ?? '', organization ?? '']
  // Appended only for DPoP, so the keys of bearer tokens stay what they were.
  if (dpopJkt !== undefined) parts.push(`dpop:${dpopJkt}`)
  const material = JSON.stringify(parts)
  return `m2m:token:${createHash('sha256').update(material).digest('base64url')}`
}

/**
 * Exactly one of `clientSecret` and `clientAssertionSigningKey`. The assertion
 * options without a key, or `authMethod` with one, are refused rather than
 * ignored: they say the caller expects something that would not happen.
 */
function resolveClientAuth(options: TokenProviderOptions): ResolvedClientAuth {
  const hasSecret = options.clientSecret !== undefined
  const hasKey = options.clientAssertionSigningKey !== undefined
  if (hasSecret && hasKey) {
    throw new InvalidOptionError('give clientSecret or clientAssertionSigningKey, not both')
  }
  if (!hasKey) {
    for (const name of ['clientAssertionSigningAlg', 'clientAssertionKeyId'] as const) {
      if (options[name] !== undefined) {
        throw new InvalidOptionError(`${name} needs clientAssertionSigningKey`)
      }
    }
    if (!hasSecret) {
      throw new InvalidOptionError('clientSecret or clientAssertionSigningKey is required')
    }
    const clientSecret = requireString(options.clientSecret, 'clientSecret')
    const method = options.authMethod ?? 'client_secret_post'
    if (method !== 'client_secret_post' && method !== 'client_secret_basic') {
      throw new InvalidOptionError(
        `authMethod must be client_secret_post or client_secret_basic, got ${String(method)}`,
      )
    }
    return { method, clientSecret }
  }
  if (options.authMethod !== undefined) {
    throw new InvalidOptionError(
      'authMethod applies to clientSecret only: with clientAssertionSigningKey the client authenticates with private_key_jwt',
    )
  }
  const algorithm = options.clientAssertionSigningAlg ?? 'RS256'
  if (!isClientAssertionAlgorithm(algorithm)) {
    throw new InvalidOptionError(
      `clientAssertionSigningAlg must be RS256, RS384 or PS256, got ${String(algorithm)}`,
    )
  }
  const keyId = optionalString(options.clientAssertionKeyId, 'clientAssertionKeyId')
  const key = toClientAssertionKey(options.clientAssertionSigningKey, 'clientAssertionSigningKey')
  return { method: 'private_key_jwt', key, algorithm, keyId }
}

function resolveDpopKey(option: TokenProviderOptions['dpop']): DpopKey | undefined {
  if (option === undefined || option === false) return undefined
  if (option === true) return createDpopKey()
  if (typeof option !== 'object' || option === null) {
    throw new InvalidOptionError('dpop must be true, false, a DpopKey or { alg, privateKey }')
  }
  if ('jkt' in option && 'publicJwk' in option) return option
  const { alg, privateKey } = option as { alg?: DpopAlgorithm; privateKey?: KeyObject | string }
  return createDpopKey({
    ...(alg === undefined ? {} : { alg }),
    ...(privateKey === undefined ? {} : { privateKey }),
  })
}

function resolveIssuer(options: TokenProviderOptions): string {
  if (options.issuer !== undefined && options.domain !== undefined) {
    throw new InvalidOptionError('give issuer or domain, not both')
  }
  if (options.domain !== undefined) {
    const domain = requireString(options.domain, 'domain')
    if (!/^[a-z0-9.-]+(:\d+)?$/i.test(domain)) {
      throw new InvalidOptionError(
        `domain must be a host name such as tenant.auth0.com, got ${domain}`,
      )
    }
    return `https://${domain}/`
  }
  if (options.issuer === undefined) {
    throw new InvalidOptionError('issuer or domain is required')
  }
  return requireUrl(options.issuer, 'issuer')
}

function warnIfInsecure(options: ResolvedProviderOptions): void {
  for (const [name, value] of [
    ['issuer', options.issuer],
    ['tokenEndpoint', options.tokenEndpoint],
  ] as const) {
    if (value === undefined) continue
    const url = new URL(value)
    if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
      const credential =
        options.clientAuth.method === 'private_key_jwt' ? 'client assertion' : 'client secret'
      options.logger?.warn(
        { [name]: value },
        `${name} uses plain http outside loopback: the ${credential} travels unencrypted`,
      )
    }
  }
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname.startsWith('127.')
}

function shareOption(value: unknown, name: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new InvalidOptionError(`${name} must be a number from 0 to 1`)
  }
  return value
}

function optionalFunction<T>(value: T | undefined, name: string): T | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new InvalidOptionError(`${name} must be a function`)
  }
  return value
}

function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidOptionError(`${name} must be a non-empty string`)
  }
  return value
}

function optionalString(value: unknown, name: string): string | undefined {
  return value === undefined ? undefined : requireString(value, name)
}

function requireUrl(value: unknown, name: string): string {
  const text = requireString(value, name)
  if (!URL.canParse(text)) throw new InvalidOptionError(`${name} must be a URL, got ${text}`)
  const { protocol } = new URL(text)
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new InvalidOptionError(`${name} must be an http(s) URL, got ${text}`)
  }
  return text
}
