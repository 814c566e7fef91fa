import type { FastifyInstance } from 'fastify'

/**
 * `GET /healthz` and `GET /readyz` for supervisors and container health checks.
 * The tenant is ready as soon as it listens: keys and tenant state are loaded
 * before `listen`.
 */
export async function healthRoutes(app: FastifyInstance) {
  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/readyz', async () => ({ status: 'ready' }))
}
