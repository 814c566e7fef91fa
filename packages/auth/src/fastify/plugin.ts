import type {
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  FastifySchema,
  HookHandlerDoneFunction,
  RouteOptions,
} from 'fastify'
import fp from 'fastify-plugin'
import { createMemoryReplayCache } from '../dpop/replay-cache.js'
import { createServerNonces } from '../dpop/server-nonces.js'
import { verifyDpopProof } from '../dpop/verify-dpop-proof.js'
import {
  type DpopProofError,
  InsufficientScopeError,
  InvalidRequestError,
  MissingCredentialsError,
  TokenClaimError,
} from '../errors.js'
import { createRejectionTelemetry } from '../telemetry/rejection-telemetry.js'
import type {
  AccessTokenClaims,
  TokenVerifier,
  VerifiedToken,
  VerifierOptions,
} from '../verify/index.js'
import {
  type AuthAnswer,
  type AuthRefusal,
  type Challenge,
  classifyVerificationError,
  DPOP_REQUIRED_DESCRIPTION,
  dpopProofAnswer,
  insufficientScopeAnswer,
  invalidRequestAnswer,
  invalidTokenAnswer,
  isAuthError,
  loggableError,
  noCredentialsAnswer,
  unavailableAnswer,
} from './auth-answers.js'
import {
  checkBearerSyntax,
  hasFormAccessToken,
  readBearerToken,
  readDpopCredentials,
  readDpopProof,
  refuseMisplacedCredentials,
} from './bearer-extraction.js'
import type { DpopMode } from './dpop-mode.js'
import { redactToken } from './error-description.js'
import { type M2mAuthOptions, resolveOptions } from './options.js'
import { refusalReason } from './refusal-reason.js'
import { toDpopRequestAuth, toRequestAuth } from './request-auth.js'
import { requestUrl } from './request-url.js'
import { routeConfig } from './route-config.js'
import {
  describeShortfall,
  openApiSecurity,
  type RouteRequirement,
  resolveRouteRequirement,
  satisfiesRule,
} from './route-scopes.js'
import { bearerChallenge, dpopChallenge } from './www-authenticate.js'

const NO_CREDENTIALS_CODE = new MissingCredentialsError().code
const DPOP_PROOF_CODE = 'AUTH_ERR_DPOP_PROOF'

type ProtectedRequirement = Extract<RouteRequirement, { public: false }>

const m2mAuthPlugin: FastifyPluginAsync<M2mAuthOptions> = async (fastify, options) => {
  const settings = resolveOptions(options)
  let verifier: TokenVerifier
  if (settings.verifier) {
    verifier = settings.verifier
  } else {
    verifier = await createOwnVerifier(settings.verifierOptions as VerifierOptions)
    fastify.addHook('onClose', async () => {
      await verifier.close()
    })
  }
  const { realm, securityScheme, retryAfter, defaultRule, formatBody, dpop } = settings
  const rejections = createRejectionTelemetry(settings.telemetry)
  const routeDefaults = Object.freeze({ rule: defaultRule, dpop: dpop.mode })

  const replay = dpop.replayCache ?? createMemoryReplayCache({ now: dpop.now })
  const nonces =
    dpop.nonce === undefined
      ? undefined
      : createServerNonces({
          secret: dpop.nonce.secret,
          windowMs: dpop.nonce.windowMs,
          now: dpop.now,
        })
  const isNonceValid = nonces === undefined ? undefined : (nonce: string) => nonces.isValid(nonce)
  const urlOf = dpop.url ?? requestUrl

  // The challenges of a refusal, built once. A route that takes both schemes puts the
  // error on the challenge of the scheme the request used and offers the other one bare
  // (as express-oauth2-jwt-bearer does); a Bearer request keeps today's Bearer-only answer.
  const bearerOnly: Challenge = (params) => bearerChallenge(realm, params)
  const dpopOnly: Challenge = (params) => dpopChallenge(dpop.algs, params)
  const dpopAndBearer: Challenge = (params) =>
    `${bearerChallenge(realm)}, ${dpopChallenge(dpop.algs, params)}`
  const bearerAndDpop: Challenge = (params) =>
    `${bearerChallenge(realm, params)}, ${dpopChallenge(dpop.algs)}`

  function challengeFor(mode: DpopMode, scheme: 'Bearer' | 'DPoP'): Challenge {
    if (mode === 'required') return dpopOnly
    if (mode === 'allowed' && scheme === 'DPoP') return dpopAndBearer
    return bearerOnly
  }

  // Per plugin instance, so two sibling registrations never read each other's requirements.
  const kRequirement = Symbol('@m2m/auth/fastify route requirement')
  const unseenRoutes = new WeakMap<object, RouteRequirement>()

  fastify.decorateRequest('auth', null)

  fastify.addHook('onRoute', (routeOptions) => {
    const where = `route ${String(routeOptions.method)} ${routeOptions.url}`
    const requirement = resolveRouteRequirement(routeOptions.config, routeDefaults, where)
    // A new object: the caller's config may be shared between routes.
    routeOptions.config = {
      ...routeOptions.config,
      [kRequirement]: requirement,
    } as typeof routeOptions.config
    addOpenApiSecurity(routeOptions, requirement, securityScheme)
    if (!requirement.public && mayCarryBody(routeOptions.method)) {
      routeOptions.preValidation = prependHook(routeOptions.preValidation, refuseFormToken)
    }
  })

  function requirementOf(request: FastifyRequest): RouteRequirement {
    const config = routeConfig(request) as object & { [kRequirement]?: RouteRequirement }
    const precomputed = config[kRequirement]
    if (precomputed !== undefined) return precomputed
    let requirement = unseenRoutes.get(config)
    if (requirement === undefined) {
      const url = request.is404 ? 'not-found handler' : request.routeOptions.url
      requirement = resolveRouteRequirement(config, routeDefaults, `route ${url}`)
      unseenRoutes.set(config, requirement)
      if (!request.is404) {
        request.log.warn(
          { route: url },
          '@m2m/auth/fastify did not see this route registered: register the plugin before routes',
        )
      }
    }
    return requirement
  }

  // Callback-style hooks, not async ones: on the hot path (a token the verifier holds
  // verified) a request is authenticated with no promise and no microtask. Only a cache
  // miss goes through the promise of `verify`, and a DPoP request through its proof's.
  fastify.addHook('onRequest', (request, reply, done) => {
    const requirement = requirementOf(request)
    if (requirement.public) return done()

    const authorization = request.headers.authorization
    try {
      refuseMisplacedCredentials(authorization, request.query, request.raw.rawHeaders)
    } catch (error) {
      return refuseMalformed(request, reply, error, done, challengeFor(requirement.dpop, 'Bearer'))
    }
    // The hot path: a header `Bearer <token>` whose token the verifier holds verified,
    // compared whole with the copy it keeps: the token is not cut out of the header.
    if (authorization !== undefined && requirement.dpop !== 'required') {
      let cached: VerifiedToken | undefined
      try {
        cached = verifier.verifyCachedAuthorization?.(authorization)
      } catch {
        // Taken as a miss: the token's own path below answers, with the token to redact.
      }
      if (cached !== undefined) {
        if (admit(request, reply, requirement, cached)) done()
        return
      }
    }

    let token: string | undefined
    try {
      token = authorization === undefined ? undefined : readBearerToken(authorization)
    } catch (error) {
      return refuseMalformed(request, reply, error, done, challengeFor(requirement.dpop, 'Bearer'))
    }
    if (token === undefined) {
      // No Bearer credentials: the DPoP scheme is looked for only now, off the Bearer path.
      if (requirement.dpop !== 'disabled')
        return authenticateDpop(request, reply, requirement, done)
      return refuse(request, reply, NO_CREDENTIALS_CODE, noCredentialsAnswer(bearerOnly))
    }
    if (requirement.dpop === 'required') {
      return refuse(request, reply, NO_CREDENTIALS_CODE, dpopRequiredAnswer())
    }

    let cached: VerifiedToken | undefined
    try {
      cached = verifier.verifyCached?.(token)
    } catch (error) {
      return refuseUnverified(request, reply, error, token, bearerOnly)
    }
    // A token the verifier holds verified is a compact JWS: it passed the syntax check before.
    if (cached !== undefined) {
      if (admit(request, reply, requirement, cached)) done()
      return
    }
    try {
      checkBearerSyntax(token)
    } catch (error) {
      return refuseMalformed(request, reply, error, done, bearerOnly)
    }
    verifyAndAdmit(request, reply, requirement, token).then((admitted) => {
      if (admitted) done()
    }, done)
  })

  /** True when the request may go on; otherwise it has been answered. */
  async function verifyAndAdmit(
    request: FastifyRequest,
    reply: FastifyReply,
    requirement: ProtectedRequirement,
    token: string,
  ): Promise<boolean> {
    let verified: VerifiedToken
    try {
      verified = await verifier.verify(token)
    } catch (error) {
      refuseUnverified(request, reply, error, token, bearerOnly)
      return false
    }
    return admit(request, reply, requirement, verified)
  }

  /**
   * Admits a Bearer token: refuses one bound to a DPoP key (RFC 9449 §7.2: its
   * holder must prove possession), checks the route's scopes and sets `request.auth`.
   * False when it answered instead.
   */
  function admit(
    request: FastifyRequest,
    reply: FastifyReply,
    requirement: ProtectedRequirement,
    verified: VerifiedToken,
  ): boolean {
    if (verified.claims.cnf !== undefined && isDpopBound(verified.claims)) {
      const error = new TokenClaimError(
        'DPoP-bound token requires the DPoP authentication scheme, not Bearer',
      )
      const challenge = requirement.dpop === 'allowed' ? bearerAndDpop : bearerOnly
      refuse(request, reply, error.code, invalidTokenAnswer(challenge, error.message))
      return false
    }
    if (!hasScopes(request, reply, requirement, verified, bearerOnly)) return false
    request.auth = toRequestAuth(verified)
    return true
  }

  /** Checks the route's scopes; false when it answered 403. */
  function hasScopes(
    request: FastifyRequest,
    reply: FastifyReply,
    requirement: ProtectedRequirement,
    verified: VerifiedToken,
    challenge: Challenge,
  ): boolean {
    if (satisfiesRule(requirement.rule, verified.scopes)) return true
    const error = new InsufficientScopeError(describeShortfall(requirement.rule, verified.scopes))
    const answer = insufficientScopeAnswer(
      challenge,
      error.message,
      requirement.scopeAttribute,
      requirement.rule,
    )
    refuse(request, reply, error.code, answer)
    return false
  }

  /**
   * `Authorization: DPoP <token>` with one `DPoP` proof header (RFC 9449 §7.1),
   * on a route that takes DPoP. Checks that cost nothing come first: the
   * header syntax, then the token (from the verifier's cache when it can), its
   * binding, and only then the proof's signature and `jti`.
   */
  function authenticateDpop(
    request: FastifyRequest,
    reply: FastifyReply,
    requirement: ProtectedRequirement,
    done: HookHandlerDoneFunction,
  ): void {
    const challenge = challengeFor(requirement.dpop, 'DPoP')
    let token: string | undefined
    try {
      token = readDpopCredentials(request.headers.authorization)
    } catch (error) {
      refuseMalformed(request, reply, error, done, challenge)
      return
    }
    if (token === undefined) {
      const answer =
        requirement.dpop === 'required' ? dpopRequiredAnswer() : noCredentialsAnswer(bearerOnly)
      refuse(request, reply, NO_CREDENTIALS_CODE, answer)
      return
    }
    let proof: string
    try {
      proof = readDpopProof(request.headers.dpop)
    } catch (error) {
      refuseDpopProof(request, reply, error, token, challenge)
      return
    }
    let cached: VerifiedToken | undefined
    try {
      cached = verifier.verifyCached?.(token)
    } catch (error) {
      refuseUnverified(request, reply, error, token, challenge)
      return
    }
    if (cached === undefined) {
      try {
        checkBearerSyntax(token, 'DPoP')
      } catch (error) {
        refuseMalformed(request, reply, error, done, challenge)
        return
      }
    }
    verifyDpopAndAdmit(request, reply, requirement, token, proof, cached, challenge).then(
      (admitted) => {
        if (admitted) done()
      },
      done,
    )
  }

  /** True when the DPoP request may go on; otherwise it has been answered. */
  async function verifyDpopAndAdmit(
    request: FastifyRequest,
    reply: FastifyReply,
    requirement: ProtectedRequirement,
    token: string,
    proof: string,
    cached: VerifiedToken | undefined,
    challenge: Challenge,
  ): Promise<boolean> {
    let verified = cached
    if (verified === undefined) {
      try {
        verified = await verifier.verify(token)
      } catch (error) {
        refuseUnverified(request, reply, error, token, challenge)
        return false
      }
    }
    const jkt = boundJkt(verified.claims)
    if (jkt === undefined) {
      const error = new TokenClaimError('JWT Access Token has no jkt confirmation claim')
      refuse(request, reply, error.code, invalidTokenAnswer(challenge, error.message))
      return false
    }
    let proofJkt: string
    try {
      const checked = await verifyDpopProof(proof, {
        htm: request.method,
        htu: urlOf(request),
        accessToken: token,
        algorithms: dpop.algorithms,
        isNonceValid,
        replay,
        maxAgeSeconds: dpop.maxAgeSeconds,
        leewaySeconds: dpop.leewaySeconds,
        now: dpop.now(),
      })
      proofJkt = checked.jkt
    } catch (error) {
      refuseDpopProof(request, reply, error, token, challenge)
      return false
    }
    // Compared here rather than by verifyDpopProof, to answer as RFC 9449 §7.1 shows:
    // a proof by another key than the token's is the token's `invalid_token`.
    if (proofJkt !== jkt) {
      const error = new TokenClaimError('JWT Access Token confirmation mismatch')
      refuse(request, reply, error.code, invalidTokenAnswer(challenge, error.message))
      return false
    }
    if (!hasScopes(request, reply, requirement, verified, challenge)) return false
    request.auth = toDpopRequestAuth(verified, jkt)
    // A fresh nonce with each answer, so a client moves on before its nonce expires (§9).
    if (nonces !== undefined) reply.header('dpop-nonce', nonces.current())
    return true
  }

  function dpopRequiredAnswer(): AuthAnswer {
    return noCredentialsAnswer(dpopOnly, DPOP_REQUIRED_DESCRIPTION)
  }

  function refuseDpopProof(
    request: FastifyRequest,
    reply: FastifyReply,
    error: unknown,
    token: string,
    challenge: Challenge,
  ): void {
    if (isAuthError(error) && error.code === DPOP_PROOF_CODE) {
      const code = (error as DpopProofError).error
      const nonce = code === 'use_dpop_nonce' ? nonces?.current() : undefined
      const message = redactToken(error.message, token)
      refuse(request, reply, error.code, dpopProofAnswer(challenge, code, message, nonce))
      return
    }
    // The replay cache (Redis) failing, or a defect: the proof may well be good.
    request.log.error(
      { err: loggableError(error, token) },
      'DPoP proof verification failed unexpectedly',
    )
    send(reply, unavailableAnswer(retryAfter))
  }

  function refuseMalformed(
    request: FastifyRequest,
    reply: FastifyReply,
    error: unknown,
    done: HookHandlerDoneFunction,
    challenge: Challenge,
  ): void {
    if (isAuthError(error)) {
      refuse(request, reply, error.code, invalidRequestAnswer(challenge, error.message))
    } else {
      done(error as Error)
    }
  }

  function refuseUnverified(
    request: FastifyRequest,
    reply: FastifyReply,
    error: unknown,
    token: string,
    challenge: Challenge,
  ): void {
    const failure = classifyVerificationError(error, token)
    if (failure.kind === 'invalid_token') {
      refuse(request, reply, failure.code, invalidTokenAnswer(challenge, failure.description))
      return
    }
    if (failure.kind === 'unavailable') {
      request.log.warn(
        { code: failure.code, detail: failure.detail },
        'access token cannot be verified for now',
      )
    } else {
      request.log.error(
        { err: loggableError(failure.error, token) },
        'access token verification failed unexpectedly',
      )
    }
    send(reply, unavailableAnswer(retryAfter))
  }

  function refuse(
    request: FastifyRequest,
    reply: FastifyReply,
    code: string,
    answer: AuthAnswer,
  ): void {
    logRefusal(request, code, answer)
    send(reply, answer)
  }

  function send(reply: FastifyReply, answer: AuthAnswer): void {
    // The route's URL pattern (bounded), never the URL; none for the not-found handler.
    rejections.rejected(answer.statusCode, refusalReason(answer), reply.request.routeOptions.url)
    sendAnswer(reply, answer, formatBody)
  }

  // Bodies are parsed after onRequest, so a token also sent as a form field is caught in
  // preValidation: a hook of each protected route that may carry a body, not a global one, so
  // a GET pays for no second hook. Fastify never parses a body on GET, HEAD or TRACE.
  function refuseFormToken(
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void {
    if (
      request.auth !== null &&
      hasFormAccessToken(request.headers['content-type'], request.body)
    ) {
      const { dpop: mode } = requirementOf(request) as ProtectedRequirement
      const challenge = challengeFor(mode, request.auth.tokenType)
      request.auth = null
      const error = new InvalidRequestError(
        'the access token was sent in more than one place: Authorization header and access_token form field',
      )
      refuse(request, reply, error.code, invalidRequestAnswer(challenge, error.message))
      return
    }
    done()
  }
}

/** True when the token is bound to a DPoP key: a `cnf` with a `jkt` member (RFC 9449 §6.1). */
function isDpopBound(claims: AccessTokenClaims): boolean {
  const { cnf } = claims
  return typeof cnf === 'object' && cnf !== null && Object.hasOwn(cnf, 'jkt')
}

/** The token's `cnf.jkt`, when it is a non-empty string. */
function boundJkt(claims: AccessTokenClaims): string | undefined {
  const { cnf } = claims
  if (typeof cnf !== 'object' || cnf === null) return undefined
  const { jkt } = cnf as { jkt?: unknown }
  return typeof jkt === 'string' && jkt !== '' ? jkt : undefined
}

async function createOwnVerifier(options: VerifierOptions): Promise<TokenVerifier> {
  // Imported on demand: an application that injects its verifier never loads fast-jwt or undici.
  const { createVerifier } = await import('../verify/index.js')
  return createVerifier(options)
}

const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'TRACE'])

/** False only for a route whose methods all are ones Fastify parses no body for. */
function mayCarryBody(method: RouteOptions['method']): boolean {
  const methods = Array.isArray(method) ? method : [method]
  return methods.some((name) => !BODYLESS_METHODS.has(String(name).toUpperCase()))
}

type PreValidationHooks = RouteOptions['preValidation']

/** The route's own preValidation hooks with `hook` first. */
function prependHook(
  hooks: PreValidationHooks,
  hook: NonNullable<Extract<PreValidationHooks, unknown[]>>[number],
): PreValidationHooks {
  if (hooks === undefined) return [hook]
  return Array.isArray(hooks) ? [hook, ...hooks] : [hook, hooks]
}

function addOpenApiSecurity(
  routeOptions: RouteOptions,
  requirement: RouteRequirement,
  schemeName: string,
): void {
  const schema = routeOptions.schema as (FastifySchema & { security?: unknown }) | undefined
  if (schema?.security !== undefined) return
  routeOptions.schema = {
    ...schema,
    security: openApiSecurity(requirement, schemeName),
  } as FastifySchema
}

function logRefusal(request: FastifyRequest, code: string, answer: AuthAnswer): void {
  request.log.debug(
    { code, statusCode: answer.statusCode, reason: answer.body.error_description },
    'request refused',
  )
}

function sendAnswer(
  reply: FastifyReply,
  answer: AuthAnswer,
  formatBody: ((refusal: AuthRefusal) => unknown) | undefined,
): void {
  const body =
    formatBody === undefined
      ? answer.body
      : formatBody({
          statusCode: answer.statusCode,
          ...answer.body,
          ...(answer.rule === undefined ? {} : { rule: answer.rule }),
        })
  reply.code(answer.statusCode).headers(answer.headers).send(body)
}

/**
 * Requires a valid bearer access token on every route, with the scopes the
 * route declares, and answers as RFC 6750 §3 describes.
 *
 * Routes declare what they need in their `config`:
 * - `config: { auth: false }` opts the route out: no token is read and
 *   `request.auth` stays `null`. Opting out is explicit, so a route that
 *   forgets to declare anything is protected.
 * - `config: { scopes: ['a', 'b'] }` (or `{ allOf: [...] }`) needs every
 *   scope; `config: { scopes: { anyOf: ['a', 'b'] } }` needs one of them.
 *   Without `scopes`, the plugin's `defaultScopes` (by default none) apply.
 *
 * The requirement of each route is computed once, by an `onRoute` hook, which
 * also throws at registration on an invalid `config`. Register this plugin
 * before the routes it protects; a route it did not see (registered earlier,
 * or the not-found handler) is still protected, with `defaultScopes`, so an
 * unknown URL answers 401 without a token rather than revealing a 404.
 *
 * Answers, each with a JSON body `{ error, error_description }`:
 * - no bearer credentials (no `Authorization` header, or another scheme such
 *   as `Basic`): 401, `WWW-Authenticate: Bearer realm="..."` with no error
 *   attribute (RFC 6750 §3.1) and body error `unauthorized` (an RFC 6750 code
 *   there would contradict the header);
 * - a malformed `Bearer` header, a token in the query string, or a token both
 *   in the header and in an `access_token` form field (looked for on the
 *   routes the plugin saw whose method may carry a body): 400 `invalid_request`.
 *   Only the header is read: bodies are parsed after authentication, so a
 *   token sent only as a form field counts as no credentials;
 * - a token the verifier refuses (bad signature, expired, wrong issuer or
 *   audience...): 401 `invalid_token`;
 * - a token without the route's scopes: 403 `insufficient_scope` with the
 *   `scope` attribute;
 * - a verifier that cannot decide (`JwksUnavailableError`) or fails
 *   unexpectedly: 503 `temporarily_unavailable` with `Retry-After`; a failure
 *   that is not an `AuthError` is logged at error level.
 *
 * DPoP (RFC 9449, option `dpop`, per route `config.dpop`): `Authorization:
 * DPoP <token>` with one `DPoP` proof header is taken on `allowed` (default)
 * and `required` routes; the token must be bound (`cnf.jkt`) to the key that
 * signed the proof, which must name this request (`htm`, `htu`), this token
 * (`ath`) and a fresh `jti`. A bound token sent as Bearer is refused in every
 * mode. Refusals carry a `DPoP` challenge with `algs` (after a bare Bearer
 * one where Bearer is taken too): 401 `invalid_dpop_proof`, `use_dpop_nonce`
 * (with `DPoP-Nonce`, when `dpop.nonce` is on) or `invalid_token`.
 *
 * `error_description` is restricted to the characters RFC 6750 allows, and
 * the token never appears in an answer or a log line of this plugin. (Fastify
 * logs each request's URL before any hook runs: a logger `req` serializer
 * that drops the query string keeps a refused `?access_token=` out of logs.)
 *
 * Each route's OpenAPI `security` lists its scopes under the `securityScheme`
 * name (`[]` on public routes), for `@fastify/swagger`; a route that sets
 * `schema.security` itself keeps it. Registered with `fastify-plugin`, so its
 * hooks and `request.auth` apply to the whole instance it is registered on,
 * child plugins included.
 *
 * @example
 * ```ts
 * await app.register(m2mAuth, { issuer: 'https://tenant.auth0.com/', audience: 'https://api' })
 * app.get('/healthz', { config: { auth: false } }, async () => ({ ok: true }))
 * app.get('/geocode', { config: { scopes: ['geocode:location'] } }, async (request) => {
 *   return { client: request.auth?.clientId }
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export const m2mAuth = fp(m2mAuthPlugin, {
  fastify: '5.x',
  name: '@m2m/auth/fastify',
})

export default m2mAuth
