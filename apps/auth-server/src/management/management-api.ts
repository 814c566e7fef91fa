import { m2mAuth } from '@m2m/auth/fastify'
import type { TelemetryOptions } from '@m2m/auth/telemetry'
import { createVerifier } from '@m2m/auth/verify'
import { nameFieldsInSchemaErrors, useStrictJsonBodies } from '@m2m/service-kit'
import { Ajv } from 'ajv'
import type { FastifyError, FastifyInstance } from 'fastify'
import { ManagementError } from '../errors.js'
import type { KeyRing } from '../keys/key-ring.js'
import type { LogStore } from '../logs/log-store.js'
import type { RateLimiter } from '../oauth/rate-limiter.js'
import type { TenantState } from '../state/tenant-state.js'
import { auth0ManagementRefusal } from './auth0-refusal.js'
import { clientCredentialRoutes } from './client-credentials.js'
import { clientGrantRoutes } from './client-grants.js'
import { clientRoutes } from './clients.js'
import { IN_PROCESS_HEADER } from './in-process-management.js'
import { logRoutes } from './logs.js'
import { organizationRoutes } from './organizations.js'
import { resourceServerRoutes } from './resource-servers.js'
import { signingKeyRoutes } from './signing-keys.js'
import { tenantSettingsRoutes } from './tenant-settings.js'
import { userRoutes } from './users.js'

export interface ManagementApiOptions {
  issuer: string
  state: TenantState
  keys: KeyRing
  logs: LogStore
  /** One bucket for the whole tenant, as Auth0 limits its Management API per tenant. */
  rateLimit: RateLimiter
  /** A per-process secret sent by the dashboard's in-process calls (`IN_PROCESS_HEADER`): they skip `rateLimit`. */
  rateLimitExemption?: string
  /** Where the Management API's verifications and refusals are counted (the app's `/metrics`). */
  telemetry?: TelemetryOptions
}

/** Auth0's Management API limit on the Free plan: 2 requests per second, bursts of 10. */
export const MANAGEMENT_API_FREE_RATE_LIMIT = Object.freeze({ perSecond: 2, burst: 10 })

/**
 * The Management API v2 subset under `/api/v2/`, protected like Auth0's: a
 * token for the audience `<issuer>api/v2/` with the route's scopes, verified
 * by `@m2m/auth` against this server's own key ring (in process, no HTTP).
 */
export async function registerManagementApi(app: FastifyInstance, opts: ManagementApiOptions) {
  const verifier = createVerifier({
    issuer: opts.issuer,
    audience: `${opts.issuer}api/v2/`,
    jwks: () => opts.keys.jwks(),
    jwksCooldownMs: 0,
    ...(opts.telemetry ? { telemetry: opts.telemetry } : {}),
  })
  // Rotation and revocation take effect at once for the Management API itself.
  opts.keys.onChange(() => void verifier.keys.refresh().catch(() => {}))
  app.addHook('onClose', async () => verifier.close())

  await app.register(
    async (api) => {
      // Before authentication, so that a flood is cut off before any token is verified.
      api.addHook('onRequest', (request, reply, done) => {
        if (
          opts.rateLimitExemption !== undefined &&
          request.headers[IN_PROCESS_HEADER] === opts.rateLimitExemption
        ) {
          return done()
        }
        const rate = opts.rateLimit('tenant')
        reply.headers({
          'x-ratelimit-limit': String(rate.limit),
          'x-ratelimit-remaining': String(rate.remaining),
          'x-ratelimit-reset': String(rate.reset),
        })
        if (rate.allowed) return done()
        const refusal = new ManagementError(
          429,
          'too_many_requests',
          'Global limit has been reached',
        )
        reply.code(429).header('retry-after', String(rate.retryAfter)).send(refusal.toBody())
      })
      await api.register(m2mAuth, {
        verifier,
        realm: 'Auth0 Management API',
        formatBody: auth0ManagementRefusal,
        ...(opts.telemetry ? { telemetry: opts.telemetry } : {}),
      })
      // Unknown fields are refused (400), not silently dropped, as Auth0 does.
      const ajv = new Ajv({
        removeAdditional: false,
        useDefaults: true,
        coerceTypes: 'array',
        allErrors: false,
      })
      api.setValidatorCompiler(({ schema }) => ajv.compile(schema))
      nameFieldsInSchemaErrors(api)
      // Routes without a body take an empty one sent as application/json, as Auth0's do.
      useStrictJsonBodies(api, { allowEmpty: true })
      // Behind the plugin: an unknown /api/v2 path without a token is a 401, not a 404.
      api.setNotFoundHandler((request, reply) =>
        reply
          .code(404)
          .send(
            new ManagementError(
              404,
              'not_found',
              `No route ${request.method} ${request.url.split('?')[0]}`,
            ).toBody(),
          ),
      )
      api.setErrorHandler((error: FastifyError | ManagementError, request, reply) => {
        if (error instanceof ManagementError)
          return reply.code(error.statusCode).send(error.toBody())
        const fastifyError = error as FastifyError
        if (fastifyError.validation) {
          // Auth0's two kinds: the query string, and everything else (body, path).
          const failure =
            fastifyError.validationContext === 'querystring'
              ? new ManagementError(
                  400,
                  'invalid_query_string',
                  `Query validation error: ${fastifyError.message}`,
                )
              : new ManagementError(
                  400,
                  'invalid_body',
                  `Payload validation error: ${fastifyError.message}`,
                )
          return reply.code(400).send(failure.toBody())
        }
        const status = fastifyError.statusCode ?? 500
        if (status >= 500) request.log.error({ err: error }, 'management API error')
        return reply
          .code(status)
          .send(
            new ManagementError(
              status,
              status >= 500 ? 'internal_error' : 'invalid_request',
              status >= 500 ? 'Internal error' : fastifyError.message,
            ).toBody(),
          )
      })
      await api.register(clientRoutes, { state: opts.state })
      await api.register(clientCredentialRoutes, { state: opts.state })
      await api.register(clientGrantRoutes, { state: opts.state })
      await api.register(resourceServerRoutes, { state: opts.state })
      await api.register(logRoutes, { logs: opts.logs })
      await api.register(userRoutes, { state: opts.state })
      await api.register(signingKeyRoutes, { keys: opts.keys })
      await api.register(tenantSettingsRoutes, { state: opts.state })
      await api.register(organizationRoutes, { state: opts.state })
    },
    { prefix: '/api/v2' },
  )
}
