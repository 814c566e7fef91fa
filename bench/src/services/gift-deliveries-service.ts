/**
 * Child process: gift-deliveries composed by its own `createService` (PGlite
 * store in BENCH_DATA_DIR, world-mappers client, pending worker), with either
 * its real token provider (`cached`) or a naive per-call token fetch
 * (`naive`): the token source is the only difference.
 */
import { createService, loadConfig } from '@m2m/gift-deliveries'
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
  const config = loadConfig({
    ISSUER_BASE_URL: issuer,
    AUTH0_CLIENT_ID: clientId,
    AUTH0_CLIENT_SECRET: clientSecret,
    WORLD_MAPPERS_URL: worldMappersUrl,
    DATA_DIR: process.env.BENCH_DATA_DIR ?? '',
    LOG_LEVEL: 'warn',
  })
  const credentials = { issuer, clientId, clientSecret, audience: config.worldMappersAudience }
  const service = await createService(
    config,
    mode === 'naive' ? { tokens: createNaiveTokenSource(credentials) } : {},
  )
  await service.app.listen({ port: 0, host: '127.0.0.1' })
  service.start()
  return { port: (service.app.server.address() as { port: number }).port }
})
