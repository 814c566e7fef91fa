import type { FastifyInstance } from 'fastify'
import type { DashboardDeps } from '../dashboard-deps.js'

/** APIs and their scopes. */
export function apiRoutes(_scope: FastifyInstance, _deps: DashboardDeps) {}
