import { type AppDeps, buildApp } from '../../src/app.js'
import { openKeyRing } from '../../src/keys/key-ring.js'
import { openTenantState } from '../../src/state/tenant-state.js'
import type { Tenant } from '../../src/tenant/model.js'
import { tokenRequest } from './test-server.js'
import { buildTestTenant, ISSUER, MANAGEMENT_AUDIENCE, secrets } from './test-tenant.js'

/** A clock the test moves: `at` epoch ms. */
export interface TestClock {
  at: number
  now: () => number
}

export function testClock(start: number): TestClock {
  const clock: TestClock = { at: start, now: () => clock.at }
  return clock
}

export interface QuotaServerOptions {
  /** The tenant as built by the test tenant, changed before it opens (a tenant file, as it were). */
  editTenant?: (tenant: Tenant) => void
  /** Instead of the test tenant: a tenant loaded by the caller (e.g. from a tenant.yaml). */
  tenant?: Tenant
  dataDir?: string
  clock?: TestClock
  /** The test tenant's Actions (one denies `banned`): off unless asked for. */
  withActions?: boolean
  tenantPlan?: AppDeps['tenantPlan']
  meterProvider?: AppDeps['meterProvider']
}

/**
 * The real auth server on the test tenant, for the quota suites: the client
 * rate limits out of the way, so only quotas refuse. The test tenant's
 * `quota` client has its own quota (per_hour 3): most tests set their own.
 */
export async function buildQuotaServer(options: QuotaServerOptions = {}) {
  const tenant =
    options.tenant ?? (await buildTestTenant({ withActions: options.withActions ?? false }))
  options.editTenant?.(tenant)
  const { state } = await openTenantState(tenant, [], options.dataDir, [])
  const keys = await openKeyRing(options.dataDir)
  const app = await buildApp({
    issuer: ISSUER,
    state,
    keys,
    rateLimit: { perSecond: 100_000, burst: 100_000 },
    ipRateLimit: { perSecond: 100_000, burst: 100_000 },
    managementRateLimit: { perSecond: 100_000, burst: 100_000 },
    actionTimeoutMs: 500,
    ...(options.clock ? { now: options.clock.now } : {}),
    ...(options.tenantPlan ? { tenantPlan: options.tenantPlan } : {}),
    ...(options.meterProvider ? { meterProvider: options.meterProvider } : {}),
  })
  return { app, state }
}

export type QuotaApp = Awaited<ReturnType<typeof buildQuotaServer>>['app']

/** A token request of the test tenant's client `clientId` (JSON, client_secret_post). */
export function requestToken(
  app: QuotaApp,
  clientId: string,
  params: Record<string, unknown> = {},
) {
  return tokenRequest(app, clientId, params)
}

const adminTokens = new WeakMap<QuotaApp, string>()

/** A Management API call as the test tenant's admin (every scope; one token per app, cached). */
export async function management(
  app: QuotaApp,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: unknown,
) {
  let token = adminTokens.get(app)
  if (!token) {
    const answer = await tokenRequest(app, 'admin', { audience: MANAGEMENT_AUDIENCE })
    token = answer.json().access_token as string
    adminTokens.set(app, token)
  }
  return app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(payload === undefined ? {} : { payload: payload as object }),
  })
}

/** The tenant's log events of `type`, newest first. */
export async function logsOfType(app: QuotaApp, type: string) {
  const answer = await management(
    app,
    'GET',
    `/api/v2/logs?q=${encodeURIComponent(`type:${type}`)}&per_page=100`,
  )
  return answer.json() as Array<Record<string, unknown> & { details?: Record<string, unknown> }>
}

export { secrets }
