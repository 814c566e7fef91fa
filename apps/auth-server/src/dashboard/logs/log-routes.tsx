import type { FastifyInstance } from 'fastify'
import type { DashboardDeps } from '../dashboard-deps.js'

/** The live log of exchanges. */
export function logRoutes(_scope: FastifyInstance, _deps: DashboardDeps) {}
