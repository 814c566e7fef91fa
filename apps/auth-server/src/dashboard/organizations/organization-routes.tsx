import type { FastifyInstance } from 'fastify'
import type { DashboardDeps } from '../dashboard-deps.js'

/** Organizations. */
export function organizationRoutes(_scope: FastifyInstance, _deps: DashboardDeps) {}
