/**
 * Child process: gift-deliveries composed as its `src/main.ts` composes it
 * (PGlite store in BENCH_DATA_DIR, world-mappers client, pending worker), with either
 * its real token provider (`cached`) or a naive per-call token fetch
 * (`naive`): the token source is the only difference.
 */
import { createTokenProvider } from '@m2m/auth/token'
import {
  buildApp,
  createMetrics,
  createPendingWorker,
  createWorldMappersClient,
  openStore,
} from '@m2m/gift-deliveries'
import { announce } from '../runner/processes.js'
import { createNaiveTokenSource } from './naive-token-source.js'

await announce(async () => {
  const [mode] = process.argv.slice(2)
  const { BENCH_ISSUER: issuer, BENCH_WORLD_MAPPERS_URL: worldMappersUrl } = process.env
  const { BENCH_CLIENT_ID: clientId, BENCH_CLIENT_SECRET: clientSecret } = process.env
  if (mode !== 'cached' && mode !== 'naive')
    throw new Error(`mode must be cached or naive, got ${mode}`)
  if (!issuer || !worldMappersUrl || !clientId || !clientSecret) {
    throw new Error(
      'BENCH_ISSUER, BENCH_WORLD_MAPPERS_URL, BENCH_CLIENT_ID, BENCH_CLIENT_SECRET are required',
    )
  }
  const credentials = { issuer, clientId, clientSecret, audience: 'urn:worldmappers' }
  const tokens =
    mode === 'cached' ? createTokenProvider(credentials) : createNaiveTokenSource(credentials)
  const store = await openStore({ dataDir: process.env.BENCH_DATA_DIR || undefined })
  const metrics = createMetrics({
    tokens: () => tokens.metrics,
    deliveriesByStatus: () => store.countByStatus(),
  })
  const planner = createWorldMappersClient({
    baseUrl: worldMappersUrl,
    tokens,
    onUpstream: (durationMs, outcome) => metrics.observeUpstream(durationMs, outcome),
  })
  const worker = createPendingWorker({ store, planner })
  const app = await buildApp({
    issuer,
    audience: 'urn:gift-deliveries',
    store,
    planner,
    metrics,
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  worker.start()
  return { port: (app.server.address() as { port: number }).port }
})
