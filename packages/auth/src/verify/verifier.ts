import { LRUCache } from 'lru-cache'
import { Agent, type Dispatcher } from 'undici'
import { InvalidOptionError, TokenAlgorithmError, TokenMalformedError } from '../errors.js'
import { nonNegative, nonNegativeInteger, positive } from '../option-checks.js'
import { parseScopes } from '../scopes.js'
import type { CountCell } from '../telemetry/count-table.js'
import { resolveTelemetry, type TelemetryOptions } from '../telemetry/telemetry-options.js'
import { createVerifyTelemetry } from '../telemetry/verify-telemetry.js'
import { fromFastJwtError } from './fast-jwt-errors.js'
import { createJwksStore, type JwksStore } from './jwks-store.js'
import { createKeyVerifier, createSecretVerifier, type KeyVerifyFn } from './key-verifier.js'
import { checkProfileClaims } from './profile-claims.js'
import { tokenCacheKey } from './token-cache-key.js'
import { readTokenHeader } from './token-header.js'
import type { AccessTokenClaims, TokenVerifier, VerifiedToken } from './types.js'

export interface VerifierOptions {
  /**
   * The `iss` expected, e.g. `https://tenant.auth0.com/` (Auth0 issuers end
   * with `/`). Given with or without the trailing slash, it accepts a token
   * whose `iss` is either form of it, and nothing else (see `issuerForms`).
   */
  issuer: string
  /** The API identifier(s) a token's `aud` must contain. */
  audience: string | readonly string[]
  /**
   * Allowed signing algorithms. Default `['RS256']` (`['HS256']` with `secret`).
   * `none` is refused, and HS256 needs `secret`. For an Auth0 API set to PS256
   * or RS512, list it and set `rsaKeysForAllRsaAlgorithms`.
   */
  algorithms?: readonly string[]
  /**
   * Lets an RSA key whose JWK names one RSA algorithm verify the other RSA
   * algorithms of `algorithms`. Auth0 publishes every key with `alg: RS256`
   * and signs the tokens of PS256 and RS512 APIs with those keys, so they
   * verify only with this set. Default false: RFC 7517 §4.4, a key that names
   * its algorithm serves that one only.
   */
  rsaKeysForAllRsaAlgorithms?: boolean
  /**
   * The claim that `scopes` (and so route scope checks) reads. Default
   * `scope`. `permissions` is for an API whose token dialect is Auth0's
   * `access_token_authz` or `rfc9068_profile_authz` ("Add Permissions in the
   * Access Token"); a token without that claim then has no scope.
   */
  scopesClaim?: 'scope' | 'permissions'
  /**
   * The signing secret of an API set to HS256 (Auth0's "signing secret", at
   * least 16 characters): tokens are then verified with it, HS256 only, and no
   * JWKS is read. Symmetric: whoever verifies can also sign, so prefer RS256.
   */
  secret?: string
  /** Allowed clock skew for `exp` and `nbf`, in seconds. Default 5. */
  clockTolerance?: number
  /** Default `<issuer>/.well-known/jwks.json`: from the configuration, never from a token. */
  jwksUri?: string
  /** At most one JWKS fetch for unknown `kid`s per this many ms. Default 30,000. */
  jwksCooldownMs?: number
  /** After a failed JWKS fetch, the next may start after this many ms. Default 5,000. */
  jwksErrorCooldownMs?: number
  /** Known keys are re-read after this many ms, so removed keys stop verifying. Default 600,000. */
  jwksMaxAgeMs?: number
  /** Timeout of the JWKS request, in ms. Default 5,000. */
  timeoutMs?: number
  /** Verified tokens kept (until their `exp`). 0 disables the cache. Default 10,000. */
  cacheMax?: number
  /** Claims required beyond `iss`, `aud` and `exp`. */
  requiredClaims?: readonly string[]
  /** Longest token accepted, in characters. Default 8,192. */
  maxTokenLength?: number
  /** undici dispatcher for the JWKS request. Default: a private `Agent` with timeouts. */
  dispatcher?: Dispatcher
  /**
   * Reads the JWKS another way than fetching `jwksUri`, e.g. from an in-process
   * key ring. Cooldowns and single flight still apply.
   */
  jwks?: () => Promise<unknown> | unknown
  /** Clock in epoch ms for the cache. Default `Date.now`. */
  now?: () => number
  /**
   * Where `m2m.jwt.verifications`, `m2m.jwks.fetches` and
   * `m2m.jwks.fetch.duration` are recorded. Default: the global providers of
   * `@opentelemetry/api` (nothing is recorded when no SDK is installed).
   */
  telemetry?: TelemetryOptions
}

/** A `TokenVerifier` that also exposes its key store, for warm-up and tests. */
export interface JwtVerifier extends TokenVerifier {
  /** What `verify(token)` would answer from its verified-token cache, or `undefined`. */
  verifyCached(token: string): VerifiedToken | undefined
  /** `verifyCached` for the header value `Bearer <token>`, exactly so; else `undefined`. */
  verifyCachedAuthorization(authorization: string): VerifiedToken | undefined
  readonly keys: JwksStore
}

/** HMAC only as HS256 with a `secret` (exact spelling); `none` never. */
const refusedAlgorithms = /^(none|HS\d+)$/i
const supportedAlgorithms = new Set([
  'HS256',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
])

interface CacheEntry {
  /** The whole token: the cache is keyed by its tail only (see `tokenCacheKey`). */
  token: string
  /** `Bearer <token>` in one flat string (see `bearerAuthorization`). */
  authorization: string
  kid: string
  verifier: KeyVerifyFn
  /** `exp` plus the clock tolerance, in epoch ms on the `now` clock. */
  expiresAt: number
  result: VerifiedToken
  /** Where `m2m.jwt.verifications` counts each use of the entry. */
  counted: CountCell
}

/**
 * Creates an access-token verifier on fast-jwt with keys from the issuer's JWKS.
 *
 * `iss`, `aud` and `exp` are required and checked exactly (fast-jwt skips
 * absent claims unless told). One verifier is built per `kid` and reused.
 * Verified tokens are cached until their `exp`, and a cached token whose key
 * left the JWKS is verified again (and then refused). `verifyCached` answers
 * from that cache alone, synchronously.
 */
export function createVerifier(options: VerifierOptions): JwtVerifier {
  const settings = resolveOptions(options)
  const recorder = createVerifyTelemetry(settings.telemetry)
  const now = options.now ?? (() => Date.now())
  const ownDispatcher = options.dispatcher
    ? undefined
    : new Agent({
        connect: { timeout: settings.timeoutMs },
        headersTimeout: settings.timeoutMs,
        bodyTimeout: settings.timeoutMs,
      })
  const keySettings = {
    algorithms: settings.algorithms,
    issuers: issuerForms(settings.issuer),
    audience: settings.audience,
    clockToleranceMs: settings.clockToleranceMs,
    requiredClaims: settings.requiredClaims,
    rsaKeysForAllRsaAlgorithms: options.rsaKeysForAllRsaAlgorithms === true,
  }
  const secretVerifier =
    settings.secret === undefined ? undefined : createSecretVerifier(settings.secret, keySettings)
  /** The verifier that stands for `kid` now: the secret's, or the JWKS key's. */
  const currentVerifier = (kid: string, nowMs?: number) => secretVerifier ?? keys.get(kid, nowMs)
  const keys = createJwksStore({
    jwksUri: settings.jwksUri,
    createKeyVerifier: (jwk) => createKeyVerifier(jwk, keySettings),
    cooldownMs: settings.jwksCooldownMs,
    errorCooldownMs: settings.jwksErrorCooldownMs,
    maxAgeMs: settings.jwksMaxAgeMs,
    timeoutMs: settings.timeoutMs,
    dispatcher: (options.dispatcher ?? ownDispatcher) as Dispatcher,
    now,
    loadJwks: options.jwks,
    onFetch: recorder.jwksFetched,
  })
  const cache =
    settings.cacheMax > 0
      ? // No lru-cache TTL: each hit checks `expiresAt` on our clock itself (lru-cache's TTL
        // ran on performance.now() and debounces its clock reads), so a TTL only added clock
        // reads to every hit. An expired entry is dropped when next looked up, or evicted.
        new LRUCache<number, CacheEntry>({ max: settings.cacheMax })
      : undefined

  /** The cache entry of `token` while it stands, else `undefined`; drops a stale entry. */
  function cachedEntry(token: string): CacheEntry | undefined {
    if (cache === undefined) return undefined
    const key = tokenCacheKey(token)
    const hit = cache.get(key)
    if (hit === undefined || hit.token !== token) return undefined
    return standing(hit, key)
  }

  /** `cachedEntry` for the header value `Bearer <token>`: the same key, its token's end. */
  function cachedEntryOfAuthorization(authorization: string): CacheEntry | undefined {
    if (cache === undefined) return undefined
    const key = tokenCacheKey(authorization)
    const hit = cache.get(key)
    if (hit === undefined || hit.authorization !== authorization) return undefined
    return standing(hit, key)
  }

  /**
   * The entry stands until its exp (+ tolerance), and only while its kid still maps to
   * the very key that verified it; a stale one is dropped.
   */
  function standing(hit: CacheEntry, key: number): CacheEntry | undefined {
    // One clock reading for both: each is a call into V8's runtime, about 200 instructions by the census.
    const nowMs = now()
    if (nowMs <= hit.expiresAt && currentVerifier(hit.kid, nowMs) === hit.verifier) return hit
    cache?.delete(key)
    return undefined
  }

  async function verify(token: string): Promise<VerifiedToken> {
    const hit = typeof token === 'string' ? cachedEntry(token) : undefined
    if (hit) {
      recorder.valid(hit.counted)
      return hit.result
    }
    let result: VerifiedToken
    try {
      result = await verifyUncached(token)
    } catch (error) {
      recorder.invalid(error)
      throw error
    }
    recorder.valid(recorder.validCell(result.claims))
    return result
  }

  async function verifyUncached(token: string): Promise<VerifiedToken> {
    if (typeof token !== 'string') throw new TokenMalformedError('the token is not a string')

    const header = readTokenHeader(token, settings.maxTokenLength)
    if (!settings.algorithms.includes(header.alg)) {
      throw new TokenAlgorithmError(header.alg)
    }
    let verifyWithKey: KeyVerifyFn
    if (secretVerifier) {
      verifyWithKey = secretVerifier
    } else {
      if (header.kid === undefined) throw new TokenMalformedError('the token header has no kid')
      verifyWithKey = keys.get(header.kid) ?? (await keys.resolve(header.kid))
    }

    let claims: AccessTokenClaims
    try {
      claims = verifyWithKey(token) as AccessTokenClaims
    } catch (error) {
      throw fromFastJwtError(error)
    }
    checkProfileClaims(claims, settings.clockToleranceMs)
    const result = toVerifiedToken(header, claims, settings.scopesClaim)
    if (cache) {
      const expiresAt = claims.exp * 1000 + settings.clockToleranceMs
      if (expiresAt > now()) {
        const authorization = bearerAuthorization(token)
        cache.set(tokenCacheKey(token), {
          token: authorization.slice(BEARER_PREFIX.length),
          authorization,
          kid: header.kid ?? '',
          verifier: verifyWithKey,
          expiresAt,
          result,
          counted: recorder.validCell(claims),
        })
      }
    }
    return result
  }

  return {
    verify,
    verifyCached(token) {
      const hit = typeof token === 'string' ? cachedEntry(token) : undefined
      if (hit === undefined) return undefined
      recorder.valid(hit.counted)
      return hit.result
    },
    verifyCachedAuthorization(authorization) {
      const hit =
        typeof authorization === 'string' ? cachedEntryOfAuthorization(authorization) : undefined
      if (hit === undefined) return undefined
      recorder.valid(hit.counted)
      return hit.result
    },
    keys,
    async close() {
      cache?.clear()
      await ownDispatcher?.close()
    },
  }
}

const BEARER_PREFIX = 'Bearer '

/**
 * `Bearer <token>` as one flat (sequential) string. V8 compares two flat
 * strings in its string builtin; a concatenation or a slice, such as the token
 * cut from a request's header, goes through its runtime (half again as long on
 * a token of 800 characters, Node 20). A verified token is a compact JWS, all
 * ASCII, which a latin1 round trip copies unchanged; were a character beyond
 * latin1 in one, its copy would differ and its lookups miss, never match.
 */
function bearerAuthorization(token: string): string {
  return Buffer.from(`${BEARER_PREFIX}${token}`, 'latin1').toString('latin1')
}

function toVerifiedToken(
  header: VerifiedToken['header'],
  claims: AccessTokenClaims,
  scopesClaim: 'scope' | 'permissions',
): VerifiedToken {
  const clientId =
    typeof claims.azp === 'string'
      ? claims.azp
      : typeof claims.client_id === 'string'
        ? claims.client_id
        : typeof claims.sub === 'string' && claims.sub.endsWith('@clients')
          ? claims.sub.slice(0, -'@clients'.length)
          : undefined
  const organization =
    typeof claims.org_id === 'string'
      ? {
          id: claims.org_id,
          name: typeof claims.org_name === 'string' ? claims.org_name : undefined,
        }
      : undefined
  return Object.freeze({
    header,
    claims: Object.freeze(claims),
    // `permissions` is an array of strings (Auth0's RBAC claim): never a space-separated string.
    scopes:
      scopesClaim === 'scope'
        ? parseScopes(claims.scope)
        : parseScopes(Array.isArray(claims.permissions) ? claims.permissions : undefined),
    clientId,
    organization,
  })
}

function resolveOptions(options: VerifierOptions) {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('options must be an object')
  }
  const { issuer } = options
  if (typeof issuer !== 'string' || !URL.canParse(issuer)) {
    throw new InvalidOptionError('issuer must be a URL such as https://tenant.auth0.com/')
  }
  const audience = typeof options.audience === 'string' ? [options.audience] : options.audience
  if (!Array.isArray(audience) || audience.length === 0 || audience.some((a) => !isText(a))) {
    throw new InvalidOptionError('audience must be a non-empty string or list of strings')
  }
  const { secret } = options
  if (secret !== undefined && (typeof secret !== 'string' || secret.length < 16)) {
    // Never the value: this is a secret.
    throw new InvalidOptionError('secret must be a string of at least 16 characters')
  }
  const algorithms = options.algorithms ?? (secret === undefined ? ['RS256'] : ['HS256'])
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new InvalidOptionError('algorithms must be a non-empty list')
  }
  for (const alg of algorithms) {
    if (alg !== 'HS256' && refusedAlgorithms.test(alg)) {
      throw new InvalidOptionError(`algorithm ${alg} is refused`)
    }
    if (!supportedAlgorithms.has(alg)) throw new InvalidOptionError(`unknown algorithm ${alg}`)
    if ((alg === 'HS256') !== (secret !== undefined)) {
      throw new InvalidOptionError(
        secret === undefined
          ? "algorithm HS256 needs the API's signing secret (secret)"
          : `with secret, only HS256 verifies (not ${alg})`,
      )
    }
  }
  const jwksUri = options.jwksUri ?? `${issuer.replace(/\/$/, '')}/.well-known/jwks.json`
  const protocol = URL.canParse(jwksUri) ? new URL(jwksUri).protocol : ''
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new InvalidOptionError('jwksUri must be an http(s) URL')
  }
  const clockTolerance = options.clockTolerance ?? 5
  const scopesClaim = options.scopesClaim ?? 'scope'
  if (scopesClaim !== 'scope' && scopesClaim !== 'permissions') {
    throw new InvalidOptionError("scopesClaim must be 'scope' or 'permissions'")
  }
  return {
    scopesClaim,
    issuer,
    secret,
    audience: audience as readonly string[],
    algorithms: algorithms as readonly string[],
    jwksUri,
    clockToleranceMs: nonNegative(clockTolerance, 'clockTolerance') * 1000,
    jwksCooldownMs: nonNegative(options.jwksCooldownMs ?? 30_000, 'jwksCooldownMs'),
    jwksErrorCooldownMs: nonNegative(options.jwksErrorCooldownMs ?? 5_000, 'jwksErrorCooldownMs'),
    jwksMaxAgeMs: nonNegative(options.jwksMaxAgeMs ?? 600_000, 'jwksMaxAgeMs'),
    // 0 would abort every JWKS request at once (AbortSignal.timeout(0)), and mean
    // "no timeout" to undici's Agent.
    timeoutMs: positive(options.timeoutMs ?? 5_000, 'timeoutMs'),
    cacheMax: nonNegativeInteger(options.cacheMax ?? 10_000, 'cacheMax'),
    requiredClaims: ['iss', 'aud', 'exp', ...(options.requiredClaims ?? [])],
    maxTokenLength: positive(options.maxTokenLength ?? 8_192, 'maxTokenLength'),
    telemetry: resolveTelemetry(options.telemetry),
  }
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0
}

/**
 * The two spellings of an issuer: without and with its trailing slash. Auth0
 * issuers end with `/`, and configurations (ISSUER_BASE_URL, a domain with
 * `https://` prepended) often drop it; `iss` is still compared exactly with
 * one of them, so `https://tenant.auth0.com//` or `…/other/` never match.
 */
export function issuerForms(issuer: string): [string, string] {
  const bare = issuer.replace(/\/+$/, '')
  return [bare, `${bare}/`]
}
