import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'

/** `GET /metrics`: the service's Prometheus metrics, as text. */
export async function metricsRoute(app: FastifyInstance, opts: { registry: Registry }) {
  app.get(
    '/metrics',
    { config: { auth: false }, schema: { hide: true } },
    async (_request, reply) => {
      reply.header('content-type', opts.registry.contentType)
      return opts.registry.metrics()
    },
  )
}
