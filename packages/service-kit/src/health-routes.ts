import type { FastifyInstance, FastifyRequest } from 'fastify'

/** What `/readyz` answers: 200 with `body` when ready, else 503 with `Retry-After: 1`. */
export interface Readiness {
  ready: boolean
  /** `status` ("ready", "loading", …) and any details worth a supervisor's eye. */
  body: { status: string } & Record<string, unknown>
}

export interface HealthRoutesOptions {
  /** Asked on every `/readyz`; omitted: ready as soon as the service listens. */
  readiness?: (request: FastifyRequest) => Readiness | Promise<Readiness>
}

const ready: Readiness = { ready: true, body: { status: 'ready' } }

/**
 * `GET /healthz` (the process answers) and `GET /readyz` (the service can do
 * its work), outside the OpenAPI document and without authentication. Probed
 * every few seconds by supervisors: only problems are worth a log line.
 */
export async function healthRoutes(app: FastifyInstance, options: HealthRoutesOptions) {
  const config = {
    config: { auth: false, tracing: false },
    schema: { hide: true },
    logLevel: 'warn',
  } as const
  app.get('/healthz', config, async () => ({ status: 'ok' }))
  app.get('/readyz', config, async (request, reply) => {
    const answer = options.readiness ? await options.readiness(request) : ready
    if (!answer.ready) reply.code(503).header('retry-after', '1')
    return answer.body
  })
}
