import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { devTenantFile } from '../../src/config.js'
import {
  createDashboardSessions,
  type DashboardSessions,
} from '../../src/dashboard/dashboard-sessions.js'
import { openKeyRing } from '../../src/keys/key-ring.js'
import { openTenantState } from '../../src/state/tenant-state.js'
import { loadTenantFile } from '../../src/tenant/load-tenant.js'

export const ISSUER = 'http://localhost:4000/'

export interface DashboardHarness {
  app: FastifyInstance
  sessions: DashboardSessions
  /** Cookie header and CSRF token of a signed-in session. */
  signIn(): Promise<{ cookie: string; csrf: string }>
}

/** The dev tenant with its dashboard on, in memory, for `inject`. */
export async function dashboardApp(
  options: { password?: string; allowRemote?: boolean; tenantFile?: string } = {},
): Promise<DashboardHarness> {
  const loaded = await loadTenantFile(options.tenantFile ?? devTenantFile, {
    keywordMappings: {},
    issuer: ISSUER,
  })
  const { state } = await openTenantState(loaded.tenant, loaded.generatedSecrets, undefined)
  const keys = await openKeyRing(undefined)
  const sessions = createDashboardSessions({ password: options.password })
  const app = await buildApp({
    issuer: ISSUER,
    state,
    keys,
    dashboard: { sessions, allowRemote: options.allowRemote ?? false },
  })
  return {
    app,
    sessions,
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
