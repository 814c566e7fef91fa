/**
 * Errors of planning a delivery through world-mappers. Each has a stable
 * `code` (never reused) and the HTTP `statusCode` a route would answer with;
 * the original error is kept as `cause`. Messages never hold a token or a
 * secret: they are written here from status codes and our own query values,
 * never from request headers.
 *
 * How the caller should react:
 *
 * | error                       | whose fault                  | `POST /deliveries`      | pending worker            |
 * | --------------------------- | ---------------------------- | ----------------------- | ------------------------- |
 * | `DestinationNotFoundError`  | the caller's (unknown place) | 422 naming the place    | fails the delivery        |
 * | `UpstreamUnavailableError`  | nobody's, transient          | store pending, 202      | retry with backoff        |
 * | `UpstreamRejectedError`     | ours (configuration)         | store pending, 202, log | retry with backoff, log   |
 * | `UpstreamProtocolError`     | ours (a bug or API drift)    | store pending, 202, log | retry with backoff, log   |
 */
export class PlanningError extends Error {
  readonly code: string
  readonly statusCode: number

  constructor(code: string, statusCode: number, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'PlanningError'
    this.code = code
    this.statusCode = statusCode
  }
}

/** Which end of the trip world-mappers could not find. */
export type PlaceParameter = 'origin' | 'destination'

/**
 * World-mappers knows no place matching what the caller asked for (its 404
 * `GEO_ERR_NO_MATCH`). The caller's mistake: retrying cannot help, so the
 * route answers 422 naming the parameter and the query, and stores nothing.
 */
export class DestinationNotFoundError extends PlanningError {
  static readonly code = 'DELIVERY_ERR_PLACE_NOT_FOUND'
  readonly parameter: PlaceParameter
  readonly query: string

  constructor(parameter: PlaceParameter, query: string, options?: { cause?: unknown }) {
    super(
      DestinationNotFoundError.code,
      422,
      `No place matches ${parameter} ${JSON.stringify(query)}`,
      options,
    )
    this.name = 'DestinationNotFoundError'
    this.parameter = parameter
    this.query = query
  }
}

/**
 * World-mappers or the token endpoint cannot answer now: a network error, a
 * timeout, a 5xx (503 while it loads its places), a 429, or a token error
 * from `@m2m/auth` that is itself transient (network, 5xx, 429). The delivery
 * is kept as pending and planned later.
 */
export class UpstreamUnavailableError extends PlanningError {
  static readonly code = 'DELIVERY_ERR_UPSTREAM_UNAVAILABLE'
  /** The upstream's `Retry-After` in ms, when it sent one: the earliest sensible retry. */
  readonly retryAfterMs: number | undefined

  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number | undefined }) {
    super(UpstreamUnavailableError.code, 503, message, options)
    this.name = 'UpstreamUnavailableError'
    this.retryAfterMs = options?.retryAfterMs
  }
}

/**
 * World-mappers refused our credentials (401/403 after the interceptor's one
 * replay with a fresh token), or the token endpoint refused us with a 4xx
 * (`invalid_client`, unknown audience, ...). Our configuration is wrong, not
 * the caller's request.
 *
 * We still keep the delivery pending rather than fail it: the caller's request
 * is valid, and once an operator fixes the client grant or secret every
 * accepted delivery gets planned ("nothing accepted is lost"). The cost is a
 * pending backlog while it is broken, which is why this is logged at error
 * level on every occurrence.
 */
export class UpstreamRejectedError extends PlanningError {
  static readonly code = 'DELIVERY_ERR_UPSTREAM_REJECTED'
  /** The HTTP status world-mappers or the token endpoint answered. */
  readonly status: number | undefined

  constructor(message: string, options?: { cause?: unknown; status?: number | undefined }) {
    super(UpstreamRejectedError.code, 502, message, options)
    this.name = 'UpstreamRejectedError'
    this.status = options?.status
  }
}

/**
 * World-mappers answered 400 to a request we built, or a success we cannot
 * read. Either this client has a bug or the two services disagree on the API:
 * an internal error (500), never blamed on the caller (`POST /deliveries`
 * validates its body with the same limits world-mappers applies: a place is
 * 1-200 characters, not blank). The delivery stays pending so that a fixed
 * deployment plans it.
 */
export class UpstreamProtocolError extends PlanningError {
  static readonly code = 'DELIVERY_ERR_UPSTREAM_PROTOCOL'
  /** The HTTP status world-mappers answered. */
  readonly status: number

  constructor(message: string, status: number, options?: { cause?: unknown }) {
    super(UpstreamProtocolError.code, 500, message, options)
    this.name = 'UpstreamProtocolError'
    this.status = status
  }
}

/** What a caller may read about a failed attempt: the kind of failure, not hosts or ports. */
export function publicReason(error: unknown): string {
  const code = (error as { code?: unknown }).code
  if (code === 'DELIVERY_ERR_UPSTREAM_UNAVAILABLE')
    return 'World Mappers or the token endpoint is unavailable; planning will be retried'
  if (code === 'DELIVERY_ERR_UPSTREAM_REJECTED')
    return 'World Mappers refused this service; planning will be retried once it is fixed'
  return 'Planning failed; it will be retried'
}
