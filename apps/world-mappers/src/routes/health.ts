import type { FastifyInstance } from 'fastify'

/** `GET /healthz` (the process answers) and `GET /readyz` (the place index is loaded). */
export async function healthRoutes(app: FastifyInstance, opts: { ready: () => boolean }) {
  app.get('/healthz', { config: { auth: false }, schema: { hide: true } }, async () => ({
    status: 'ok',
  }))
  app.get(
    '/readyz',
    { config: { auth: false }, schema: { hide: true } },
    async (_request, reply) => {
      if (opts.ready()) return { status: 'ready' }
      return reply.code(503).header('retry-after', '1').send({ status: 'loading' })
    },
  )
}
