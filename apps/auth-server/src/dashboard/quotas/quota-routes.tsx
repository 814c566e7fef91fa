import type { FastifyInstance } from 'fastify'
import type { DashboardDeps } from '../dashboard-deps.js'

/** Token quotas. */
export function quotaRoutes(_scope: FastifyInstance, _deps: DashboardDeps) {}
