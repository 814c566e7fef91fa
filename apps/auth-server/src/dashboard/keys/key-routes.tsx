import type { FastifyInstance } from 'fastify'
import type { DashboardDeps } from '../dashboard-deps.js'

/** Signing keys. */
export function keyRoutes(_scope: FastifyInstance, _deps: DashboardDeps) {}
