import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { type AppDeps, buildApp } from '../../src/app.js'
import { devTenantFile } from '../../src/config.js'
import {
  createDashboardSessions,
  type DashboardSessions,
} from '../../src/dashboard/dashboard-sessions.js'
import { type KeyRing, openKeyRing } from '../../src/keys/key-ring.js'
import {
  createInProcessManagement,
  type InProcessManagement,
} from '../../src/management/in-process-management.js'
import { openTenantState, type TenantState } from '../../src/state/tenant-state.js'
import { loadTenantFile } from '../../src/tenant/load-tenant.js'

export const ISSUER = 'http://localhost:4000/'

export interface DashboardHarness {
  app: FastifyInstance
  sessions: DashboardSessions
  /** The tenant's signing keys and state, to check what a change did. */
  keys: KeyRing
  state: TenantState
  /** Cookie header and CSRF token of a signed-in session. */
  signIn(): Promise<{ cookie: string; csrf: string }>
}

/** The dev tenant with its dashboard on, in memory, for `inject`. */
export async function dashboardApp(
  options: {
    password?: string
    allowRemote?: boolean
    tenantFile?: string
    /** The app's clock (quota windows, rate limits); default the real one. */
    now?: () => number
    /** `TENANT_PLAN`: the plan's monthly allowance; none by default. */
    tenantPlan?: AppDeps['tenantPlan']
  } = {},
): Promise<DashboardHarness> {
  const loaded = await loadTenantFile(options.tenantFile ?? devTenantFile, {
    keywordMappings: {},
    issuer: ISSUER,
  })
  const { state } = await openTenantState(
    loaded.tenant,
    loaded.generatedSecrets,
    undefined,
    loaded.generatedClientIds,
  )
  const keys = await openKeyRing(undefined)
  const sessions = createDashboardSessions({ password: options.password })
  const app = await buildApp({
    issuer: ISSUER,
    state,
    keys,
    dashboard: { sessions, allowRemote: options.allowRemote ?? false },
    ...(options.now ? { now: options.now } : {}),
    ...(options.tenantPlan ? { tenantPlan: options.tenantPlan } : {}),
  })
  return {
    app,
    sessions,
    keys,
    state,
    async signIn() {
      const token = sessions.createLoginLink()
      const response = await app.inject({ url: `/dashboard/login?token=${token}` })
      const setCookie = String(response.headers['set-cookie'])
      const cookie = setCookie.split(';')[0] as string
      const session = sessions.find(cookie.split('=')[1])
      if (!session) throw new Error('sign-in failed')
      return { cookie, csrf: session.csrf }
    },
  }
}

export interface ListeningDashboard extends DashboardHarness {
  /** `http://127.0.0.1:<port>`: where a browser reaches this tenant. */
  base: string
  /** A fresh one-time sign-in URL. */
  loginUrl(): string
  close(): Promise<void>
}

/**
 * The same tenant listening on 127.0.0.1 on a free port, for a real browser.
 * `beforeListen` adds test-only routes while the app can still take them.
 */
export async function listeningDashboardApp(
  options: Parameters<typeof dashboardApp>[0] & {
    beforeListen?: (app: FastifyInstance) => void | Promise<void>
  } = {},
): Promise<ListeningDashboard> {
  const harness = await dashboardApp(options)
  await options.beforeListen?.(harness.app)
  await harness.app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = harness.app.server.address() as AddressInfo
  const base = `http://127.0.0.1:${port}`
  return {
    ...harness,
    base,
    loginUrl: () => `${base}/dashboard/login?token=${harness.sessions.createLoginLink()}`,
    close: () => harness.app.close(),
  }
}

export interface DashboardTenantHarness extends DashboardHarness {
  /** The Management API in process, to set a tenant up quickly (no rate limit on this tenant). */
  management: InProcessManagement
}

/** Like `dashboardApp()`, plus a Management API caller for the test's own set-up. */
export async function dashboardTenant(
  options: { tenantFile?: string } = {},
): Promise<DashboardTenantHarness> {
  const loaded = await loadTenantFile(options.tenantFile ?? devTenantFile, {
    keywordMappings: {},
    issuer: ISSUER,
  })
  const { state } = await openTenantState(
    loaded.tenant,
    loaded.generatedSecrets,
    undefined,
    loaded.generatedClientIds,
  )
  const keys = await openKeyRing(undefined)
  const sessions = createDashboardSessions({})
  const app = await buildApp({
    issuer: ISSUER,
    state,
    keys,
    managementRateLimit: { perSecond: 1_000_000, burst: 1_000_000 },
    dashboard: { sessions, allowRemote: false },
  })
  const management = createInProcessManagement({
    app,
    state,
    keys,
    issuer: ISSUER,
    clientId: 'dashboard-tests',
  })
  return {
    app,
    sessions,
    keys,
    state,
    management,
    async signIn() {
      const token = sessions.createLoginLink()
      const response = await app.inject({ url: `/dashboard/login?token=${token}` })
      const cookie = String(response.headers['set-cookie']).split(';')[0] as string
      const session = sessions.find(cookie.split('=')[1])
      if (!session) throw new Error('sign-in failed')
      return { cookie, csrf: session.csrf }
    },
  }
}
