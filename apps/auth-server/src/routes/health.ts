import type { FastifyInstance } from 'fastify'

/**
 * `GET /healthz` and `GET /readyz` for supervisors and container health checks.
 * The tenant is ready as soon as it listens: keys and tenant state are loaded
 * before `listen`.
 */
export async function healthRoutes(app: FastifyInstance) {
  // Probed every few seconds by supervisors: not worth a log line each.
  app.get('/healthz', { logLevel: 'warn', schema: { hide: true } }, async () => ({ status: 'ok' }))
  app.get('/readyz', { logLevel: 'warn', schema: { hide: true } }, async () => ({
    status: 'ready',
  }))
}
