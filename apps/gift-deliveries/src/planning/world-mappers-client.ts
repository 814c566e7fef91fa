import { performance } from 'node:perf_hooks'
import { createBearerInterceptor } from '@m2m/auth/http'
import { type AccessTokenSource, isTransientAuthError, parseRetryAfter } from '@m2m/auth/token'
import type { MeterProvider, TracerProvider } from '@opentelemetry/api'
import { Agent, type Dispatcher, request } from 'undici'
import type { DeliveryRequest, DeliveryRoute, PlaceInput } from '../deliveries/model.js'
import {
  DestinationNotFoundError,
  type PlaceParameter,
  type PlanningError,
  UpstreamProtocolError,
  UpstreamRejectedError,
  UpstreamUnavailableError,
} from '../errors.js'
import { toDeliveryRoute } from './directions-answer.js'

/** How one call to world-mappers ended, for metrics (a Prometheus label). */
export type UpstreamOutcome = 'ok' | 'not_found' | 'unavailable' | 'rejected' | 'protocol_error'

export interface WorldMappersClientOptions {
  /** World-mappers' base URL, e.g. `http://localhost:7001` (a path prefix is kept). */
  baseUrl: string
  /** Tokens for the `urn:worldmappers` audience, sent only to `baseUrl`'s origin. */
  tokens: AccessTokenSource
  /** Whole call (token, connect, headers, body) must finish within this. Default 5,000. */
  timeoutMs?: number
  /**
   * Used as is instead of the client's own `Agent` + bearer interceptor (for
   * tests, or to share a pool): it must add the `Authorization` header itself.
   */
  dispatcher?: Dispatcher
  /** Called once per call with its duration and outcome; errors it throws are ignored. */
  onUpstream?: (durationMs: number, outcome: UpstreamOutcome) => void
  /**
   * Where each call's client span goes (the interceptor sends its
   * `traceparent`); ignored with `dispatcher`. Default: the global providers.
   */
  telemetry?: { meterProvider?: MeterProvider; tracerProvider?: TracerProvider }
}

export interface WorldMappersClient {
  /**
   * Plans `request` with `GET /api/directions`.
   *
   * @throws DestinationNotFoundError the origin or destination is no known place
   * @throws UpstreamUnavailableError world-mappers or the token endpoint cannot answer now
   * @throws UpstreamRejectedError our credentials or client grant are refused
   * @throws UpstreamProtocolError world-mappers refused our request (400) or answered unreadably
   */
  plan(request: DeliveryRequest): Promise<DeliveryRoute>
  /** Closes the client's own agent (not a `dispatcher` passed in). */
  close(): Promise<void>
}

const DEFAULT_TIMEOUT_MS = 5_000

/**
 * Creates the world-mappers client of gift-deliveries: directions between
 * two places, with a bearer token from `tokens` on every call (one replay on
 * `invalid_token`, by `@m2m/auth/http`), and every failure translated into
 * one of the planning errors so callers decide "422, pending, or alarm"
 * without knowing HTTP.
 */
export function createWorldMappersClient(options: WorldMappersClientOptions): WorldMappersClient {
  const base = parseBaseUrl(options.baseUrl)
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError(`timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`)
  }
  const tokens = options.tokens
  if (
    options.dispatcher === undefined &&
    (typeof tokens?.getToken !== 'function' || typeof tokens?.invalidate !== 'function')
  ) {
    throw new TypeError('tokens must be an AccessTokenSource (getToken and invalidate)')
  }
  const ownAgent =
    options.dispatcher === undefined
      ? new Agent({
          connectTimeout: timeoutMs,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        })
      : undefined
  const dispatcher =
    options.dispatcher ??
    (ownAgent as Agent).compose(
      createBearerInterceptor(tokens, {
        origins: [base.origin],
        ...(options.telemetry ? { telemetry: options.telemetry } : {}),
      }),
    )
  const onUpstream = options.onUpstream
  const directionsUrl = new URL('api/directions', base)

  function report(startedAt: number, outcome: UpstreamOutcome) {
    if (!onUpstream) return
    try {
      onUpstream(performance.now() - startedAt, outcome)
    } catch {
      // Metrics must never break planning.
    }
  }

  async function plan(delivery: DeliveryRequest): Promise<DeliveryRoute> {
    const sent: Partial<Record<PlaceParameter, string>> = {}
    const url = new URL(directionsUrl)
    if (delivery.origin !== undefined) {
      sent.origin = placeQuery(delivery.origin)
      url.searchParams.set('origin', sent.origin)
    }
    sent.destination = placeQuery(delivery.destination)
    url.searchParams.set('destination', sent.destination)

    const startedAt = performance.now()
    const signal = AbortSignal.timeout(timeoutMs)
    try {
      const route = await call(url, signal, sent)
      report(startedAt, 'ok')
      return route
    } catch (thrown) {
      const error = signal.aborted
        ? new UpstreamUnavailableError(`World-mappers did not answer within ${timeoutMs} ms`, {
            cause: thrown,
          })
        : toPlanningError(thrown)
      report(startedAt, outcomeOf(error))
      throw error
    }
  }

  async function call(
    url: URL,
    signal: AbortSignal,
    sent: Partial<Record<PlaceParameter, string>>,
  ): Promise<DeliveryRoute> {
    const response = await request(url, {
      method: 'GET',
      headers: { accept: 'application/json' },
      dispatcher,
      signal,
    })
    const text = await response.body.text()
    const status = response.statusCode
    if (status === 200) {
      try {
        return toDeliveryRoute(JSON.parse(text), sent)
      } catch (cause) {
        throw new UpstreamProtocolError(
          `World-mappers answered directions in an unexpected shape: ${(cause as Error).message}`,
          status,
          { cause },
        )
      }
    }
    const body = parseJsonObject(text)
    if (status === 404 && body.error === 'GEO_ERR_NO_MATCH') {
      const parameter = notFoundParameter(body.message)
      throw new DestinationNotFoundError(parameter, sent[parameter] ?? '')
    }
    throw statusError(status, body, response.headers['retry-after'])
  }

  return Object.freeze({
    plan,
    async close() {
      await ownAgent?.close()
    },
  })
}

function parseBaseUrl(baseUrl: string): URL {
  let url: URL
  try {
    url = new URL(baseUrl)
  } catch {
    throw new TypeError(`baseUrl must be an http(s) URL, got ${JSON.stringify(baseUrl)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`baseUrl must be an http(s) URL, got ${JSON.stringify(baseUrl)}`)
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new TypeError('baseUrl must have no credentials, query or fragment')
  }
  // `new URL('api/directions', base)` keeps a path prefix only with a trailing slash.
  if (!url.pathname.endsWith('/')) url.pathname += '/'
  return url
}

/** A place as world-mappers' query parameters take it: a name, or `"lat,lng"`. */
function placeQuery(place: PlaceInput): string {
  if (typeof place === 'string') return place
  return `${coordinate(place.lat)},${coordinate(place.lng)}`
}

// Six decimals (about 0.1 m) and never exponent notation, which world-mappers does not parse.
function coordinate(value: number): string {
  return String(Number(value.toFixed(6)))
}

/**
 * World-mappers names the parameter in its message (`No place matches origin "..."`); failing
 * that, the destination, the one parameter always sent.
 */
function notFoundParameter(message: unknown): PlaceParameter {
  const named =
    typeof message === 'string' && /^No place matches (origin|destination)\b/.exec(message)
  return named ? (named[1] as PlaceParameter) : 'destination'
}

function parseJsonObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text)
    if (value !== null && typeof value === 'object') return value as Record<string, unknown>
  } catch {
    // Not JSON (a proxy's HTML page, say): described by status alone.
  }
  return {}
}

/** The body's own words, for a log line: world-mappers' and RFC 6750 answers carry no secret. */
function describeBody(body: Record<string, unknown>): string {
  const parts = [body.error, body.message ?? body.error_description].filter(
    (part): part is string => typeof part === 'string' && part !== '',
  )
  return parts.length > 0 ? `: ${parts.join(': ').slice(0, 300)}` : ''
}

function statusError(
  status: number,
  body: Record<string, unknown>,
  retryAfter: string | string[] | undefined,
): PlanningError {
  const said = describeBody(body)
  if (status === 408 || status === 429 || status >= 500) {
    return new UpstreamUnavailableError(`World-mappers answered ${status}${said}`, {
      retryAfterMs: parseRetryAfter(retryAfter),
    })
  }
  if (status === 400) {
    return new UpstreamProtocolError(
      `World-mappers refused our request as invalid (400)${said}`,
      400,
    )
  }
  if (status === 401 || status === 403) {
    return new UpstreamRejectedError(
      `World-mappers refused our credentials (${status})${said}; check the client grant for urn:worldmappers`,
      { status },
    )
  }
  // Another 404 (wrong base URL) or any other 4xx: our configuration, not the caller.
  return new UpstreamRejectedError(`World-mappers answered ${status}${said}`, { status })
}

interface AuthErrorLike {
  code: string
  message: string
  status?: unknown
  retryAfterMs?: unknown
}

// Duck-typed rather than `instanceof AuthError`: a second copy of @m2m/auth in
// the dependency tree must not turn a token error into "network error".
function isAuthError(error: unknown): error is AuthErrorLike {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('AUTH_ERR_')
}

/** A thrown error (not an HTTP answer) as a planning error. */
function toPlanningError(error: unknown): PlanningError {
  if (
    error instanceof DestinationNotFoundError ||
    error instanceof UpstreamUnavailableError ||
    error instanceof UpstreamRejectedError ||
    error instanceof UpstreamProtocolError
  ) {
    return error
  }
  if (isAuthError(error)) {
    const status =
      error.code === 'AUTH_ERR_TOKEN_ENDPOINT' && typeof error.status === 'number'
        ? error.status
        : undefined
    const message = `No access token for world-mappers (${error.code}): ${error.message}`
    if (isTransientAuthError(error)) {
      const retryAfterMs = typeof error.retryAfterMs === 'number' ? error.retryAfterMs : undefined
      return new UpstreamUnavailableError(message, { cause: error, retryAfterMs })
    }
    return new UpstreamRejectedError(message, { cause: error, status })
  }
  // Everything else comes from the transport: refused, reset, DNS, undici timeouts.
  const code = (error as { code?: unknown } | null)?.code
  const detail = error instanceof Error ? error.message : String(error)
  return new UpstreamUnavailableError(
    `World-mappers could not be reached${typeof code === 'string' ? ` (${code})` : ''}: ${detail}`,
    { cause: error },
  )
}

function outcomeOf(error: PlanningError): UpstreamOutcome {
  if (error instanceof DestinationNotFoundError) return 'not_found'
  if (error instanceof UpstreamRejectedError) return 'rejected'
  if (error instanceof UpstreamProtocolError) return 'protocol_error'
  return 'unavailable'
}
