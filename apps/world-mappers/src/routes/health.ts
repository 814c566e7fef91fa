import type { FastifyInstance } from 'fastify'

/** `GET /healthz` (the process answers) and `GET /readyz` (the place index is loaded). */
export async function healthRoutes(app: FastifyInstance, opts: { ready: () => boolean }) {
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
    async (_request, reply) => {
      if (opts.ready()) return { status: 'ready' }
      return reply.code(503).header('retry-after', '1').send({ status: 'loading' })
    },
  )
}
