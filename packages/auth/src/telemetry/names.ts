/**
 * The names `@m2m/auth` records under: dashboards, alerts and tests are built
 * on them, so each one is a stable contract. OpenTelemetry spelling; a
 * Prometheus exporter turns the dots into underscores, adds `_total` to the
 * counters and the unit to the histograms (`m2m_token_exchanges_total`,
 * `m2m_token_exchange_duration_seconds`).
 */

/** Instrumentation scope (meter and tracer name) of everything this package records. */
export const INSTRUMENTATION_SCOPE = '@m2m/auth'

/** Version of the instrumentation scope: the package's (a test keeps the two equal). */
export const INSTRUMENTATION_VERSION = '0.1.0'

/** Counter: token exchanges (one per token obtained or given up on, retries included). */
export const METRIC_TOKEN_EXCHANGES = 'm2m.token.exchanges'
/** Counter: HTTP requests to the token endpoint, retries included. */
export const METRIC_TOKEN_REQUESTS = 'm2m.token.requests'
/** Histogram, seconds: how long an exchange took, retries and their waits included. */
export const METRIC_TOKEN_EXCHANGE_DURATION = 'm2m.token.exchange.duration'
/** Counter: `getToken()` lookups of the provider's cache, hits and misses. */
export const METRIC_TOKEN_CACHE_LOOKUPS = 'm2m.token.cache.lookups'
/** Counter: background (refresh-ahead) refreshes, by outcome. */
export const METRIC_TOKEN_REFRESHES = 'm2m.token.refreshes'
/** Observable gauge: what is left of a token quota bucket. */
export const METRIC_TOKEN_QUOTA_REMAINING = 'm2m.token.quota.remaining'
/** Observable gauge: the size of a token quota bucket. */
export const METRIC_TOKEN_QUOTA_LIMIT = 'm2m.token.quota.limit'
/** Counter: access tokens checked by a verifier, valid or not. */
export const METRIC_JWT_VERIFICATIONS = 'm2m.jwt.verifications'
/** Counter: JWKS fetches, by outcome. */
export const METRIC_JWKS_FETCHES = 'm2m.jwks.fetches'
/** Histogram, seconds: how long a JWKS fetch took. */
export const METRIC_JWKS_FETCH_DURATION = 'm2m.jwks.fetch.duration'
/** Counter: requests the Fastify plugin refused (400, 401, 403, 503). */
export const METRIC_HTTP_SERVER_AUTH_REJECTIONS = 'm2m.http.server.auth_rejections'

/** Span (CLIENT) of one token exchange; its retries are span events. */
export const SPAN_TOKEN_EXCHANGE = 'm2m.token.exchange'
/** Event on a `m2m.token.exchange` span: an attempt failed and another follows. */
export const EVENT_TOKEN_RETRY = 'm2m.token.retry'
/** Span (CLIENT) of an outbound call through the interceptor: `HTTP GET`, `HTTP POST`, ... */
export const SPAN_HTTP_CLIENT_PREFIX = 'HTTP '

/**
 * Bucket boundaries (seconds) advised for the duration histograms: 1 ms to
 * 10 s, about three a decade. A cached path never records here; an exchange
 * takes tens of milliseconds, and seconds when it retries.
 */
export const DURATION_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
])
