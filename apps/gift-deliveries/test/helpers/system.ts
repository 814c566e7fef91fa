import { fileURLToPath } from 'node:url'
import { createVerifier, type JwtVerifier } from '@m2m/auth/verify'
import { devTenantFile } from '@m2m/auth-server'
import { startLocalTenant } from '@m2m/auth-server/testing'
import { clientCredentials, readTenantKeywords } from '@m2m/test-kit'
import { buildApp as buildWorldMappers, devPlacesFile, loadGazetteer } from '@m2m/world-mappers'
import { request } from 'undici'
import { loadConfig } from '../../src/config.js'
import { createService, type GiftDeliveriesService } from '../../src/service.js'

const keywords = readTenantKeywords(devTenantFile)
/** The LOCAL-ONLY private key of the dev tenant's secretless Gift Deliveries client. */
export const SECRETLESS_DEV_KEY = fileURLToPath(
  new URL(
    '../../../auth-server/tenants/dev/keys/gift-deliveries-secretless.private.pem',
    import.meta.url,
  ),
)

/** A dev-tenant client's id and secret, by keyword prefix (`STOREFRONT`, `GIFT_DELIVERIES`, …). */
export const dev = (prefix: string) => clientCredentials(keywords, prefix)

/** The local tenant on loopback, with test controls. */
export async function startTenant() {
  const tenant = await startLocalTenant({ tenant: devTenantFile, testControls: true })
  const { issuer } = tenant

  async function token(prefix: string, audience: string): Promise<string> {
    const res = await request(`${issuer}oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', ...toWire(dev(prefix)), audience }),
    })
    const body = (await res.body.json()) as { access_token?: string }
    if (!body.access_token) throw new Error(`no token for ${prefix}`)
    return body.access_token
  }
  async function control(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) {
    const res = await request(`${issuer}__test__/${path}`, {
      method,
      ...(body
        ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
        : {}),
    })
    return res.statusCode === 204 ? undefined : res.body.json()
  }
  async function management(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) {
    const admin = await token('TENANT_ADMIN', `${issuer}api/v2/`)
    const res = await request(`${issuer}api/v2/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${admin}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    return (await res.body.json()) as Record<string, unknown>
  }
  return { ...tenant, token, control, management }
}

export type Tenant = Awaited<ReturnType<typeof startTenant>>

function toWire(c: { clientId: string; clientSecret: string }) {
  return { client_id: c.clientId, client_secret: c.clientSecret }
}

let gazetteer: ReturnType<typeof loadGazetteer> | undefined

/** The real world-mappers app on loopback, verifying tokens against the tenant's JWKS over HTTP. */
export async function startWorldMappers(
  issuer: string,
  port = 0,
  options: { requireDpop?: boolean } = {},
) {
  gazetteer ??= loadGazetteer({ placesFile: devPlacesFile })
  // Re-read the JWKS eagerly, so a revoked key is noticed as soon as the test refreshes.
  const verifier: JwtVerifier = createVerifier({
    issuer,
    audience: 'urn:worldmappers',
    jwksMaxAgeMs: 0,
    jwksCooldownMs: 0,
  })
  const app = await buildWorldMappers({
    issuer,
    audience: 'urn:worldmappers',
    gazetteer: await gazetteer,
    depot: 'North Pole Depot',
    verifier,
    ...(options.requireDpop ? { dpop: { mode: 'required' as const } } : {}),
  })
  await app.listen({ port, host: '127.0.0.1' })
  const { port: bound } = app.server.address() as { port: number }
  return {
    app,
    verifier,
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    close: async () => {
      await app.close()
      await verifier.close()
    },
  }
}

export type WorldMappers = Awaited<ReturnType<typeof startWorldMappers>>

export type GiftDeliveries = GiftDeliveriesService

/**
 * The gift-deliveries service as `main.ts` composes it (`createService`), with
 * the dev tenant's Gift Deliveries client, fast retries, no inline lease and
 * no backoff; nothing started (tests drive the worker with `runOnce`).
 */
export async function startGiftDeliveries(options: {
  issuer: string
  worldMappersUrl: string
  dataDir?: string
  planTimeoutMs?: number
  plannerTimeoutMs?: number
  /** The dev tenant's secretless client, with its private key (private_key_jwt). */
  secretless?: boolean
  /** DPoP-bound world-mappers tokens (AUTH0_DPOP=true). */
  dpop?: boolean
}): Promise<GiftDeliveries> {
  const credentials = dev('GIFT_DELIVERIES')
  const clientAuth = options.secretless
    ? {
        AUTH0_CLIENT_ID: keywords.GIFT_DELIVERIES_SECRETLESS_CLIENT_ID as string,
        AUTH0_CLIENT_ASSERTION_SIGNING_KEY: SECRETLESS_DEV_KEY,
      }
    : { AUTH0_CLIENT_ID: credentials.clientId, AUTH0_CLIENT_SECRET: credentials.clientSecret }
  const config = loadConfig({
    ISSUER_BASE_URL: options.issuer,
    ...clientAuth,
    WORLD_MAPPERS_URL: options.worldMappersUrl,
    DATA_DIR: options.dataDir ?? '',
    PLAN_TIMEOUT_MS: String(options.planTimeoutMs ?? 5_000),
    ...(options.dpop ? { AUTH0_DPOP: 'true' } : {}),
  })
  return createService(config, {
    logger: false,
    tokenRetry: { attempts: 2, baseDelayMs: 10, maxElapsedMs: 500 },
    transientCooldownMs: 0,
    plannerTimeoutMs: options.plannerTimeoutMs ?? 2_000,
    backoff: () => 0,
    inlineLeaseMs: 0,
  })
}
