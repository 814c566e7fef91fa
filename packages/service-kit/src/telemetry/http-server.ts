import {
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api'
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ServiceTelemetry } from './service-telemetry.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `false`: no span for this route's requests (probes, scrapes); their duration is still measured. */
    tracing?: boolean
  }
}

const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
  'CONNECT',
  'TRACE',
])
/** The semantic conventions' advice for `http.server.request.duration`. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]

const spans = new WeakMap<FastifyRequest, Span>()

/**
 * The app's telemetry on Fastify, for every route (register before them):
 * - a SERVER span per request, `{METHOD} {route}`, continuing the caller's W3C
 *   `traceparent`, with the HTTP server semantic-convention attributes and an
 *   ERROR status on 5xx; it is the active span for the rest of the request, so
 *   the handler's own calls (the token endpoint, an upstream) are its children;
 * - `http.server.request.duration` (s) by method, route and status code;
 * - `GET /metrics`: the app's metrics in the Prometheus text format, public
 *   (keep it on an internal network) and outside the OpenAPI document;
 * - on close, spans and pushed metrics are flushed.
 */
export async function registerTelemetry(
  app: FastifyInstance,
  telemetry: ServiceTelemetry,
): Promise<void> {
  const tracer = telemetry.tracerProvider.getTracer('@m2m/service-kit')
  const duration = telemetry.meterProvider
    .getMeter('@m2m/service-kit')
    .createHistogram('http.server.request.duration', {
      description: 'Duration of HTTP server requests, by method, route and status code',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    })

  // The callback form on purpose: `done` runs the rest of the lifecycle inside
  // `context.with`, so hooks and the handler see the span as the active one.
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.routeOptions.config?.tracing === false) return done()
    const parent = propagation.extract(ROOT_CONTEXT, request.headers)
    const route = request.routeOptions.url
    const method = request.method
    const known = KNOWN_METHODS.has(method)
    const span = tracer.startSpan(
      route ? `${method} ${route}` : method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: known ? method : '_OTHER',
          ...(known ? {} : { [ATTR_HTTP_REQUEST_METHOD_ORIGINAL]: method }),
          ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}),
          [ATTR_URL_PATH]: pathOf(request.url),
          [ATTR_URL_SCHEME]: request.protocol,
          [ATTR_SERVER_ADDRESS]: request.hostname,
          ...(request.port ? { [ATTR_SERVER_PORT]: request.port } : {}),
          [ATTR_CLIENT_ADDRESS]: request.ip,
          [ATTR_NETWORK_PROTOCOL_VERSION]: request.raw.httpVersion,
          ...(request.headers['user-agent']
            ? { [ATTR_USER_AGENT_ORIGINAL]: request.headers['user-agent'] }
            : {}),
        },
      },
      parent,
    )
    spans.set(request, span)
    // Body parsing, on the request stream's events, runs in an AsyncResource that
    // Fastify makes here: the span stays active past it (a test sends a body in pieces).
    context.with(trace.setSpan(parent, span), done)
  })

  app.addHook('onError', async (request, _reply, error) => {
    spans.get(request)?.recordException(error)
  })

  app.addHook('onResponse', async (request, reply) => {
    const status = reply.statusCode
    const route = request.routeOptions.url
    const method = KNOWN_METHODS.has(request.method) ? request.method : '_OTHER'
    duration.record(reply.elapsedTime / 1000, {
      [ATTR_HTTP_REQUEST_METHOD]: method,
      ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}),
      [ATTR_HTTP_RESPONSE_STATUS_CODE]: status,
    })
    const span = spans.get(request)
    if (!span) return
    spans.delete(request)
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status)
    // A server's 4xx is the caller's mistake, not an error of the span.
    if (status >= 500) {
      span.setAttribute(ATTR_ERROR_TYPE, String(status))
      span.setStatus({ code: SpanStatusCode.ERROR })
    }
    span.end()
  })

  app.addHook('onRequestAbort', async (request) => {
    const span = spans.get(request)
    if (!span) return
    spans.delete(request)
    span.setAttribute(ATTR_ERROR_TYPE, 'aborted')
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client closed the connection' })
    span.end()
  })

  app.addHook('onClose', async () => telemetry.forceFlush())

  app.get(
    '/metrics',
    {
      config: { auth: false, tracing: false },
      schema: { hide: true },
      // Scraped every few seconds: only problems are worth a line.
      logLevel: 'warn',
    },
    async (_request, reply) => {
      reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
      return telemetry.prometheusText()
    },
  )
}

function pathOf(url: string): string {
  const query = url.indexOf('?')
  return query === -1 ? url : url.slice(0, query)
}
