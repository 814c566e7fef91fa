import type { FastifyInstance } from 'fastify'

/** `GET /api/me`: the verified token payload, in seed 000's shape. */
export async function meRoutes(app: FastifyInstance) {
  app.get(
    '/api/me',
    { schema: { summary: 'The verified access token payload (any valid token)', tags: ['me'] } },
    async (request) => ({
      message: 'Access granted to protected endpoint!',
      tokenPayload: request.auth?.claims,
    }),
  )
}
