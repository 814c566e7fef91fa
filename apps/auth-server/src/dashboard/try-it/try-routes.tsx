import type { FastifyInstance } from 'fastify'
import type { DashboardDeps } from '../dashboard-deps.js'

/** "Try it". */
export function tryRoutes(_scope: FastifyInstance, _deps: DashboardDeps) {}
