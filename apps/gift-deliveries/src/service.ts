import { createServiceLogger } from '@m2m/auth'
import {
  createRedisTokenCache,
  createTokenProvider,
  type RedisTokenCache,
  type RetryOptions,
  type TokenProvider,
} from '@m2m/auth/token'
import { createServiceTelemetry, type ServiceTelemetry } from '@m2m/service-kit/telemetry'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { buildApp } from './app.js'
import type { GiftDeliveriesConfig } from './config.js'
import { createBackoff } from './deliveries/backoff.js'
import { ServiceStartError } from './errors.js'
import { createMetrics, type ServiceMetrics } from './metrics.js'
import { createPendingWorker, type PendingWorker } from './planning/pending-worker.js'
import { trackTokenAvailability } from './planning/token-availability.js'
import { createWorldMappersClient } from './planning/world-mappers-client.js'
import type { DeliveryStore } from './store/delivery-store.js'
import { openStore } from './store/open-store.js'

/** A world-mappers token source with the provider's counters and an end. */
export interface ServiceTokenSource {
  getToken(): Promise<string>
  getAccessToken?: TokenProvider['getAccessToken']
  readonly dpopKey?: TokenProvider['dpopKey']
  invalidate(token: string): void
  readonly metrics: ReturnType<typeof createTokenProvider>['metrics']
  close(): Promise<void>
}

/** What callers other than `main.ts` change; everything else comes from the configuration. */
export interface ServiceOverrides {
  /**
   * Default: the service logger at `config.logLevel`. `false`: none of its
   * own (the app gets Fastify's default, which the test suites' log capture
   * replaces).
   */
  logger?: Logger | false
  /** Instead of the service's own token provider (the bench's naive per-call fetch). */
  tokens?: ServiceTokenSource
  /** The token provider's retries, and its pause after a transient failure (tests: short). */
  tokenRetry?: Partial<RetryOptions>
  transientCooldownMs?: number
  /** The world-mappers call's timeout. Default 5,000. */
  plannerTimeoutMs?: number
  /** Delay before the `attempts`-th planning retry. Default `createBackoff()`. */
  backoff?: (attempts: number) => number
  /** How long a request's pending delivery is kept from the worker. Default `config.pendingGraceMs`. */
  inlineLeaseMs?: number
}

export interface GiftDeliveriesService {
  app: FastifyInstance
  store: DeliveryStore
  tokens: ServiceTokenSource
  worker: PendingWorker
  metrics: ServiceMetrics
  /** The app's metrics (`/metrics`, OTLP when configured) and the process's tracing. */
  telemetry: ServiceTelemetry
  /** The Redis token cache, when REDIS_URL is set. */
  tokenCache: RedisTokenCache | undefined
  /** The service's logger (the app's, when it has none of its own). */
  logger: Logger
  /** Starts the pending worker and the token-availability probe (after the app listens). */
  start(): void
  /** Stops taking requests, lets the worker and plans in flight finish, closes every connection. */
  close(): Promise<void>
}

/**
 * Gift Deliveries composed from its configuration: the store, the Redis token
 * cache when configured, one token provider for world-mappers, metrics, the
 * planner, the pending worker and the app. `main.ts`, the bench and the
 * tests compose it here; nothing listens until the caller says so.
 */
export async function createService(
  config: GiftDeliveriesConfig,
  overrides: ServiceOverrides = {},
): Promise<GiftDeliveriesService> {
  const logger =
    overrides.logger === false
      ? undefined
      : (overrides.logger ?? createServiceLogger({ level: config.logLevel }))

  // First: the token provider, the cache and the app all record into it.
  const telemetry = createServiceTelemetry(config.telemetry)

  let store: DeliveryStore
  try {
    store = await openStore({
      ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
      ...(config.dataDir ? { dataDir: config.dataDir } : {}),
    })
  } catch (error) {
    const where = config.databaseUrl ? 'DATABASE_URL' : 'DATA_DIR'
    await telemetry.shutdown()
    throw new ServiceStartError(`cannot open the store (${where}): ${(error as Error).message}`, {
      cause: error,
    })
  }

  // Replicas share one token through Redis; if Redis is down the cache serves
  // from process memory (logged, counted), so Redis never decides readiness.
  let tokenCache: RedisTokenCache | undefined
  if (config.redisUrl && config.tokenCacheEncryptionKey && !overrides.tokens) {
    try {
      tokenCache = await createRedisTokenCache({
        url: config.redisUrl,
        encryptionKey: config.tokenCacheEncryptionKey,
        ...(logger ? { logger } : {}),
      })
    } catch (error) {
      await store.close().catch(() => {})
      await telemetry.shutdown()
      throw new ServiceStartError(`cannot use REDIS_URL: ${(error as Error).message}`, {
        cause: error,
      })
    }
  }

  // One provider per upstream audience, built once: its token serves every call.
  const tokens: ServiceTokenSource =
    overrides.tokens ??
    createTokenProvider({
      issuer: config.issuer,
      clientId: config.clientId,
      ...config.clientAuth,
      ...(config.dpopKey ? { dpop: config.dpopKey } : {}),
      audience: config.worldMappersAudience,
      ...(config.tokenEndpoint ? { tokenEndpoint: config.tokenEndpoint } : {}),
      ...(tokenCache ? { cache: tokenCache } : {}),
      ...(overrides.tokenRetry ? { retry: overrides.tokenRetry } : {}),
      ...(overrides.transientCooldownMs !== undefined
        ? { transientCooldownMs: overrides.transientCooldownMs }
        : {}),
      ...(logger ? { logger } : {}),
      telemetry: telemetry.providers,
    })
  // Whether tokens can be had is reported (/readyz detail, metric), not a readiness gate.
  const trackedTokens = trackTokenAvailability(tokens, logger ? { logger } : {})
  const cache = tokenCache
  const metrics = createMetrics(telemetry.meterProvider, {
    tokens: () => tokens.metrics,
    tokenAvailability: trackedTokens.availability,
    deliveriesByStatus: () => store.countByStatus(),
    ...(cache ? { tokenCache: () => cache.metrics } : {}),
  })
  const planner = createWorldMappersClient({
    baseUrl: config.worldMappersUrl,
    tokens: trackedTokens,
    ...(overrides.plannerTimeoutMs ? { timeoutMs: overrides.plannerTimeoutMs } : {}),
    onUpstream: (durationMs, outcome) => metrics.observeUpstream(durationMs, outcome),
    telemetry: telemetry.providers,
  })
  // One retry policy, whether the plan that failed ran in a request or in the worker.
  const backoff = overrides.backoff ?? createBackoff()
  const worker = createPendingWorker({ store, planner, backoff, ...(logger ? { logger } : {}) })
  const app = await buildApp({
    issuer: config.issuer,
    audience: config.audience,
    ...(config.jwksUri ? { jwksUri: config.jwksUri } : {}),
    store,
    planner,
    telemetry,
    tokenAvailability: trackedTokens.availability,
    ...(logger ? { logger } : {}),
    planTimeoutMs: config.planTimeoutMs,
    inlineLeaseMs: overrides.inlineLeaseMs ?? config.pendingGraceMs,
    backoff,
  })

  let closing: Promise<void> | undefined
  return {
    app,
    store,
    tokens,
    worker,
    metrics,
    telemetry,
    tokenCache,
    logger: logger ?? (app.log as unknown as Logger),
    start() {
      worker.start()
      trackedTokens.start()
    },
    close() {
      closing ??= (async () => {
        trackedTokens.stop()
        await app.close()
        await worker.stop()
        await Promise.allSettled([planner.close(), tokens.close()])
        await Promise.allSettled([store.close(), tokenCache?.close()])
        // Last: what the closing recorded is pushed too.
        await telemetry.shutdown()
      })()
      return closing
    },
  }
}
