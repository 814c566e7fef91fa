import type { FastifyInstance } from 'fastify'
import { auth0Errors } from '../oauth/oauth-error.js'
import type { createTokenExchange } from '../oauth/token-exchange.js'

const PARAMETERS = ['grant_type', 'client_id', 'client_secret', 'audience', 'scope', 'organization']

/** `POST /oauth/token`: JSON or form body, client credentials. */
export async function oauthTokenRoutes(
  app: FastifyInstance,
  opts: { exchange: ReturnType<typeof createTokenExchange> },
) {
  app.post('/oauth/token', { bodyLimit: 16 * 1024 }, async (request, reply) => {
    const raw = request.body ?? {}
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      const error = auth0Errors.invalidParameter('body', 'must be a JSON object or a form')
      return reply.code(error.statusCode).send(error.toBody())
    }
    const body: Record<string, string | undefined> = {}
    for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
      if (!PARAMETERS.includes(name)) continue
      if (typeof value !== 'string') {
        const error = auth0Errors.invalidParameter(name, 'must be a string')
        return reply.code(error.statusCode).send(error.toBody())
      }
      body[name] = value
    }
    const answer = await opts.exchange({
      body,
      authorization: request.headers.authorization,
      ip: request.ip,
      userAgent: request.headers['user-agent'],
      hostname: request.hostname,
    })
    return reply.code(answer.statusCode).headers(answer.headers).send(answer.body)
  })
}
