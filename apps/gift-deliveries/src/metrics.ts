import type { RedisTokenCacheMetrics, TokenProviderMetrics } from '@m2m/auth/token'
import type { MeterProvider } from '@opentelemetry/api'
import type { DeliveryStatus } from './deliveries/model.js'
import type { TokenAvailability } from './planning/token-availability.js'
import type { UpstreamOutcome } from './planning/world-mappers-client.js'

export interface MetricsSources {
  tokens: () => Readonly<TokenProviderMetrics>
  deliveriesByStatus: () => Promise<Record<DeliveryStatus, number>>
  /** Whether world-mappers tokens can be had now. */
  tokenAvailability?: () => TokenAvailability
  /** The Redis token cache's counters; absent with the in-process cache. */
  tokenCache?: () => Readonly<RedisTokenCacheMetrics>
}

export interface ServiceMetrics {
  /** One call to world-mappers ended after `durationMs`. */
  observeUpstream(durationMs: number, outcome: UpstreamOutcome): void
}

const CACHE_STATES = ['memory', 'redis', 'fallback'] as const
/** The buckets prom-client's histogram had, so dashboards' `le` values stay. */
const UPSTREAM_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

/**
 * The service's own instruments, on its app's meter provider (Prometheus
 * names in brackets): world-mappers latency by outcome
 * (`world_mappers_request_duration_seconds`), deliveries by status
 * (`deliveries`), whether world-mappers tokens can be had
 * (`m2m_token_available`), where tokens are cached (`m2m_token_cache_state`)
 * and the Redis cache's counters. The token provider's exchanges, requests,
 * refreshes and cache lookups are `@m2m/auth`'s own instruments (given the
 * same provider); two of the provider's counters keep their names of before
 * (`m2m_token_cache_hits_total`, `m2m_token_failures_total`).
 */
export function createMetrics(
  meterProvider: MeterProvider,
  sources: MetricsSources,
): ServiceMetrics {
  const meter = meterProvider.getMeter('@m2m/gift-deliveries')

  // The provider keeps these counts; observed at each collection.
  const tokenCounter = (
    name: string,
    description: string,
    pick: (m: TokenProviderMetrics) => number,
  ) =>
    meter
      .createObservableCounter(name, { description })
      .addCallback((result) => result.observe(pick(sources.tokens())))
  tokenCounter(
    'm2m_token_cache_hits',
    'getToken() calls answered from the cache (also m2m_token_cache_lookups_total{result="hit"})',
    (m) => m.cacheHits,
  )
  tokenCounter(
    'm2m_token_failures',
    'Token exchanges that failed after their last attempt',
    (m) => m.failures,
  )

  const availability = sources.tokenAvailability
  if (availability) {
    meter
      .createObservableGauge('m2m_token_available', {
        description:
          '1 when the last attempt to get a world-mappers token succeeded; 0 before the first or after a failure (deliveries then stay pending)',
      })
      .addCallback((result) => result.observe(availability() === 'available' ? 1 : 0))
  }

  const tokenCache = sources.tokenCache
  meter
    .createObservableGauge('m2m_token_cache_state', {
      description:
        'Where tokens are cached: 1 for the current state (memory, redis, or fallback while Redis is unavailable)',
    })
    .addCallback((result) => {
      const current = tokenCache ? tokenCache().state : 'memory'
      for (const state of CACHE_STATES) result.observe(state === current ? 1 : 0, { state })
    })
  const cacheCounter = (
    name: string,
    description: string,
    pick: (m: Readonly<RedisTokenCacheMetrics>) => number,
  ) =>
    meter
      .createObservableCounter(name, { description })
      .addCallback((result) => result.observe(tokenCache ? pick(tokenCache()) : 0))
  cacheCounter(
    'm2m_token_cache_redis_outages',
    'Times Redis became unavailable to the token cache',
    (m) => m.outages,
  )
  cacheCounter(
    'm2m_token_cache_fallbacks',
    'Token cache operations answered in process because Redis was unavailable',
    (m) => m.fallbacks,
  )
  cacheCounter(
    'm2m_token_cache_rejected_entries',
    'Token cache entries in Redis that failed authentication (tampered or another key)',
    (m) => m.rejectedEntries,
  )

  const upstream = meter.createHistogram('world_mappers.request.duration', {
    description: 'Latency of calls to world-mappers, by outcome',
    unit: 's',
    advice: { explicitBucketBoundaries: UPSTREAM_BUCKETS },
  })

  meter
    .createObservableGauge('deliveries', {
      description: 'Deliveries in the store, by status',
      unit: '{delivery}',
    })
    // A store that is down loses this series only (the collection reports the
    // error and goes on): the token metrics stay.
    .addCallback(async (result) => {
      const counts = await sources.deliveriesByStatus()
      for (const [status, count] of Object.entries(counts)) result.observe(count, { status })
    })

  return {
    observeUpstream(durationMs, outcome) {
      upstream.record(durationMs / 1000, { outcome })
    },
  }
}
