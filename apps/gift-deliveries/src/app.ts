import { m2mAuth } from '@m2m/auth/fastify'
import type { TokenVerifier } from '@m2m/auth/verify'
import { registerOpenApi } from '@m2m/service-kit'
import { Ajv } from 'ajv'
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyServerOptions,
} from 'fastify'
import type { Planner } from './deliveries/plan-delivery.js'
import type { ServiceMetrics } from './metrics.js'
import type { TokenAvailability } from './planning/token-availability.js'
import { deliveryRoutes } from './routes/deliveries.js'
import { operationsRoutes } from './routes/health.js'
import type { DeliveryStore } from './store/delivery-store.js'
import { isStoreUnavailable } from './store/unavailable.js'

export interface AppOptions {
  issuer: string
  audience: string
  /** The issuer's JWKS when not at `<issuer>.well-known/jwks.json`. */
  jwksUri?: string
  store: DeliveryStore
  planner: Planner
  metrics: ServiceMetrics
  /** Whether world-mappers tokens can be had, reported by `/readyz` (omitted: not reported). */
  tokenAvailability?: () => TokenAvailability
  /** For tests: verify with this instead of the issuer's JWKS. */
  verifier?: TokenVerifier
  /** How long `POST /deliveries` waits for its plan before answering 202. Default 3,000. */
  planTimeoutMs?: number
  /** How long a fresh pending delivery is left to its request before the worker may take it. Default 30,000. */
  inlineLeaseMs?: number
  /** Plans run inline by `POST /deliveries` at once; further deliveries are answered 202 for the worker. Default 128. */
  maxInlinePlans?: number
  /** Delay before the `attempts`-th planning retry, as the pending worker's. Default `createBackoff()`. */
  backoff?: (attempts: number) => number
  logger?: FastifyServerOptions['loggerInstance']
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Store errors that are the caller's doing, by code. */
const CALLER_ERRORS: Record<string, number> = {
  DELIVERY_ERR_IDEMPOTENCY_CONFLICT: 422,
  DELIVERY_ERR_INVALID_CURSOR: 400,
  DELIVERY_ERR_INVALID_QUERY: 400,
  DELIVERY_ERR_NOT_FOUND: 404,
}

/** Builds the Gift Deliveries API; never listens (tests use `inject`). */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    return503OnClosing: true,
    // Unknown fields are refused (400 naming them), not silently dropped.
    ajv: { customOptions: { removeAdditional: false } },
  })

  // Bodies are JSON: no type coercion there (`true` is not the place "true", `["x"]`
  // is not the name "x"). Query strings and headers are text and need it.
  const strict = new Ajv({
    coerceTypes: false,
    removeAdditional: false,
    useDefaults: true,
    allErrors: false,
  })
  const lenient = new Ajv({
    coerceTypes: 'array',
    removeAdditional: false,
    useDefaults: true,
    allErrors: false,
  })
  for (const ajv of [strict, lenient]) ajv.addFormat('uuid', UUID)
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body' ? strict.compile(schema) : lenient.compile(schema),
  )

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.code ? CALLER_ERRORS[error.code] : undefined
    if (status) return reply.code(status).send({ error: error.code, message: error.message })
    if (error.validation) {
      return reply.code(400).send({ error: 'invalid_request', message: error.message })
    }
    if (isStoreUnavailable(error)) {
      request.log.warn({ err: { code: error.code, message: error.message } }, 'store unavailable')
      return reply.code(503).header('retry-after', '1').send({
        error: 'DELIVERY_ERR_STORE_UNAVAILABLE',
        message: 'The delivery store is unavailable; retry later (with the same Idempotency-Key)',
      })
    }
    const code = error.statusCode ?? 500
    if (code >= 500) request.log.error({ err: error }, 'unexpected error')
    return reply.code(code).send({
      error: code >= 500 ? 'internal_error' : 'invalid_request',
      message: code >= 500 ? 'Internal error' : error.message,
    })
  })

  await registerOpenApi(app, {
    title: 'Gift Deliveries API',
    description:
      'Plans gift deliveries with World Mappers (called with cached machine-to-machine tokens) and keeps them. Guarded by OAuth 2.0 client-credentials scopes.',
    tokenUrl: `${options.issuer}oauth/token`,
    scopes: {
      'create:deliveries': 'Create gift deliveries',
      'read:deliveries': 'Read gift deliveries',
    },
  })
  await app.register(operationsRoutes, {
    ping: () => options.store.ping(),
    registry: options.metrics.registry,
    ...(options.tokenAvailability ? { tokens: options.tokenAvailability } : {}),
  })
  await app.register(async (api) => {
    await api.register(m2mAuth, {
      ...(options.verifier
        ? { verifier: options.verifier }
        : {
            issuer: options.issuer,
            audience: options.audience,
            ...(options.jwksUri ? { jwksUri: options.jwksUri } : {}),
          }),
      realm: options.audience,
    })
    await api.register(deliveryRoutes, {
      store: options.store,
      planner: options.planner,
      planTimeoutMs: options.planTimeoutMs ?? 3_000,
      inlineLeaseMs: options.inlineLeaseMs ?? 30_000,
      maxInlinePlans: options.maxInlinePlans ?? 128,
      ...(options.backoff ? { backoff: options.backoff } : {}),
    })
  })
  return app
}
