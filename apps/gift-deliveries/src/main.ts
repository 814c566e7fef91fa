import { createServiceLogger } from '@m2m/auth'
import { createRedisTokenCache, createTokenProvider, type RedisTokenCache } from '@m2m/auth/token'
import { exitGracefully, failStartup, listenOrExit, loadConfigOrExit } from '@m2m/service-kit'
import { buildApp } from './app.js'
import { loadConfig } from './config.js'
import { createBackoff } from './deliveries/backoff.js'
import { createMetrics } from './metrics.js'
import { createPendingWorker } from './planning/pending-worker.js'
import { trackTokenAvailability } from './planning/token-availability.js'
import { createWorldMappersClient } from './planning/world-mappers-client.js'
import { openStore } from './store/open-store.js'

function fail(message: string): never {
  return failStartup('gift-deliveries', message)
}

async function main(): Promise<void> {
  const config = loadConfigOrExit('gift-deliveries', () => loadConfig())
  const logger = createServiceLogger({ level: config.logLevel })

  let store: Awaited<ReturnType<typeof openStore>>
  try {
    store = await openStore({
      ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
      ...(config.dataDir ? { dataDir: config.dataDir } : {}),
    })
  } catch (error) {
    const where = config.databaseUrl ? 'DATABASE_URL' : 'DATA_DIR'
    fail(`cannot open the store (${where}): ${(error as Error).message}`)
  }

  // Replicas share one token through Redis; if Redis is down the cache serves
  // from process memory (logged, counted), so Redis never decides readiness.
  let tokenCache: RedisTokenCache | undefined
  if (config.redisUrl && config.tokenCacheEncryptionKey) {
    try {
      tokenCache = await createRedisTokenCache({
        url: config.redisUrl,
        encryptionKey: config.tokenCacheEncryptionKey,
        logger,
      })
    } catch (error) {
      await store.close().catch(() => {})
      fail(`cannot use REDIS_URL: ${(error as Error).message}`)
    }
  }

  // One provider per upstream audience, built once: its token serves every call.
  const tokens = createTokenProvider({
    issuer: config.issuer,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    audience: config.worldMappersAudience,
    ...(config.tokenEndpoint ? { tokenEndpoint: config.tokenEndpoint } : {}),
    ...(tokenCache ? { cache: tokenCache } : {}),
    logger,
  })
  // Whether tokens can be had is reported (/readyz detail, metric), not a readiness gate.
  const trackedTokens = trackTokenAvailability(tokens, { logger })
  const cacheMetrics = tokenCache
  const metrics = createMetrics({
    tokens: () => tokens.metrics,
    tokenAvailability: trackedTokens.availability,
    deliveriesByStatus: () => store.countByStatus(),
    ...(cacheMetrics ? { tokenCache: () => cacheMetrics.metrics } : {}),
  })
  const planner = createWorldMappersClient({
    baseUrl: config.worldMappersUrl,
    tokens: trackedTokens,
    onUpstream: (durationMs, outcome) => metrics.observeUpstream(durationMs, outcome),
  })
  // One retry policy, whether the plan that failed ran in a request or in the worker.
  const backoff = createBackoff()
  const worker = createPendingWorker({ store, planner, logger, backoff })
  const app = await buildApp({
    issuer: config.issuer,
    audience: config.audience,
    ...(config.jwksUri ? { jwksUri: config.jwksUri } : {}),
    store,
    planner,
    metrics,
    tokenAvailability: trackedTokens.availability,
    logger,
    planTimeoutMs: config.planTimeoutMs,
    inlineLeaseMs: config.pendingGraceMs,
    backoff,
  })

  await listenOrExit('gift-deliveries', app, { port: config.port, host: config.host })
  worker.start()
  trackedTokens.start()
  logger.info(
    {
      issuer: config.issuer,
      worldMappers: config.worldMappersUrl,
      store: config.databaseUrl ? 'postgresql' : 'pglite',
      tokenCache: tokenCache ? tokenCache.metrics.state : 'memory',
    },
    'gift-deliveries ready',
  )

  exitGracefully(
    logger,
    async () => {
      trackedTokens.stop()
      await app.close()
      await worker.stop()
      await Promise.allSettled([planner.close(), tokens.close()])
      await Promise.allSettled([store.close(), tokenCache?.close()])
    },
    15_000,
  )
}

await main()
