import type { FastifyInstance } from 'fastify'
import type { KeyRing } from '../keys/key-ring.js'
import type { LogStore } from '../logs/log-store.js'
import type { InProcessManagement } from '../management/in-process-management.js'
import type { TokenQuota } from '../oauth/token-quota.js'
import type { TenantState } from '../state/tenant-state.js'
import type { DashboardSessions } from './dashboard-sessions.js'
import type { SendPage } from './render-page.js'

/** What every section of the dashboard reads and calls. */
export interface DashboardDeps {
  /** The whole tenant app, for in-process calls to its own endpoints (`inject`). */
  app: FastifyInstance
  issuer: string
  /** Read-only here: every change goes through `management`, with Auth0's validation. */
  state: TenantState
  keys: KeyRing
  logs: LogStore
  quota: TokenQuota
  management: InProcessManagement
  sessions: DashboardSessions
  sendPage: SendPage
}
