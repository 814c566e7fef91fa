import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'
import type { TokenAvailability } from '../planning/token-availability.js'

/**
 * `GET /healthz`, `GET /readyz` (the store answers) and `GET /metrics` (Prometheus text).
 * `/readyz` also reports whether world-mappers tokens can be had, as a detail
 * of its 200: without tokens, deliveries are still accepted (pending).
 */
export async function operationsRoutes(
  app: FastifyInstance,
  opts: { ping: () => Promise<void>; registry: Registry; tokens?: () => TokenAvailability },
) {
  app.get(
    '/healthz',
    { config: { auth: false }, schema: { hide: true }, logLevel: 'warn' },
    async () => ({
      status: 'ok',
    }),
  )
  app.get(
    '/readyz',
    // Probed every few seconds by supervisors: only problems are worth a line.
    { config: { auth: false }, schema: { hide: true }, logLevel: 'warn' },
    async (request, reply) => {
      try {
        await opts.ping()
        return opts.tokens ? { status: 'ready', tokens: opts.tokens() } : { status: 'ready' }
      } catch (error) {
        request.log.warn({ err: { message: (error as Error).message } }, 'store unreachable')
        return reply.code(503).header('retry-after', '1').send({ status: 'store unreachable' })
      }
    },
  )
  app.get(
    '/metrics',
    { config: { auth: false }, schema: { hide: true } },
    async (_request, reply) => {
      reply.header('content-type', opts.registry.contentType)
      return opts.registry.metrics()
    },
  )
}
