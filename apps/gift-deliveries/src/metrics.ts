import type { RedisTokenCacheMetrics, TokenProviderMetrics } from '@m2m/auth/token'
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { DeliveryStatus } from './deliveries/model.js'
import type { TokenAvailability } from './planning/token-availability.js'

export interface MetricsSources {
  tokens: () => Readonly<TokenProviderMetrics>
  deliveriesByStatus: () => Promise<Record<DeliveryStatus, number>>
  /** Whether world-mappers tokens can be had now. */
  tokenAvailability?: () => TokenAvailability
  /** The Redis token cache's counters; absent with the in-process cache. */
  tokenCache?: () => Readonly<RedisTokenCacheMetrics>
}

const CACHE_STATES = ['memory', 'redis', 'fallback'] as const

/**
 * The service's Prometheus metrics, in a registry of its own (several apps
 * may live in one process, as in tests): token provider counters, world-mappers
 * latency, deliveries by status, and the process defaults.
 */
export function createMetrics(sources: MetricsSources) {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })

  const tokenCounter = (name: string, help: string, pick: (m: TokenProviderMetrics) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        // The provider keeps the count; mirror it.
        this.reset()
        this.inc(pick(sources.tokens()))
      },
    })
  tokenCounter(
    'm2m_token_requests_total',
    'HTTP requests to the token endpoint',
    (m) => m.tokenRequests,
  )
  tokenCounter('m2m_token_exchanges_total', 'Tokens obtained', (m) => m.exchanges)
  tokenCounter(
    'm2m_token_cache_hits_total',
    'Token requests answered from the cache',
    (m) => m.cacheHits,
  )
  tokenCounter(
    'm2m_token_refreshes_total',
    'Background refreshes in the soft window',
    (m) => m.refreshes,
  )
  tokenCounter('m2m_token_failures_total', 'Token exchanges that failed', (m) => m.failures)

  const availability = sources.tokenAvailability
  if (availability) {
    new Gauge({
      name: 'm2m_token_available',
      help: '1 when the last attempt to get a world-mappers token succeeded; 0 before the first or after a failure (deliveries then stay pending)',
      registers: [registry],
      collect() {
        this.set(availability() === 'available' ? 1 : 0)
      },
    })
  }

  const tokenCache = sources.tokenCache
  new Gauge({
    name: 'm2m_token_cache_state',
    help: 'Where tokens are cached: 1 for the current state (memory, redis, or fallback while Redis is unavailable)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const current = tokenCache ? tokenCache().state : 'memory'
      for (const state of CACHE_STATES) this.set({ state }, state === current ? 1 : 0)
    },
  })
  const cacheCounter = (
    name: string,
    help: string,
    pick: (m: Readonly<RedisTokenCacheMetrics>) => number,
  ) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset()
        if (tokenCache) this.inc(pick(tokenCache()))
      },
    })
  cacheCounter(
    'm2m_token_cache_redis_outages_total',
    'Times Redis became unavailable to the token cache',
    (m) => m.outages,
  )
  cacheCounter(
    'm2m_token_cache_fallbacks_total',
    'Token cache operations answered in process because Redis was unavailable',
    (m) => m.fallbacks,
  )
  cacheCounter(
    'm2m_token_cache_rejected_entries_total',
    'Token cache entries in Redis that failed authentication (tampered or another key)',
    (m) => m.rejectedEntries,
  )

  const upstream = new Histogram({
    name: 'world_mappers_request_duration_seconds',
    help: 'Latency of calls to world-mappers, by outcome',
    labelNames: ['outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  })

  new Gauge({
    name: 'deliveries',
    help: 'Deliveries in the store, by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      // A store that is down must not take the token metrics with it.
      try {
        const counts = await sources.deliveriesByStatus()
        for (const [status, count] of Object.entries(counts)) this.set({ status }, count)
      } catch {
        this.reset()
      }
    },
  })

  return {
    registry,
    observeUpstream(durationMs: number, outcome: string) {
      upstream.observe({ outcome }, durationMs / 1000)
    },
  }
}

export type ServiceMetrics = ReturnType<typeof createMetrics>
