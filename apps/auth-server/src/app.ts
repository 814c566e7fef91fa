import { randomBytes } from 'node:crypto'
import formbody from '@fastify/formbody'
import { batchPerTurn } from '@m2m/auth'
import { createMemoryReplayCache, createServerNonces } from '@m2m/auth/dpop'
import { healthRoutes, registerOpenApi, serviceServerOptions } from '@m2m/service-kit'
import {
  createServiceTelemetry,
  registerTelemetry,
  type ServiceTelemetry,
} from '@m2m/service-kit/telemetry'
import type { MeterProvider } from '@opentelemetry/api'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { createActionRunner } from './actions/action-runner.js'
import { createTestControls } from './controls/test-controls.js'
import { dashboardRoutes } from './dashboard/dashboard.js'
import type { DashboardSessions } from './dashboard/dashboard-sessions.js'
import { DASHBOARD_PREFIX } from './dashboard/layout.js'
import { createTokenEndpointDpop } from './dpop/token-endpoint-dpop.js'
import type { KeyRing } from './keys/key-ring.js'
import { createLogStore, type LogStore } from './logs/log-store.js'
import { createInProcessManagement } from './management/in-process-management.js'
import {
  MANAGEMENT_API_FREE_RATE_LIMIT,
  registerManagementApi,
} from './management/management-api.js'
import { MANAGEMENT_API_SCOPES } from './management/management-api-scopes.js'
import { createAccessTokenSigner } from './oauth/access-token.js'
import { createClientAssertionVerifier } from './oauth/client-assertion.js'
import { createRateLimiter } from './oauth/rate-limiter.js'
import { MONTHLY_M2M_TOKENS, type TenantPlan } from './oauth/tenant-plans.js'
import { createTokenExchange } from './oauth/token-exchange.js'
import { createTokenMetrics } from './oauth/token-metrics.js'
import { createTokenQuota } from './oauth/token-quota.js'
import { oauthTokenRoutes } from './routes/oauth-token.js'
import { wellKnownRoutes } from './routes/well-known.js'
import { createSecretChecker } from './secrets.js'
import type { TenantState } from './state/tenant-state.js'

export interface AppDeps {
  issuer: string
  state: TenantState
  keys: KeyRing
  logs?: LogStore
  testControls?: boolean
  rateLimit?: { perSecond: number; burst: number }
  /** Per-IP limit on `/oauth/token`, whatever the client. */
  ipRateLimit?: { perSecond: number; burst: number }
  /** The Management API's limit for the whole tenant. Default Auth0 Free's: 2 per second, bursts of 10. */
  managementRateLimit?: { perSecond: number; burst: number }
  actionTimeoutMs?: number
  /** DPoP at the token endpoint: `requireNonce` makes proofs carry a server nonce (RFC 9449 §8). */
  dpop?: { requireNonce?: boolean; nonceWindowSeconds?: number; maxTrackedProofs?: number }
  /** Simulates the plan's monthly M2M token allowance (`free`: 1,000); none by default. */
  tenantPlan?: TenantPlan
  /** Where the tenant's metrics go; default the app's telemetry's (served at `/metrics`). */
  meterProvider?: MeterProvider
  /** The app's metrics (`GET /metrics`) and spans. Default: its own, shut down with the app. */
  telemetry?: ServiceTelemetry
  /** `/dashboard`, for a person at a browser; off without this. */
  dashboard?: { sessions: DashboardSessions; allowRemote: boolean }
  now?: () => number
  logger?: FastifyServerOptions['loggerInstance']
}

/** The `sub` of the dashboard's Management API calls. */
const DASHBOARD_CLIENT_ID = 'local-tenant-dashboard'

/** Builds the auth server; never listens (tests use `inject`). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...serviceServerOptions(deps.logger),
    trustProxy: false,
  })
  const telemetry = deps.telemetry ?? createServiceTelemetry({ serviceName: 'auth-server' })
  if (!deps.telemetry) app.addHook('onClose', () => telemetry.shutdown())
  await registerTelemetry(app, telemetry)
  const logs = deps.logs ?? createLogStore()
  const controls = deps.testControls ? createTestControls() : undefined
  const now = deps.now ?? Date.now

  await app.register(formbody, { bodyLimit: 16 * 1024 })
  app.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500
    if (status === 500) request.log.error({ err: error }, 'unexpected error')
    return reply.code(status).send({
      error: status === 500 ? 'server_error' : 'invalid_request',
      error_description: status === 500 ? 'Internal error' : error.message,
    })
  })
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: 'not_found', error_description: `No route ${request.method} ${request.url}` }),
  )

  await registerOpenApi(app, {
    title: 'Local Auth0-compatible tenant',
    description:
      'The token endpoint, keys and discovery of an Auth0 tenant, and the subset of its Management API v2 that this tenant serves (scopes as in Auth0).',
    tokenUrl: `${deps.issuer}oauth/token`,
    scopes: Object.fromEntries(
      MANAGEMENT_API_SCOPES.map((scope) => [scope, `Management API: ${scope.replace(':', ' ')}`]),
    ),
  })

  const runActions = createActionRunner(deps.state.actions, deps.actionTimeoutMs)
  app.addHook('onClose', async () => runActions.close())
  const quota = createTokenQuota({
    now,
    ...(deps.tenantPlan ? { monthlyAllowance: MONTHLY_M2M_TOKENS[deps.tenantPlan] } : {}),
  })
  const tokenMetrics = createTokenMetrics({
    quota,
    meterProvider: deps.meterProvider ?? telemetry.meterProvider,
  })
  app.addHook('onClose', async () => tokenMetrics.close())
  const exchange = createTokenExchange({
    state: deps.state,
    sign: batchPerTurn(createAccessTokenSigner(deps.keys, deps.issuer)),
    checkSecret: createSecretChecker(),
    authenticateAssertion: createClientAssertionVerifier({
      issuer: deps.issuer,
      findClient: (clientId) => deps.state.client(clientId),
      now,
    }),
    rateLimit: createRateLimiter({ ...(deps.rateLimit ?? { perSecond: 30, burst: 30 }), now }),
    quota,
    metrics: tokenMetrics,
    logs,
    runActions,
    dpop: createTokenEndpointDpop({
      issuer: deps.issuer,
      replay: createMemoryReplayCache({
        now,
        ...(deps.dpop?.maxTrackedProofs ? { maxEntries: deps.dpop.maxTrackedProofs } : {}),
      }),
      nonces: deps.dpop?.requireNonce
        ? // A key per process: a restart, or another replica, issues other nonces.
          createServerNonces({
            secret: randomBytes(32),
            windowMs: (deps.dpop.nonceWindowSeconds ?? 60) * 1000,
            now,
          })
        : undefined,
      now,
    }),
    tenantId: new URL(deps.issuer).host,
    ...(controls ? { onExchange: controls.countExchange } : {}),
  })

  await app.register(async (scope) => {
    if (controls) scope.addHook('onRequest', controls.faultHook('token'))
    await scope.register(oauthTokenRoutes, {
      exchange,
      ipRateLimit: createRateLimiter({
        ...(deps.ipRateLimit ?? { perSecond: 100, burst: 100 }),
        now,
      }),
    })
  })
  await app.register(async (scope) => {
    if (controls) {
      scope.addHook('onRequest', async (request, reply) => {
        if (request.url.startsWith('/.well-known/jwks.json')) {
          return controls.faultHook('jwks')(request, reply)
        }
      })
    }
    await scope.register(wellKnownRoutes, { issuer: deps.issuer, keys: deps.keys })
  })
  const inProcessExemption = randomBytes(32).toString('base64url')
  await app.register(registerManagementApi, {
    rateLimitExemption: inProcessExemption,
    issuer: deps.issuer,
    state: deps.state,
    keys: deps.keys,
    logs,
    rateLimit: createRateLimiter({
      ...(deps.managementRateLimit ?? MANAGEMENT_API_FREE_RATE_LIMIT),
      ...(deps.now ? { now: deps.now } : {}),
    }),
    telemetry: telemetry.providers,
  })
  // Ready as soon as it listens: keys and tenant state are loaded before `listen`.
  await app.register(healthRoutes, {})
  if (controls) await app.register(controls.routes)
  if (deps.dashboard) {
    await app.register(dashboardRoutes, {
      app,
      issuer: deps.issuer,
      state: deps.state,
      keys: deps.keys,
      logs,
      quota,
      management: createInProcessManagement({
        app,
        state: deps.state,
        keys: deps.keys,
        issuer: deps.issuer,
        clientId: DASHBOARD_CLIENT_ID,
        rateLimitExemption: inProcessExemption,
      }),
      sessions: deps.dashboard.sessions,
      allowRemote: deps.dashboard.allowRemote,
      prefix: DASHBOARD_PREFIX,
    })
  }
  return app
}
