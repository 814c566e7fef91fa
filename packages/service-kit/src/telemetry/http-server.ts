import { routeConfig } from '@m2m/auth/fastify'
import { installedTracer } from '@m2m/auth/telemetry'
import {
  type Attributes,
  context,
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
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

/**
 * The app's telemetry on Fastify, for every route (register before them):
 * - a SERVER span per request when a tracer is installed (or a propagator the
 *   app registered extracted the caller's trace context), `{METHOD} {route}`,
 *   continuing the caller's W3C `traceparent`, with the HTTP server
 *   semantic-convention attributes and an ERROR status on 5xx; it is the
 *   active span for the rest of the request, so the handler's own calls (the
 *   token endpoint, an upstream) are its children; with neither, no span;
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
  const installed = installedTracer(telemetry.tracerProvider, '@m2m/service-kit')
  // The spans of requests in flight: a request object carries no field of the
  // telemetry's (a decorator is a store on every request, span or none).
  const spans = new WeakMap<FastifyRequest, Span>()

  // Per request: the route's config read without `routeOptions` (a getter
  // that builds an object each time, see `routeConfig`), no async hooks (a
  // promise each), and no `onRequestAbort` hook (a `close` listener on every
  // request): the span of a request whose client went away before the answer
  // is not exported.

  // The callback form on purpose: `done` runs the rest of the lifecycle inside
  // `context.with`, so hooks and the handler see the span as the active one.
  app.addHook('onRequest', (request, _reply, done) => {
    const config = routeConfig(request)
    if (config.tracing === false) return done()
    const parent = propagation.extract(ROOT_CONTEXT, request.headers)
    // No tracer installed and no trace context from the caller (no propagator,
    // or nothing to extract): a span would record nothing and carry nothing,
    // so none is started and no context is entered.
    if (parent === ROOT_CONTEXT && installed() === undefined) return done()
    const route: string | undefined = config.url
    const span = tracer.startSpan(
      route ? `${request.method} ${route}` : request.method,
      { kind: SpanKind.SERVER },
      parent,
    )
    if (!span.isRecording()) {
      // A span that records nothing (a trace not sampled, or the caller's context
      // with no tracer) gets no attributes. It still carries a trace context when
      // it has a valid one; else there is nothing to pass on, and no context to make
      // and enter for it (a copy of the parent's map). The API's no-op span holds
      // this very object: known invalid without checking its 48 hexadecimal digits
      // one by one (about 900 instructions a request, by the census).
      const spanContext = span.spanContext()
      if (spanContext === INVALID_SPAN_CONTEXT || !isSpanContextValid(spanContext)) return done()
    } else {
      const method = methodOf(request.method)
      const attributes: Attributes = {
        [ATTR_HTTP_REQUEST_METHOD]: method,
        [ATTR_URL_PATH]: pathOf(request.url),
        [ATTR_URL_SCHEME]: request.protocol,
        [ATTR_SERVER_ADDRESS]: request.hostname,
        [ATTR_CLIENT_ADDRESS]: request.ip,
        [ATTR_NETWORK_PROTOCOL_VERSION]: request.raw.httpVersion,
      }
      if (method === '_OTHER') attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = request.method
      if (route) attributes[ATTR_HTTP_ROUTE] = route
      if (request.port) attributes[ATTR_SERVER_PORT] = request.port
      const userAgent = request.headers['user-agent']
      if (userAgent) attributes[ATTR_USER_AGENT_ORIGINAL] = userAgent
      span.setAttributes(attributes)
    }
    spans.set(request, span)
    // Body parsing, on the request stream's events, runs in an AsyncResource that
    // Fastify makes here: the span stays active past it (a test sends a body in pieces).
    context.with(trace.setSpan(parent, span), done)
  })

  app.addHook('onError', (request, _reply, error, done) => {
    spans.get(request)?.recordException(error)
    done()
  })

  app.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode
    telemetry.requestDurations
      .of(methodOf(request.method), routeConfig(request).url)
      .record(status, reply.elapsedTime / 1000)
    const span = spans.get(request)
    if (span !== undefined) {
      spans.delete(request)
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status)
      // A server's 4xx is the caller's mistake, not an error of the span.
      if (status >= 500) {
        span.setAttribute(ATTR_ERROR_TYPE, String(status))
        span.setStatus({ code: SpanStatusCode.ERROR })
      }
      span.end()
    }
    done()
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

/** The method as the semantic conventions name it: one of the known ones, or `_OTHER`. */
function methodOf(method: string): string {
  return KNOWN_METHODS.has(method) ? method : '_OTHER'
}

function pathOf(url: string): string {
  const query = url.indexOf('?')
  return query === -1 ? url : url.slice(0, query)
}
