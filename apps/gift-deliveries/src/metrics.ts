import type { TokenProviderMetrics } from '@m2m/auth/token'
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { DeliveryStatus } from './deliveries/model.js'

export interface MetricsSources {
  tokens: () => Readonly<TokenProviderMetrics>
  deliveriesByStatus: () => Promise<Record<DeliveryStatus, number>>
}

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
