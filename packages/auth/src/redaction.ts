/**
 * pino `redact` paths that keep credentials out of logs: the Authorization
 * header of requests (both directions) and OAuth secrets and tokens in bodies.
 * Use as `pino({ redact: { paths: credentialRedactPaths, censor: '[redacted]' } })`.
 */
export const credentialRedactPaths: readonly string[] = Object.freeze([
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'authorization',
  'client_secret',
  'clientSecret',
  'access_token',
  'accessToken',
  'token',
  '*.client_secret',
  '*.clientSecret',
  '*.access_token',
  '*.accessToken',
])

interface LoggableRequest {
  method?: string
  url?: string
  hostname?: string
  ip?: string
  socket?: { remotePort?: number }
}

/**
 * A pino `req` serializer for Fastify that logs the path without its query
 * string: a refused `?access_token=` (or any secret a caller put in a URL)
 * must not reach the request log. Use as
 * `Fastify({ logger: { serializers: { req: requestLogSerializer } } })`.
 */
export function requestLogSerializer(request: LoggableRequest) {
  const url = request.url ?? ''
  const query = url.indexOf('?')
  return {
    method: request.method,
    url: query === -1 ? url : `${url.slice(0, query)}?[redacted]`,
    hostname: request.hostname,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  }
}
