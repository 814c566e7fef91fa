import { createTokenProvider } from '@m2m/auth/token'
import {
  buildApp as buildGiftDeliveries,
  createWorldMappersClient,
  openStore,
} from '@m2m/gift-deliveries'
import { buildApp as buildWorldMappers, devPlacesFile, loadGazetteer } from '@m2m/world-mappers'
import { devKeywords } from './tenant.js'

/** The real world-mappers app on loopback, verifying tokens against the tenant's JWKS. */
export async function startWorldMappers(issuer: string) {
  const app = await buildWorldMappers({
    issuer,
    audience: 'urn:worldmappers',
    gazetteer: await loadGazetteer({ placesFile: devPlacesFile }),
    depot: 'North Pole Depot',
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() }
}

/**
 * The real gift-deliveries app (in-memory PGlite store, its own M2M token
 * provider for world-mappers) on loopback.
 */
export async function startGiftDeliveries(issuer: string, worldMappersUrl: string) {
  const store = await openStore({})
  const tokens = createTokenProvider({
    issuer,
    clientId: devKeywords.GIFT_DELIVERIES_CLIENT_ID as string,
    clientSecret: devKeywords.GIFT_DELIVERIES_CLIENT_SECRET as string,
    audience: 'urn:worldmappers',
  })
  const planner = createWorldMappersClient({ baseUrl: worldMappersUrl, tokens })
  const app = await buildGiftDeliveries({
    issuer,
    audience: 'urn:gift-deliveries',
    store,
    planner,
    planTimeoutMs: 10_000,
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await app.close()
      await planner.close()
      await tokens.close()
      await store.close()
    },
  }
}
