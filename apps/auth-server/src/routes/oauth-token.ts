import { useStrictJsonBodies } from '@m2m/service-kit'
import type { FastifyInstance } from 'fastify'
import { auth0Errors } from '../oauth/oauth-error.js'
import { type createRateLimiter, rateLimitHeaders } from '../oauth/rate-limiter.js'
import type { createTokenExchange } from '../oauth/token-exchange.js'

/** The parameters of a client-credentials token request; others are ignored, as Auth0 does. */
export const TOKEN_REQUEST_PARAMETERS = [
  'grant_type',
  'client_id',
  'client_secret',
  'client_assertion_type',
  'client_assertion',
  'audience',
  'scope',
  'organization',
] as const
const PARAMETERS = new Set<string>(TOKEN_REQUEST_PARAMETERS)

/** `POST /oauth/token`: JSON or form body, client credentials (secret or `private_key_jwt`). */
export async function oauthTokenRoutes(
  app: FastifyInstance,
  opts: {
    exchange: ReturnType<typeof createTokenExchange>
    /** Per-IP limit on every request, before the body is even parsed. */
    ipRateLimit: ReturnType<typeof createRateLimiter>
  },
) {
  useStrictJsonBodies(app)
  // Charged first, so floods of malformed or unauthenticated requests are
  // refused before parsing or scrypt; its state is in the X-RateLimit-*
  // headers of every answer that comes before the client is authenticated
  // (parse errors and 413 included), the client's own limit after.
  // A callback hook, not an async one: no promise per request on the hot path.
  app.addHook('onRequest', (request, reply, done) => {
    const rate = opts.ipRateLimit(`ip:${request.ip}`)
    reply.headers(rateLimitHeaders(rate))
    if (rate.allowed) return done()
    const error = auth0Errors.rateLimited(rate.retryAfter)
    reply
      .code(error.statusCode)
      .headers(error.extra.headers ?? {})
      .send(error.toBody())
  })
  app.post('/oauth/token', { bodyLimit: 16 * 1024 }, async (request, reply) => {
    const raw = request.body ?? {}
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      const error = auth0Errors.invalidParameter('body', 'must be a JSON object or a form')
      return reply.code(error.statusCode).send(error.toBody())
    }
    const body: Record<string, string | undefined> = {}
    for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
      if (!PARAMETERS.has(name)) continue
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
      dpop: dpopHeaderValues(request.raw.rawHeaders),
    })
    return reply.code(answer.statusCode).headers(answer.headers).send(answer.body)
  })
}

/**
 * Every `DPoP` header of the request, as sent: Node joins repeated headers
 * into one value, and RFC 9449 §4.3 refuses more than one, so they are
 * counted from the raw list.
 */
function dpopHeaderValues(rawHeaders: readonly string[]): string[] {
  const values: string[] = []
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() === 'dpop') values.push(rawHeaders[i + 1] as string)
  }
  return values
}
