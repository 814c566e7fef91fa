import type { FastifyRequest } from 'fastify'

/**
 * The URL a client used for a request, as a DPoP proof's `htu` names it
 * (RFC 9449 §4.3): scheme, host and path, without the query. Fastify's
 * `request.protocol` and `request.host` follow `X-Forwarded-Proto` and
 * `X-Forwarded-Host` only from proxies `trustProxy` trusts; the path is the
 * one received, before any `rewriteUrl`.
 */
export function requestUrl(request: FastifyRequest): string {
  const url = request.originalUrl
  const query = url.indexOf('?')
  const path = query === -1 ? url : url.slice(0, query)
  return `${request.protocol}://${request.host}${path}`
}
