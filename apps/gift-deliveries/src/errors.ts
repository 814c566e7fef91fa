import { CodedError, defineError, InvalidRequestError } from '@m2m/service-kit'

/**
 * Every error Gift Deliveries answers, fails to start with, or records on a
 * delivery, each with a stable code and its HTTP status. The README's error
 * table lists them; a test keeps the two in step. Messages are written here
 * from status codes and the caller's own values, never from a token, a
 * secret or a request header.
 */

// The caller's request -------------------------------------------------------

/** A body, parameter or header outside its schema (`400 invalid_request`, naming it). */
export { InvalidRequestError }

/** The token names no client (`azp` or `client_id`), and deliveries belong to one. */
export const NoClientError = defineError<[]>(
  'DELIVERY_ERR_NO_CLIENT',
  'The token names no client (azp or client_id)',
  403,
)

/** The idempotency key was used before by this client for another request body. */
export const IdempotencyConflictError = defineError<[key: string]>(
  'DELIVERY_ERR_IDEMPOTENCY_CONFLICT',
  'Idempotency-Key %j was already used with a different request',
  422,
)

/** A list cursor that this store did not hand out. */
export const InvalidCursorError = defineError<[]>(
  'DELIVERY_ERR_INVALID_CURSOR',
  'The cursor is not valid',
  400,
)

/** A list limit outside 1..100, an unknown status or `include`. */
export const InvalidListQueryError = defineError<[detail: string]>(
  'DELIVERY_ERR_INVALID_QUERY',
  'Invalid list query: %s',
  400,
)

/** No delivery of the caller has this id (another client's is as if it did not exist). */
export const DeliveryNotFoundError = defineError<[id: string]>(
  'DELIVERY_ERR_NOT_FOUND',
  'No delivery has id %s',
  404,
)

/** The store cannot be reached now: retry later, with the same Idempotency-Key. */
export const StoreUnavailableError = defineError<[]>(
  'DELIVERY_ERR_STORE_UNAVAILABLE',
  'The delivery store is unavailable; retry later (with the same Idempotency-Key)',
  503,
)

// Planning through world-mappers ----------------------------------------------
//
// | error                       | whose fault                  | `POST /deliveries`      | pending worker            |
// | --------------------------- | ---------------------------- | ----------------------- | ------------------------- |
// | `DestinationNotFoundError`  | the caller's (unknown place) | 422 naming the place    | fails the delivery        |
// | `UpstreamUnavailableError`  | nobody's, transient          | store pending, 202      | retry with backoff        |
// | `UpstreamRejectedError`     | ours (configuration)         | store pending, 202, log | retry with backoff, log   |
// | `UpstreamProtocolError`     | ours (a bug or API drift)    | store pending, 202, log | retry with backoff, log   |

/** Any error of planning a delivery; the original error is kept as `cause`. */
export class PlanningError extends CodedError {}

/** Which end of the trip world-mappers could not find. */
export type PlaceParameter = 'origin' | 'destination'

/** The code of a delivery that failed for an unknown place, as answered with the delivery. */
export const PLACE_NOT_FOUND = 'DELIVERY_ERR_PLACE_NOT_FOUND'

/**
 * World-mappers knows no place matching what the caller asked for (its 404
 * `GEO_ERR_NO_MATCH`). The caller's mistake: retrying cannot help, so the
 * route answers 422 naming the parameter and the query, and stores nothing.
 */
export class DestinationNotFoundError extends defineError<
  [parameter: PlaceParameter, query: string],
  PlanningError
>(PLACE_NOT_FOUND, 'No place matches %s %j', 422, PlanningError) {
  readonly parameter: PlaceParameter
  readonly query: string

  constructor(parameter: PlaceParameter, query: string, options?: { cause?: unknown }) {
    super(parameter, query, { cause: options?.cause })
    this.parameter = parameter
    this.query = query
  }
}

/**
 * World-mappers or the token endpoint cannot answer now: a network error, a
 * timeout, a 5xx (503 while it loads its places), a 429, or a token error
 * from `@m2m/auth` that is itself transient. The delivery is kept as pending
 * and planned later.
 */
export class UpstreamUnavailableError extends defineError<[message: string], PlanningError>(
  'DELIVERY_ERR_UPSTREAM_UNAVAILABLE',
  '%s',
  503,
  PlanningError,
) {
  /** The upstream's `Retry-After` in ms, when it sent one: the earliest sensible retry. */
  readonly retryAfterMs: number | undefined

  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number | undefined }) {
    super(message, { cause: options?.cause })
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
export class UpstreamRejectedError extends defineError<[message: string], PlanningError>(
  'DELIVERY_ERR_UPSTREAM_REJECTED',
  '%s',
  502,
  PlanningError,
) {
  /** The HTTP status world-mappers or the token endpoint answered. */
  readonly status: number | undefined

  constructor(message: string, options?: { cause?: unknown; status?: number | undefined }) {
    super(message, { cause: options?.cause })
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
export class UpstreamProtocolError extends defineError<[message: string], PlanningError>(
  'DELIVERY_ERR_UPSTREAM_PROTOCOL',
  '%s',
  500,
  PlanningError,
) {
  /** The HTTP status world-mappers answered. */
  readonly status: number

  constructor(message: string, status: number, options?: { cause?: unknown }) {
    super(message, { cause: options?.cause })
    this.status = status
  }
}

// Start-up ---------------------------------------------------------------------

/** The service could not be composed: the message names the setting to fix. */
export const ServiceStartError = defineError('DELIVERY_ERR_START', '%s', 500)
