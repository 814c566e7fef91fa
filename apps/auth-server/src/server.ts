import { join } from 'node:path'
import { createServiceTelemetry } from '@m2m/service-kit/telemetry'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import { buildApp } from './app.js'
import type { AuthServerConfig } from './config.js'
import { createDashboardSessions } from './dashboard/dashboard-sessions.js'
import { type KeyRing, openKeyRing } from './keys/key-ring.js'
import { CLIENT_SECRETS_ENV } from './state/client-secrets-env.js'
import { type GeneratedSecret, openTenantState, type TenantState } from './state/tenant-state.js'
import { loadTenantFile } from './tenant/load-tenant.js'

export interface AuthServer {
  app: FastifyInstance
  /** Secrets generated on this start for clients the tenant file gives none: show them once. */
  newSecrets: GeneratedSecret[]
  /** Sections of the tenant file that the local tenant does not read. */
  ignoredSections: string[]
  /** Where the clients' ids and secrets are listed as env lines; undefined without `dataDir`. */
  clientSecretsFile: string | undefined
  /** The tenant as it runs (clients with their secrets, APIs, grants): for start-up summaries and test helpers. */
  state: TenantState
  /** Its signing keys. */
  keys: KeyRing
  /** `/dashboard/login?token=…`, usable once: when the dashboard is on and no password is set. */
  dashboardLoginPath: string | undefined
}

/** Loads the tenant file, the persisted state and the signing keys, and builds the app. */
export async function createAuthServer(
  config: Pick<
    AuthServerConfig,
    'issuer' | 'tenantFile' | 'dataDir' | 'keywordMappings' | 'testControls' | 'rateLimit'
  > &
    Partial<
      Pick<
        AuthServerConfig,
        | 'ipRateLimit'
        | 'managementRateLimit'
        | 'dpopRequireNonce'
        | 'tenantPlan'
        | 'telemetry'
        | 'dashboard'
      >
    >,
  logger?: FastifyServerOptions['loggerInstance'],
): Promise<AuthServer> {
  const loaded = await loadTenantFile(config.tenantFile, {
    keywordMappings: config.keywordMappings,
    issuer: config.issuer,
  })
  const { state, newSecrets } = await openTenantState(
    loaded.tenant,
    loaded.generatedSecrets,
    config.dataDir,
    loaded.generatedClientIds,
  )
  const keys = await openKeyRing(config.dataDir, { commonName: new URL(config.issuer).hostname })
  // With its configuration (main.ts): OTLP when configured. Without: the app makes its own.
  const telemetry = config.telemetry ? createServiceTelemetry(config.telemetry) : undefined
  const dashboard = config.dashboard?.enabled
    ? {
        sessions: createDashboardSessions({ password: config.dashboard.password }),
        allowRemote: config.dashboard.allowRemote,
      }
    : undefined
  const app = await buildApp({
    issuer: config.issuer,
    state,
    keys,
    testControls: config.testControls,
    rateLimit: config.rateLimit,
    ...(config.ipRateLimit ? { ipRateLimit: config.ipRateLimit } : {}),
    ...(config.managementRateLimit ? { managementRateLimit: config.managementRateLimit } : {}),
    ...(config.dpopRequireNonce ? { dpop: { requireNonce: true } } : {}),
    ...(config.tenantPlan ? { tenantPlan: config.tenantPlan } : {}),
    ...(telemetry ? { telemetry } : {}),
    ...(dashboard ? { dashboard } : {}),
    ...(logger ? { logger } : {}),
  })
  if (telemetry) app.addHook('onClose', () => telemetry.shutdown())
  return {
    app,
    newSecrets,
    ignoredSections: loaded.ignoredSections,
    clientSecretsFile: config.dataDir && join(config.dataDir, CLIENT_SECRETS_ENV),
    state,
    keys,
    dashboardLoginPath:
      dashboard && !dashboard.sessions.passwordEnabled
        ? `/dashboard/login?token=${dashboard.sessions.createLoginLink()}`
        : undefined,
  }
}
