import { InvalidOptionError } from '../errors.js'
import type { TokenVerifier, VerifierOptions } from '../verify/index.js'
import type { AuthRefusal } from './auth-answers.js'
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
}

const defaults = Object.freeze({
  realm: 'api',
  securityScheme: 'oauth2',
  retryAfterSeconds: 30,
  defaultScopes: Object.freeze([]) as RouteScopes,
})

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
    if (verifier.verifyCached !== undefined && typeof verifier.verifyCached !== 'function') {
      throw new InvalidOptionError('verifier.verifyCached must be a function when present')
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
    verifierOptions = rest as unknown as VerifierOptions
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
  })
}

function isRealm(value: unknown): value is string {
  return typeof value === 'string' && value !== '' && isChallengeSafe(value)
}
