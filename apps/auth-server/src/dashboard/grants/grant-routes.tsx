import type { FastifyInstance } from 'fastify'
import type { DashboardDeps } from '../dashboard-deps.js'

/** The client-grant matrix. */
export function grantRoutes(_scope: FastifyInstance, _deps: DashboardDeps) {}
