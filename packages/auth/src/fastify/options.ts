import { randomBytes } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { DPOP_ALGORITHMS, type DpopAlgorithm, isDpopAlgorithm } from '../dpop/algorithms.js'
import type { ReplayCache } from '../dpop/replay-cache.js'
import { DEFAULT_MAX_AGE_SECONDS } from '../dpop/verify-dpop-proof.js'
import { InvalidOptionError } from '../errors.js'
import {
  resolveTelemetry,
  type Telemetry,
  type TelemetryOptions,
} from '../telemetry/telemetry-options.js'
import type { TokenVerifier, VerifierOptions } from '../verify/index.js'
import type { AuthRefusal } from './auth-answers.js'
import { type DpopMode, isDpopMode } from './dpop-mode.js'
import { type RouteScopes, type ScopeRule, toScopeRule } from './route-scopes.js'
import { isChallengeSafe } from './www-authenticate.js'

/** Options of the plugin that do not depend on how tokens are verified. */
export interface M2mAuthBaseOptions {
  /**
   * The `realm` of every `WWW-Authenticate` challenge. Default: the first
   * audience when the plugin builds its verifier, else `'api'`.
   */
  realm?: string
  /**
   * Name of the OAuth 2.0 security scheme in the OpenAPI document
   * (`components.securitySchemes`); each route's `schema.security` names it.
   * Declare the scheme there: @fastify/swagger throws on an undeclared one.
   * Default `'oauth2'`.
   */
  securityScheme?: string
  /** `Retry-After` of a 503 answer when tokens cannot be verified for now, in seconds. Default 30. */
  retryAfterSeconds?: number
  /** Scopes of routes that declare none in `config.scopes`. Default `[]` (a valid token suffices). */
  defaultScopes?: RouteScopes
  /**
   * Shapes the JSON body of the plugin's refusals (401, 400, 403, 503) for an
   * API whose clients expect another error format; status and
   * `WWW-Authenticate` stay as RFC 6750 says. Default: `{ error, error_description }`.
   */
  formatBody?: (refusal: AuthRefusal) => unknown
  /** DPoP (RFC 9449) sender-constrained tokens; see `M2mAuthDpopOptions`. Default: `{ mode: 'allowed' }`. */
  dpop?: M2mAuthDpopOptions
  /**
   * Where `m2m.http.server.auth_rejections` is recorded, and the metrics of
   * the verifier the plugin builds (not of one passed in: give that one its
   * own `telemetry`). Default: the global providers of `@opentelemetry/api`.
   */
  telemetry?: TelemetryOptions
}

export type { DpopMode }

/** Server-provided nonces (RFC 9449 §9), stateless: HMAC of the time window. */
export interface M2mAuthDpopNonceOptions {
  /**
   * The HMAC key nonces are derived from, at least 32 bytes (or characters).
   * Replicas must share it. Default: 32 random bytes per process.
   */
  secret?: string | Uint8Array
  /**
   * Length of a nonce window, in seconds: a nonce is accepted in its window
   * and the next, and a new one is sent as `DPoP-Nonce`. Default 300.
   */
  windowSeconds?: number
}

/** The `dpop` option of the plugin. */
export interface M2mAuthDpopOptions {
  /** Default `'allowed'`. A route overrides it with `config: { dpop: ... }`. */
  mode?: DpopMode
  /**
   * Where proof `jti`s are recorded so that a proof is used once. Default: in
   * memory, for one process; with replicas use `createRedisReplayCache` from
   * `@m2m/auth/dpop`, or a proof may be replayed once on each replica.
   */
  replayCache?: ReplayCache
  /** Proof algorithms accepted, also listed in challenges (`algs`). Default: all of `DPOP_ALGORITHMS`. */
  algorithms?: readonly DpopAlgorithm[]
  /** How old a proof may be (`iat`), in seconds. Default 120 (`DEFAULT_MAX_AGE_SECONDS`). */
  maxAgeSeconds?: number
  /** How far in the future a proof's `iat` may be, for clock skew, in seconds. Default 30. */
  leewaySeconds?: number
  /** Server nonces (`use_dpop_nonce`): `{}` turns them on with defaults. Default `false`. */
  nonce?: M2mAuthDpopNonceOptions | false
  /**
   * The URL the client used (scheme, host, path), which a proof's `htu` must
   * match. Default: `request.protocol`, `request.host` and the path of
   * `request.originalUrl`, which honour Fastify's `trustProxy`
   * (`X-Forwarded-Proto`, `X-Forwarded-Host`). Behind a proxy that rewrites
   * paths, or to pin the public origin, give your own.
   */
  url?: (request: FastifyRequest) => string
  /** Clock, in ms since the epoch (for tests). Default `Date.now`. */
  now?: () => number
}

/** The `dpop` option once validated. */
export interface ResolvedDpopOptions {
  readonly mode: DpopMode
  readonly replayCache: ReplayCache | undefined
  readonly algorithms: readonly DpopAlgorithm[]
  /** The `algs` attribute of DPoP challenges. */
  readonly algs: string
  readonly maxAgeSeconds: number
  readonly leewaySeconds: number
  readonly nonce: { readonly secret: Uint8Array; readonly windowMs: number } | undefined
  readonly url: ((request: FastifyRequest) => string) | undefined
  readonly now: () => number
}

/** The plugin verifies with a `TokenVerifier` you built, and leaves closing it to you. */
export interface M2mAuthVerifierInstanceOptions extends M2mAuthBaseOptions {
  verifier: TokenVerifier
}

/**
 * The plugin builds its verifier with `createVerifier` from `@m2m/auth/verify`
 * and closes it when the Fastify instance closes.
 */
export type M2mAuthVerifierConfigOptions = M2mAuthBaseOptions &
  VerifierOptions & { verifier?: undefined }

/** Options of the `@m2m/auth/fastify` plugin: a `verifier`, or `issuer` and `audience`. */
export type M2mAuthOptions = M2mAuthVerifierInstanceOptions | M2mAuthVerifierConfigOptions

/** Options once validated, with their defaults. */
export interface ResolvedOptions {
  readonly realm: string
  readonly securityScheme: string
  /** The `Retry-After` header value. */
  readonly retryAfter: string
  readonly defaultRule: ScopeRule
  /** Set when the caller passed a verifier. */
  readonly verifier: TokenVerifier | undefined
  /** Set when the plugin must build the verifier. */
  readonly verifierOptions: VerifierOptions | undefined
  readonly formatBody: ((refusal: AuthRefusal) => unknown) | undefined
  readonly dpop: ResolvedDpopOptions
  readonly telemetry: Telemetry
}

const defaults = Object.freeze({
  realm: 'api',
  securityScheme: 'oauth2',
  retryAfterSeconds: 30,
  defaultScopes: Object.freeze([]) as RouteScopes,
  dpopMode: 'allowed' as DpopMode,
  dpopMaxAgeSeconds: DEFAULT_MAX_AGE_SECONDS,
  dpopLeewaySeconds: 30,
  dpopNonceWindowSeconds: 300,
})

const MIN_NONCE_SECRET_BYTES = 32

// Fastify passes its own register options to the plugin along with ours.
const registerOptionKeys = ['prefix', 'logLevel', 'logSerializers']

/**
 * Validates the plugin options once, at registration, and applies defaults.
 * Throws `InvalidOptionError` naming the option. The verifier options are
 * checked in depth by `createVerifier` itself.
 */
export function resolveOptions(options: unknown): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('@m2m/auth/fastify options must be an object')
  }
  const {
    realm,
    securityScheme = defaults.securityScheme,
    retryAfterSeconds = defaults.retryAfterSeconds,
    defaultScopes = defaults.defaultScopes,
    formatBody,
    dpop,
    telemetry,
    verifier,
    ...rest
  } = options as M2mAuthOptions & Record<string, unknown>
  for (const key of registerOptionKeys) delete rest[key]

  let verifierOptions: VerifierOptions | undefined
  if (verifier !== undefined) {
    if (
      typeof verifier !== 'object' ||
      verifier === null ||
      typeof verifier.verify !== 'function'
    ) {
      throw new InvalidOptionError('verifier must be a TokenVerifier, with a verify(token) method')
    }
    for (const method of ['verifyCached', 'verifyCachedAuthorization'] as const) {
      if (verifier[method] !== undefined && typeof verifier[method] !== 'function') {
        throw new InvalidOptionError(`verifier.${method} must be a function when present`)
      }
    }
    if (rest.issuer !== undefined || rest.audience !== undefined) {
      throw new InvalidOptionError('pass either verifier or issuer and audience, not both')
    }
  } else {
    if (typeof rest.issuer !== 'string' || rest.issuer === '') {
      throw new InvalidOptionError('issuer is required when no verifier is given')
    }
    if (rest.audience === undefined) {
      throw new InvalidOptionError('audience is required when no verifier is given')
    }
    verifierOptions = {
      ...(rest as unknown as VerifierOptions),
      ...(telemetry === undefined ? {} : { telemetry }),
    }
  }

  const firstAudience = Array.isArray(verifierOptions?.audience)
    ? verifierOptions.audience[0]
    : verifierOptions?.audience
  const resolvedRealm =
    realm ?? (typeof firstAudience === 'string' && firstAudience !== '' ? firstAudience : undefined)
  if (resolvedRealm !== undefined && !isRealm(resolvedRealm)) {
    throw new InvalidOptionError(
      realm === undefined
        ? 'the audience cannot serve as realm (it has characters a quoted string cannot hold): set realm'
        : 'realm must be a non-empty string of printable ASCII without " or \\',
    )
  }
  if (typeof securityScheme !== 'string' || !/^[\w.-]+$/.test(securityScheme)) {
    throw new InvalidOptionError('securityScheme must be a name made of letters, digits, _ . or -')
  }
  if (!Number.isSafeInteger(retryAfterSeconds) || retryAfterSeconds < 1) {
    throw new InvalidOptionError('retryAfterSeconds must be a positive integer')
  }
  if (formatBody !== undefined && typeof formatBody !== 'function') {
    throw new InvalidOptionError('formatBody must be a function')
  }
  return Object.freeze({
    realm: resolvedRealm ?? defaults.realm,
    securityScheme,
    retryAfter: String(retryAfterSeconds),
    defaultRule: toScopeRule(defaultScopes, 'defaultScopes'),
    verifier,
    verifierOptions,
    formatBody,
    dpop: resolveDpopOptions(dpop),
    telemetry: resolveTelemetry(telemetry),
  })
}

function resolveDpopOptions(options: unknown): ResolvedDpopOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new InvalidOptionError('dpop must be an object')
  }
  const {
    mode = defaults.dpopMode,
    replayCache,
    algorithms = DPOP_ALGORITHMS,
    maxAgeSeconds = defaults.dpopMaxAgeSeconds,
    leewaySeconds = defaults.dpopLeewaySeconds,
    nonce = false,
    url,
    now = Date.now,
    ...unknown
  } = (options ?? {}) as M2mAuthDpopOptions
  const unknownKeys = Object.keys(unknown)
  if (unknownKeys.length > 0) {
    throw new InvalidOptionError(`dpop has an unknown option: ${unknownKeys[0]}`)
  }
  if (!isDpopMode(mode)) {
    throw new InvalidOptionError("dpop.mode must be 'allowed', 'required' or 'disabled'")
  }
  if (
    replayCache !== undefined &&
    (typeof replayCache !== 'object' ||
      replayCache === null ||
      typeof replayCache.remember !== 'function')
  ) {
    throw new InvalidOptionError('dpop.replayCache must be a ReplayCache, with a remember() method')
  }
  if (
    !Array.isArray(algorithms) ||
    algorithms.length === 0 ||
    !algorithms.every((alg) => isDpopAlgorithm(alg))
  ) {
    throw new InvalidOptionError(
      `dpop.algorithms must be a non-empty list of ${DPOP_ALGORITHMS.join(', ')}`,
    )
  }
  if (!Number.isSafeInteger(maxAgeSeconds) || maxAgeSeconds < 1) {
    throw new InvalidOptionError('dpop.maxAgeSeconds must be a positive integer')
  }
  if (!Number.isSafeInteger(leewaySeconds) || leewaySeconds < 0) {
    throw new InvalidOptionError('dpop.leewaySeconds must be an integer, 0 or more')
  }
  if (url !== undefined && typeof url !== 'function') {
    throw new InvalidOptionError('dpop.url must be a function of the request')
  }
  if (typeof now !== 'function') throw new InvalidOptionError('dpop.now must be a function')
  const unique = [...new Set(algorithms)]
  return Object.freeze({
    mode,
    replayCache,
    algorithms: Object.freeze(unique),
    algs: unique.join(' '),
    maxAgeSeconds,
    leewaySeconds,
    nonce: resolveNonceOptions(nonce),
    url,
    now,
  })
}

function resolveNonceOptions(nonce: unknown): ResolvedDpopOptions['nonce'] {
  if (nonce === false) return undefined
  if (typeof nonce !== 'object' || nonce === null) {
    throw new InvalidOptionError('dpop.nonce must be false or an object ({} for the defaults)')
  }
  const {
    secret,
    windowSeconds = defaults.dpopNonceWindowSeconds,
    ...unknown
  } = nonce as M2mAuthDpopNonceOptions
  const unknownKeys = Object.keys(unknown)
  if (unknownKeys.length > 0) {
    throw new InvalidOptionError(`dpop.nonce has an unknown option: ${unknownKeys[0]}`)
  }
  let key: Uint8Array
  if (secret === undefined) {
    key = randomBytes(MIN_NONCE_SECRET_BYTES)
  } else if (typeof secret === 'string' || secret instanceof Uint8Array) {
    key = typeof secret === 'string' ? Buffer.from(secret) : Uint8Array.from(secret)
    if (key.length < MIN_NONCE_SECRET_BYTES) {
      throw new InvalidOptionError(
        `dpop.nonce.secret must be at least ${MIN_NONCE_SECRET_BYTES} bytes long`,
      )
    }
  } else {
    throw new InvalidOptionError('dpop.nonce.secret must be a string or a Uint8Array')
  }
  if (!Number.isSafeInteger(windowSeconds) || windowSeconds < 1) {
    throw new InvalidOptionError('dpop.nonce.windowSeconds must be a positive integer')
  }
  return Object.freeze({ secret: key, windowMs: windowSeconds * 1000 })
}

function isRealm(value: unknown): value is string {
  return typeof value === 'string' && value !== '' && isChallengeSafe(value)
}
