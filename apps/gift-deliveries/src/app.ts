import {
  answerErrors,
  healthRoutes,
  type ProtectedApiOptions,
  registerOpenApi,
  registerProtectedApi,
  serviceServerOptions,
} from '@m2m/service-kit'
import {
  createServiceTelemetry,
  registerTelemetry,
  type ServiceTelemetry,
} from '@m2m/service-kit/telemetry'
import { Ajv } from 'ajv'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Planner } from './deliveries/plan-delivery.js'
import { StoreUnavailableError } from './errors.js'
import type { TokenAvailability } from './planning/token-availability.js'
import { deliveryRoutes } from './routes/deliveries.js'
import type { DeliveryStore } from './store/delivery-store.js'
import { isStoreUnavailable } from './store/unavailable.js'

export interface AppOptions extends ProtectedApiOptions {
  store: DeliveryStore
  planner: Planner
  /**
   * The app's metrics (`GET /metrics`) and spans; its protected API records
   * there too. Default: its own, shut down with the app.
   */
  telemetry?: ServiceTelemetry
  /** Whether world-mappers tokens can be had, reported by `/readyz` (omitted: not reported). */
  tokenAvailability?: () => TokenAvailability
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

/** Builds the Gift Deliveries API; never listens (tests use `inject`). */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...serviceServerOptions(options.logger),
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

  const telemetry = options.telemetry ?? createServiceTelemetry({ serviceName: 'gift-deliveries' })
  if (!options.telemetry) app.addHook('onClose', () => telemetry.shutdown())
  await registerTelemetry(app, telemetry)

  answerErrors(app, {
    classify: (error) => (isStoreUnavailable(error) ? new StoreUnavailableError() : undefined),
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
  await app.register(healthRoutes, {
    // Without world-mappers tokens deliveries are still accepted (pending): a detail, not a 503.
    readiness: async (request) => {
      try {
        await options.store.ping()
      } catch (error) {
        request.log.warn({ err: { message: (error as Error).message } }, 'store unreachable')
        return { ready: false, body: { status: 'store unreachable' } }
      }
      const tokens = options.tokenAvailability?.()
      return { ready: true, body: tokens ? { status: 'ready', tokens } : { status: 'ready' } }
    },
  })
  await registerProtectedApi(app, { ...options, telemetry: telemetry.providers }, async (api) => {
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
