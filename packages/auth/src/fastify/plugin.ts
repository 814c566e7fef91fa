import type {
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  FastifySchema,
  HookHandlerDoneFunction,
  RouteOptions,
} from 'fastify'
import fp from 'fastify-plugin'
import { InsufficientScopeError, InvalidRequestError, MissingCredentialsError } from '../errors.js'
import type { TokenVerifier, VerifiedToken, VerifierOptions } from '../verify/index.js'
import {
  type AuthAnswer,
  type AuthRefusal,
  classifyVerificationError,
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
  readBearerCredentials,
} from './bearer-extraction.js'
import { type M2mAuthOptions, resolveOptions } from './options.js'
import { toRequestAuth } from './request-auth.js'
import {
  describeShortfall,
  openApiSecurity,
  type RouteRequirement,
  resolveRouteRequirement,
  satisfiesRule,
} from './route-scopes.js'

const NO_CREDENTIALS_CODE = new MissingCredentialsError().code

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
  const { realm, securityScheme, retryAfter, defaultRule, formatBody } = settings

  // Per plugin instance, so two sibling registrations never read each other's requirements.
  const kRequirement = Symbol('@m2m/auth/fastify route requirement')
  const unseenRoutes = new WeakMap<object, RouteRequirement>()

  fastify.decorateRequest('auth', null)

  fastify.addHook('onRoute', (routeOptions) => {
    const where = `route ${String(routeOptions.method)} ${routeOptions.url}`
    const requirement = resolveRouteRequirement(routeOptions.config, defaultRule, where)
    // A new object: the caller's config may be shared between routes.
    routeOptions.config = {
      ...routeOptions.config,
      [kRequirement]: requirement,
    } as typeof routeOptions.config
    addOpenApiSecurity(routeOptions, requirement, securityScheme)
  })

  function requirementOf(request: FastifyRequest): RouteRequirement {
    const config = request.routeOptions.config as object & { [kRequirement]?: RouteRequirement }
    const precomputed = config[kRequirement]
    if (precomputed !== undefined) return precomputed
    let requirement = unseenRoutes.get(config)
    if (requirement === undefined) {
      const url = request.is404 ? 'not-found handler' : request.routeOptions.url
      requirement = resolveRouteRequirement(config, defaultRule, `route ${url}`)
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
  // miss goes through the promise of `verify`.
  fastify.addHook('onRequest', (request, reply, done) => {
    const requirement = requirementOf(request)
    if (requirement.public) return done()

    let token: string | undefined
    try {
      token = readBearerCredentials(
        request.headers.authorization,
        request.query,
        request.raw.rawHeaders,
      )
    } catch (error) {
      return refuseMalformed(request, reply, error, done)
    }
    if (token === undefined) {
      return refuse(request, reply, NO_CREDENTIALS_CODE, noCredentialsAnswer(realm))
    }

    let cached: VerifiedToken | undefined
    try {
      cached = verifier.verifyCached?.(token)
    } catch (error) {
      return refuseUnverified(request, reply, error, token)
    }
    // A token the verifier holds verified is a compact JWS: it passed the syntax check before.
    if (cached !== undefined) {
      if (admit(request, reply, requirement, cached)) done()
      return
    }
    try {
      checkBearerSyntax(token)
    } catch (error) {
      return refuseMalformed(request, reply, error, done)
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
      refuseUnverified(request, reply, error, token)
      return false
    }
    return admit(request, reply, requirement, verified)
  }

  /** Checks the route's scopes and sets `request.auth`; false when it answered 403 instead. */
  function admit(
    request: FastifyRequest,
    reply: FastifyReply,
    requirement: ProtectedRequirement,
    verified: VerifiedToken,
  ): boolean {
    if (!satisfiesRule(requirement.rule, verified.scopes)) {
      const error = new InsufficientScopeError(describeShortfall(requirement.rule, verified.scopes))
      const answer = insufficientScopeAnswer(
        realm,
        error.message,
        requirement.scopeAttribute,
        requirement.rule,
      )
      refuse(request, reply, error.code, answer)
      return false
    }
    request.auth = toRequestAuth(verified)
    return true
  }

  function refuseMalformed(
    request: FastifyRequest,
    reply: FastifyReply,
    error: unknown,
    done: HookHandlerDoneFunction,
  ): void {
    if (isAuthError(error)) {
      refuse(request, reply, error.code, invalidRequestAnswer(realm, error.message))
    } else {
      done(error as Error)
    }
  }

  function refuseUnverified(
    request: FastifyRequest,
    reply: FastifyReply,
    error: unknown,
    token: string,
  ): void {
    const failure = classifyVerificationError(error, token)
    if (failure.kind === 'invalid_token') {
      refuse(request, reply, failure.code, invalidTokenAnswer(realm, failure.description))
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
    sendAnswer(reply, answer, formatBody)
  }

  // Bodies are parsed after onRequest, so a token also sent as a form field is caught here.
  // This hook stays global rather than per route: it must also cover the routes the plugin
  // did not see and the not-found handler, as the onRequest hook does.
  fastify.addHook('preValidation', (request, reply, done) => {
    if (
      request.auth !== null &&
      hasFormAccessToken(request.headers['content-type'], request.body)
    ) {
      request.auth = null
      const error = new InvalidRequestError(
        'the access token was sent in more than one place: Authorization header and access_token form field',
      )
      return refuse(request, reply, error.code, invalidRequestAnswer(realm, error.message))
    }
    done()
  })
}

async function createOwnVerifier(options: VerifierOptions): Promise<TokenVerifier> {
  // Imported on demand: an application that injects its verifier never loads fast-jwt or undici.
  const { createVerifier } = await import('../verify/index.js')
  return createVerifier(options)
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
 *   in the header and in an `access_token` form field: 400 `invalid_request`.
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
