import {
  type Attributes,
  type Context,
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api'
import type { Dispatcher } from 'undici'
import { SPAN_HTTP_CLIENT_PREFIX } from './names.js'
import type { Telemetry } from './telemetry-options.js'

type DispatchOptions = Dispatcher.DispatchOptions
type Headers = DispatchOptions['headers']

/** The span of one outbound call, from the interceptor's start to the caller's last callback. */
export interface ClientSpan {
  /** The caller's context: the token for the call is fetched in it, as a sibling of this span. */
  readonly parent: Context
  /** The caller's context with this span: what is propagated downstream. */
  readonly context: Context
  /** Runs `fn` in the caller's context (a token refetched from an undici callback, say). */
  inParent<T>(fn: () => T): T
  /** The response that reaches the caller began, with this status. */
  responded(statusCode: number): void
  /** The request is sent again (after a 401 `invalid_token` or `use_dpop_nonce`). */
  resent(count: number): void
  /** The call failed before a response reached the caller; ends the span. */
  failed(error: unknown): void
  end(): void
}

/** Tracing of the interceptor's outbound calls (OpenTelemetry HTTP client semantic conventions). */
export interface HttpClientTelemetry {
  /** The span of a call, or `undefined` when no tracer provider is installed. */
  start(opts: DispatchOptions): ClientSpan | undefined
  /**
   * Writes the span's trace context (`traceparent`, `tracestate`: whatever the
   * global propagator writes) into headers the interceptor built for this attempt.
   */
  inject(headers: Headers, span: ClientSpan): Headers
}

// RFC 9110 §9 and RFC 5789: any other method is reported as _OTHER (semantic conventions).
const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
])

interface Server {
  origin: string
  address: string
  port: number
}

// Origins are few (an allow-list); the bound only keeps a misconfigured predicate from growing it.
const MAX_ORIGINS = 1_000

export function createHttpClientTelemetry(telemetry: Telemetry): HttpClientTelemetry {
  const servers = new Map<string, Server | null>()

  function serverOf(origin: DispatchOptions['origin']): Server | null {
    const key = origin instanceof URL ? origin.href : String(origin ?? '')
    let server = servers.get(key)
    if (server === undefined) {
      server = parseOrigin(key)
      if (servers.size >= MAX_ORIGINS) servers.clear()
      servers.set(key, server)
    }
    return server
  }

  return {
    start(opts) {
      const tracer = telemetry.tracer()
      if (tracer === undefined) return undefined
      const method = String(opts.method).toUpperCase()
      const known = KNOWN_METHODS.has(method)
      const server = serverOf(opts.origin)
      const attributes: Attributes = {
        'http.request.method': known ? method : '_OTHER',
        ...(known ? {} : { 'http.request.method_original': String(opts.method) }),
      }
      if (server !== null) {
        attributes['server.address'] = server.address
        attributes['server.port'] = server.port
        attributes['url.full'] = `${server.origin}${pathOnly(opts.path)}`
      }
      const parent = context.active()
      const span = tracer.startSpan(
        known ? `${SPAN_HTTP_CLIENT_PREFIX}${method}` : SPAN_HTTP_CLIENT_PREFIX.trim(),
        { kind: SpanKind.CLIENT, attributes },
        parent,
      )
      return clientSpan(span, parent)
    },
    inject(headers, span) {
      const carrier = headers as Record<string, unknown> | unknown[]
      propagation.inject(
        span.context,
        carrier,
        (Array.isArray(carrier) ? flatSetter : objectSetter) as TextMapSetter<typeof carrier>,
      )
      return headers
    },
  }
}

function clientSpan(span: Span, parent: Context): ClientSpan {
  let ended = false
  const end = () => {
    if (ended) return
    ended = true
    span.end()
  }
  return {
    parent,
    context: trace.setSpan(parent, span),
    inParent(fn) {
      return context.with(parent, fn)
    },
    responded(statusCode) {
      span.setAttribute('http.response.status_code', statusCode)
      if (statusCode >= 400) {
        span.setAttribute('error.type', String(statusCode))
        span.setStatus({ code: SpanStatusCode.ERROR })
      }
    },
    resent(count) {
      span.setAttribute('http.request.resend_count', count)
    },
    failed(error) {
      if (ended) return
      span.setAttribute('error.type', errorType(error))
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorType(error) })
      end()
    },
    end,
  }
}

/** The error's code (`UND_ERR_SOCKET`, `AUTH_ERR_TOKEN_ENDPOINT`, ...) or class name: never its message. */
function errorType(error: unknown): string {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown }
  if (typeof code === 'string' && code !== '') return code
  return typeof name === 'string' && name !== '' ? name : '_OTHER'
}

/** `url.full` carries no query string nor fragment: they may hold identifiers or secrets. */
function pathOnly(path: string | undefined): string {
  if (path === undefined || path === '') return '/'
  const end = path.search(/[?#]/)
  return end === -1 ? path : path.slice(0, end)
}

function parseOrigin(origin: string): Server | null {
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    return null
  }
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port)
  // server.address without IPv6 brackets, as the conventions show it.
  const address = url.hostname.replace(/^\[(.*)\]$/, '$1')
  return { origin: url.origin, address, port }
}

// A header the caller set under the same name (any case) gives way to ours.
const objectSetter: TextMapSetter<Record<string, unknown>> = {
  set(carrier, key, value) {
    if (!Object.hasOwn(carrier, key)) {
      for (const name of Object.keys(carrier)) {
        if (name.toLowerCase() === key) delete carrier[name]
      }
    }
    carrier[key] = value
  },
}

const flatSetter: TextMapSetter<unknown[]> = {
  set(carrier, key, value) {
    // Odd length: a malformed list undici will refuse anyway; nothing to pair up.
    const last = carrier.length % 2 === 0 ? carrier.length - 2 : -1
    for (let i = last; i >= 0; i -= 2) {
      const name = carrier[i]
      if (typeof name === 'string' && name.toLowerCase() === key) carrier.splice(i, 2)
    }
    carrier.push(key, value)
  },
}
